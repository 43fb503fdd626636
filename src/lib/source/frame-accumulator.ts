/**
 * Batch accumulation for a byte source: frames parsed from the adapter's bytes gather in one
 * batch, handed on when it is full or `flushMs` after its first frame, whichever comes first.
 */
import {FrameBatch, MAX_BATCH_FRAMES} from '../can/frame.js'
import type {SlcanParser} from '../can/slcan/index.js'

export interface FrameAccumulatorOptions {
  /**
   * A partial batch is handed on this long after its first frame. Default 250 ms: every hand-over
   * becomes a store commit, and a commit costs DuckDB about 10 ms of CPU, so at the seed's 350
   * frames/s a 50 ms flush spends 4x the CPU of this one (docs/perf-baseline.md).
   */
  readonly flushMs?: number
  /** Takes each batch handed on (it is the receiver's from then on). */
  readonly deliver: (batch: FrameBatch) => void
}

export class FrameAccumulator {
  private batch = new FrameBatch(64)
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly options: FrameAccumulatorOptions) {}

  /** Parses `chunk` into the batch, frames stamped `hostUs`; hands on every batch that fills. */
  feed(parser: SlcanParser, chunk: Uint8Array, hostUs: number): void {
    let offset = 0
    while (offset < chunk.length) {
      offset = parser.feed(chunk, hostUs, this.batch, offset)
      if (this.batch.full) this.flush()
    }
    if (this.batch.length > 0 && this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.options.flushMs ?? 250)
  }

  /** The connection is over: a partial line becomes what the parser makes of it, and everything is handed on. */
  finish(parser: SlcanParser, hostUs: number): void {
    if (parser.stats.frames > 0 || this.batch.length > 0) parser.finish(hostUs, this.batch)
    this.flush()
  }

  /** Hands on the batch now, if it holds anything. */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.batch.length === 0) return
    const full = this.batch
    this.batch = new FrameBatch(nextCapacity(full))
    this.options.deliver(full)
  }
}

/**
 * The size of the next batch: about twice what the last flush held, a power of two from 64 to
 * MAX_BATCH_FRAMES. A batch is handed over (its buffers transferred to the store) so it cannot be
 * reused; at the seed's 350 frames/s a full-size batch per flush would allocate and zero 170 KB
 * every 50 ms for a dozen frames.
 */
function nextCapacity(last: FrameBatch): number {
  let capacity = 64
  while (capacity < last.length * 2 && capacity < MAX_BATCH_FRAMES) capacity *= 2
  return capacity
}
