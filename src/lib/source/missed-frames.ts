/**
 * Estimates frames missed per CAN id from the car's cycle times: CAN has no sequence numbers, so
 * the only evidence of a lost frame is that fewer arrived than the cycle time promises. Per id,
 * over a span of steady reception, `round((last − first) / c) + 1 − received` frames are missing.
 *
 * Counting over the span, rather than judging each gap, is what makes it hold with host stamps:
 * without adapter timestamps, frames that arrive in one read share a stamp and the next read's
 * gap absorbs USB and scheduling delay, so single gaps look like one cycle too many or too few.
 * Over a span those errors cancel; only the span's two ends count, so the error is at most one
 * frame per id and span, whatever the jitter inside. How wrong it can still be, and when:
 * - **Clock drift.** The span length is read on the receiving clock: a sender whose crystal is
 *   100 ppm off gains or loses one frame per 10,000 cycles (0.36 frames a minute at 10 ms).
 * - **Not cyclic.** Ids without a cycle time (event-driven messages, ids the car does not know)
 *   are not estimated at all.
 * - **Silences.** A gap longer than `maxGapUs` (default 5 s) is a sender that stopped (ignition off,
 *   a module asleep), not frames lost on the way: it closes the span, uncounted. After a reconnect
 *   the estimator is `reset()`: the outage is reported as a reconnect, not as misses.
 *
 * Property checked in test/source/machinery.test.ts: with random drops and every frame within
 * ±24 % of a cycle of its slot, the estimate equals the number dropped.
 */
import type {Car} from '../car/model.js'
import {type FrameBatch, FrameFlag} from '../can/frame.js'

/** The lookup key of an id: 29-bit ids get bit 31 so 0x100 and 0x00000100 stay apart. */
export function idKey(id: number, extended: boolean): number {
  return extended ? (id | 0x8000_0000) >>> 0 : id
}

/** `idKey` → the expected cycle time in µs, for every message of the car that has one. */
export function cycleTimesById(car: Pick<Car, 'dbc' | 'cycleTimesMs'>): Map<number, number> {
  const out = new Map<number, number>()
  for (const message of car.dbc.messages) {
    const ms = car.cycleTimesMs.get(message.name)
    if (ms !== undefined && ms > 0) out.set(idKey(message.id, message.extended), ms * 1000)
  }
  return out
}

export class MissedFrameEstimator {
  private readonly slot = new Map<number, number>()
  private readonly cycleUs: Float64Array
  private readonly firstUs: Float64Array
  private readonly lastUs: Float64Array
  private readonly received: Float64Array
  /** Misses of the spans already closed (by a silence or a reconnect). */
  private readonly closed: Float64Array
  private readonly names: string[] = []

  constructor(
    cycles: ReadonlyMap<number, number>,
    private readonly maxGapUs = 5_000_000,
  ) {
    const n = cycles.size
    this.cycleUs = new Float64Array(n)
    this.firstUs = new Float64Array(n).fill(Number.NaN)
    this.lastUs = new Float64Array(n).fill(Number.NaN)
    this.received = new Float64Array(n)
    this.closed = new Float64Array(n)
    let i = 0
    for (const [key, us] of cycles) {
      this.slot.set(key, i)
      this.cycleUs[i] = us
      const id = key & 0x7fff_ffff
      this.names.push(key > 0x7fff_ffff ? id.toString(16).toUpperCase().padStart(8, '0') : id.toString(16).toUpperCase().padStart(3, '0'))
      i++
    }
  }

  /** Looks at a batch's frames (error and remote frames are not the cyclic message). */
  observe(batch: FrameBatch): void {
    if (this.slot.size === 0) return
    for (let i = 0; i < batch.length; i++) {
      const flags = batch.flags[i]!
      if (flags & (FrameFlag.error | FrameFlag.remote)) continue
      const s = this.slot.get(flags & FrameFlag.extended ? (batch.id[i]! | 0x8000_0000) >>> 0 : batch.id[i]!)
      if (s === undefined) continue
      const t = batch.timestampUs[i]!
      const last = this.lastUs[s]!
      if (last !== last || t - last > this.maxGapUs) {
        this.closeSpan(s)
        this.firstUs[s] = t
        this.received[s] = 0
      }
      if (!(t < this.lastUs[s]!)) this.lastUs[s] = t
      this.received[s]!++
    }
  }

  /** Estimated misses so far per id (hex, as candump writes it); ids with none are left out. */
  byId(): Record<string, number> {
    const out: Record<string, number> = {}
    for (let s = 0; s < this.names.length; s++) {
      const m = this.missedAt(s)
      if (m > 0) out[this.names[s]!] = m
    }
    return out
  }

  /** All estimated misses. */
  total(): number {
    let sum = 0
    for (let s = 0; s < this.names.length; s++) sum += this.missedAt(s)
    return sum
  }

  /** Closes every span (after a reconnect): the outage between two spans is not a miss. */
  reset(): void {
    for (let s = 0; s < this.names.length; s++) this.closeSpan(s)
  }

  private missedAt(s: number): number {
    return this.closed[s]! + this.spanMissed(s)
  }

  private spanMissed(s: number): number {
    const first = this.firstUs[s]!
    if (first !== first) return 0
    const expected = Math.round((this.lastUs[s]! - first) / this.cycleUs[s]!) + 1
    return Math.max(0, expected - this.received[s]!)
  }

  private closeSpan(s: number): void {
    this.closed[s]! += this.spanMissed(s)
    this.firstUs[s] = Number.NaN
    this.lastUs[s] = Number.NaN
    this.received[s] = 0
  }
}
