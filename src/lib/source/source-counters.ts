/**
 * The bookkeeping every source shares: frames counted into fps and totals, implausible stamps
 * rejected, per-id missed-frame estimates, drops by reason, and the bounded queue of batches
 * between a reader and its consumer. A source owns one and builds its `SourceStatus` from it.
 */
import {DATA_STRIDE, type FrameBatch} from '../can/frame.js'
import {FpsMeter} from './fps-meter.js'
import {implausibleStamp} from './host-clock.js'
import {MissedFrameEstimator} from './missed-frames.js'
import type {SourceDropReason} from './source.js'

export interface SourceCountersOptions {
  readonly cycleTimesUs?: ReadonlyMap<number, number>
  /** Batches waiting for the consumer before new ones are dropped (`queue_full`). Default 256. */
  readonly maxQueuedBatches?: number
  readonly nowMs?: () => number
}

export class SourceCounters {
  framesTotal = 0
  readonly dropped: Partial<Record<SourceDropReason, number>> = {}
  readonly fps: FpsMeter
  readonly missed: MissedFrameEstimator
  /** performance.now() of the last frame, NaN before the first. */
  lastFrameMs = Number.NaN
  private readonly queue: FrameBatch[] = []
  private wake: (() => void) | undefined
  private closed = false
  private failure: Error | undefined
  private readonly maxQueued: number
  private readonly nowMs: () => number

  constructor(options: SourceCountersOptions = {}) {
    this.nowMs = options.nowMs ?? (() => performance.now())
    this.fps = new FpsMeter(5, this.nowMs)
    this.missed = new MissedFrameEstimator(options.cycleTimesUs ?? new Map())
    this.maxQueued = options.maxQueuedBatches ?? 256
  }

  drop(reason: SourceDropReason, n = 1): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + n
  }

  /** A frame arrived now (called as bytes are parsed, before the batch is handed on). */
  sawFrames(): void {
    this.lastFrameMs = this.nowMs()
  }

  /** Seconds since the last frame; null before the first. */
  lastFrameAgeS(): number | null {
    const last = this.lastFrameMs
    return last === last ? Math.max(0, (this.nowMs() - last) / 1000) : null
  }

  /**
   * Takes a filled batch: rejects frames with implausible stamps (counted), counts the rest and
   * queues the batch for the consumer, or drops it whole when the consumer is too far behind.
   */
  deliver(batch: FrameBatch, hostNowUs: number): void {
    if (batch.length === 0) return
    const rejected = rejectImplausible(batch, hostNowUs)
    if (rejected > 0) this.drop('implausible_time', rejected)
    if (batch.length === 0) return
    this.framesTotal += batch.length
    this.fps.add(batch.length)
    this.missed.observe(batch)
    if (this.queue.length >= this.maxQueued) {
      this.drop('queue_full', batch.length)
      return
    }
    this.queue.push(batch)
    this.wake?.()
  }

  /** No more batches; `failure` is thrown to the consumer after the queued ones. */
  close(failure?: Error): void {
    this.closed = true
    this.failure ??= failure
    this.wake?.()
  }

  /** The consumer's side: every queued batch, in order, until closed. */
  async *drain(): AsyncGenerator<FrameBatch> {
    for (;;) {
      const next = this.queue.shift()
      if (next) {
        yield next
        continue
      }
      if (this.closed) {
        if (this.failure) throw this.failure
        return
      }
      await new Promise<void>((resolve) => (this.wake = resolve))
      this.wake = undefined
    }
  }
}

/** Removes frames whose stamps are before 2020 or far in the future; returns how many. */
function rejectImplausible(batch: FrameBatch, hostNowUs: number): number {
  let bad = 0
  for (let i = 0; i < batch.length; i++) if (implausibleStamp(batch.timestampUs[i]!, hostNowUs) !== undefined) bad++
  if (bad === 0) return 0
  // Rare: copy the plausible frames down over the rejected ones.
  let w = 0
  for (let r = 0; r < batch.length; r++) {
    if (implausibleStamp(batch.timestampUs[r]!, hostNowUs) !== undefined) continue
    if (w !== r) moveFrame(batch, r, w)
    w++
  }
  batch.length = w
  return bad
}

function moveFrame(b: FrameBatch, from: number, to: number): void {
  b.timestampUs[to] = b.timestampUs[from]!
  b.subMicroNs[to] = b.subMicroNs[from]!
  b.id[to] = b.id[from]!
  b.flags[to] = b.flags[from]!
  b.dataLength[to] = b.dataLength[from]!
  b.rawDlc[to] = b.rawDlc[from]!
  b.channel[to] = b.channel[from]!
  b.data.copyWithin(to * DATA_STRIDE, from * DATA_STRIDE, (from + 1) * DATA_STRIDE)
}
