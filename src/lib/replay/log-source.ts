import {FrameBatch} from '../can/frame.js'
import {readCanLog} from '../can/log/index.js'
import {FpsMeter} from '../source/fps-meter.js'
import type {CanSource, SourceStatus} from '../source/source.js'
import {Pacer, sleep} from './pace.js'

export interface LogReplaySourceOptions {
  /** Factor of real time (1 = as recorded). */
  readonly speed?: number
  /** Play the log again from the start when it ends. */
  readonly loop?: boolean
  /** Re-stamp frames so the log plays as if it happened now (default true: a live session shows "now"). */
  readonly restamp?: boolean
}

/**
 * A recorded log as a live source (`serve --replay FILE`): frames paced as recorded, at most a few
 * milliseconds per batch, re-stamped onto the wall clock so the live session's "last 60 s" is
 * the last 60 s played. Batches are cut at 20 ms of log time so pacing stays smooth.
 */
export class LogReplaySource implements CanSource {
  readonly kind = 'replay'
  private readonly meter = new FpsMeter()
  private framesTotal = 0
  private lastFrameMs: number | undefined
  private stopped = false
  private state: SourceStatus['state'] = 'connected'
  private badLines = 0

  constructor(
    readonly name: string,
    private readonly options: LogReplaySourceOptions = {},
  ) {}

  async *batches(): AsyncGenerator<FrameBatch> {
    let offsetUs = 0
    try {
      do {
        const reading = readCanLog(this.name)
        const pacer = new Pacer(this.options.speed ?? 1, 2_000_000)
        let shiftUs: number | undefined
        let lastUs = 0
        for await (const batch of reading.batches) {
          for (const part of slices(batch, 20_000)) {
            if (this.stopped) return
            const wait = pacer.delayMs(part.timestampUs[0]!)
            if (wait > 0) await sleep(wait)
            if (this.stopped) return
            if (this.options.restamp !== false) {
              shiftUs ??= Date.now() * 1000 - part.timestampUs[0]! + offsetUs
              for (let i = 0; i < part.length; i++) part.timestampUs[i]! += shiftUs
            }
            lastUs = part.timestampUs[part.length - 1]!
            this.framesTotal += part.length
            this.meter.add(part.length)
            this.lastFrameMs = performance.now()
            yield part
          }
        }
        this.badLines += reading.stats.badLines
        offsetUs = Math.max(0, lastUs - Date.now() * 1000)
      } while (this.options.loop && !this.stopped)
    } finally {
      this.state = 'stopped'
    }
  }

  status(): SourceStatus {
    return {
      dropped: this.badLines > 0 ? {bad_line: this.badLines} : {},
      fps: this.meter.rate(),
      framesTotal: this.framesTotal,
      hints: [],
      kind: this.kind,
      lastFrameAgeS: this.lastFrameMs === undefined ? null : (performance.now() - this.lastFrameMs) / 1000,
      missedById: {},
      name: this.name,
      reconnects: 0,
      state: this.state,
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
  }
}

/** Splits a batch where log time crosses `spanUs` from the slice's first frame. */
function* slices(batch: FrameBatch, spanUs: number): Generator<FrameBatch> {
  let start = 0
  while (start < batch.length) {
    let end = start + 1
    while (end < batch.length && batch.timestampUs[end]! - batch.timestampUs[start]! < spanUs) end++
    if (start === 0 && end === batch.length) {
      yield batch
      return
    }
    const part = new FrameBatch(end - start, batch.channels)
    for (let i = start; i < end; i++) {
      const j = part.pushHeader(batch.timestampUs[i]!, batch.id[i]!, batch.flags[i]!, batch.dataLength[i]!, batch.subMicroNs[i]!, batch.rawDlc[i]!, batch.channel[i]!)
      part.data.set(batch.data.subarray(i * 64, i * 64 + 64), j * 64)
    }
    yield part
    start = end
  }
}
