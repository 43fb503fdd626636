/**
 * The status bookkeeping every source shares: its state, frames counted into fps and totals, the
 * time of the last frame, implausible stamps rejected, per-id missed-frame estimates and drops by
 * reason. A source owns one and builds its `SourceStatus` from it (`status()`), adding only what
 * is its own (hints, reconnects, adapter flags). Sources of points count points as frames.
 */
import type {FrameBatch} from '../can/frame.js'
import {FpsMeter} from './fps-meter.js'
import {implausibleStamp} from './host-clock.js'
import {MissedFrameEstimator} from './missed-frames.js'
import type {SourceDropReason, SourceState, SourceStatus} from './source.js'

export interface SourceCountersOptions {
  /** `idKey` → cycle µs, for the missed-frame estimate. Default none (nothing estimated). */
  readonly cycleTimesUs?: ReadonlyMap<number, number>
  /** The state before anything happened. Default `connected`. */
  readonly state?: SourceState
  readonly nowMs?: () => number
}

/** What a source adds to the shared part of its status. */
export interface StatusExtras {
  readonly hints?: readonly string[]
  /** Default 0. */
  readonly reconnects?: number
  readonly adapterFlags?: Readonly<Record<string, boolean>>
  /** Drops the source keeps elsewhere (a parser's bad lines), merged over the counted ones. */
  readonly dropped?: Readonly<Partial<Record<SourceDropReason, number>>>
}

export class SourceCounters {
  state: SourceState
  framesTotal = 0
  readonly dropped: Partial<Record<SourceDropReason, number>> = {}
  readonly fps: FpsMeter
  readonly missed: MissedFrameEstimator
  /** performance.now() of the last frame, NaN before the first. */
  lastFrameMs = Number.NaN
  private readonly nowMs: () => number

  constructor(options: SourceCountersOptions = {}) {
    this.state = options.state ?? 'connected'
    this.nowMs = options.nowMs ?? (() => performance.now())
    this.fps = new FpsMeter(5, this.nowMs)
    this.missed = new MissedFrameEstimator(options.cycleTimesUs ?? new Map())
  }

  drop(reason: SourceDropReason, n = 1): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + n
  }

  /** A frame arrived now (called as bytes are parsed, before the batch is handed on). */
  sawFrames(): void {
    this.lastFrameMs = this.nowMs()
  }

  /** `frames` frames (or points) arrived now and are handed on as they are. */
  count(frames: number): void {
    if (frames <= 0) return
    this.framesTotal += frames
    this.fps.add(frames)
    this.lastFrameMs = this.nowMs()
  }

  /**
   * Takes a filled batch of host-stamped frames: removes those with implausible stamps (counted),
   * counts the rest into totals, fps and the missed-frame estimate. False when none is left.
   */
  admit(batch: FrameBatch, hostNowUs: number): boolean {
    if (batch.length === 0) return false
    const rejected = rejectImplausible(batch, hostNowUs)
    if (rejected > 0) this.drop('implausible_time', rejected)
    if (batch.length === 0) return false
    this.framesTotal += batch.length
    this.fps.add(batch.length)
    this.missed.observe(batch)
    return true
  }

  /** Seconds since the last frame; null before the first. */
  lastFrameAgeS(): number | null {
    const last = this.lastFrameMs
    return last === last ? Math.max(0, (this.nowMs() - last) / 1000) : null
  }

  /** The source's status: the counted part, and what the source adds. */
  status(source: {readonly kind: string; readonly name: string}, extras: StatusExtras = {}): SourceStatus {
    return {
      dropped: {...this.dropped, ...extras.dropped},
      fps: this.fps.rate(),
      framesTotal: this.framesTotal,
      hints: [...(extras.hints ?? [])],
      kind: source.kind,
      lastFrameAgeS: this.lastFrameAgeS(),
      missedById: this.missed.byId(),
      name: source.name,
      reconnects: extras.reconnects ?? 0,
      state: this.state,
      ...(extras.adapterFlags ? {adapterFlags: extras.adapterFlags} : {}),
    }
  }
}

/** Removes frames whose stamps are before 2020 or far in the future; returns how many. */
function rejectImplausible(batch: FrameBatch, hostNowUs: number): number {
  let bad = 0
  for (let i = 0; i < batch.length; i++) if (implausibleStamp(batch.timestampUs[i]!, hostNowUs) !== undefined) bad++
  if (bad === 0) return 0
  // Rare: copy the plausible frames down over the rejected ones.
  const read = batch.length
  batch.length = 0
  for (let r = 0; r < read; r++) if (implausibleStamp(batch.timestampUs[r]!, hostNowUs) === undefined) batch.pushFrom(batch, r)
  return bad
}
