/**
 * Estimates frames missed per CAN id from the car's cycle times: CAN has no sequence numbers, so
 * the only evidence of a lost frame is a gap. A gap of `g` on an id sent every `c` means
 * `round(g / c) - 1` frames missed.
 *
 * How wrong it can be, and when:
 * - **Jitter.** A gap is read as "n cycles" when it lies within ±c/2 of n·c. If every frame lies
 *   within ±c/4 of its nominal slot, every gap error stays below c/2 and the count is exact. A frame
 *   late by more than that followed by one on time reads as a phantom miss (misses are never
 *   negative, so early frames cancel nothing). Real ECUs jitter by well under 10 % of the cycle,
 *   so this matters only for very short cycles read with host stamps (next point).
 * - **Host stamps.** Without adapter timestamps a frame is stamped when the read that carried it
 *   returned; frames arriving in one read share a stamp, and the gap to the next read absorbs USB
 *   and scheduling delay (a few ms on a phone). For a 10 ms id that is within the ±c/2 band; for a
 *   1 ms id it is not, so sub-5 ms cycles read with host stamps over-count.
 * - **Bursts.** Any number of consecutive losses is counted exactly (a gap of 5c is 4 missed) as
 *   long as the sender's cycle is steady.
 * - **Not cyclic.** Ids without a cycle time (event-driven messages, ids the car does not know)
 *   are not estimated at all.
 * - **Silences.** A gap longer than `maxGapUs` (default 5 s) is a sender that stopped (ignition off,
 *   a module asleep), not frames lost on the way, and is not counted. After a reconnect the
 *   estimator is `reset()`: the outage is reported as a reconnect, not as misses.
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
  private readonly lastUs: Float64Array
  private readonly missed: Float64Array
  private readonly names: string[] = []

  constructor(
    cycles: ReadonlyMap<number, number>,
    private readonly maxGapUs = 5_000_000,
  ) {
    this.cycleUs = new Float64Array(cycles.size)
    this.lastUs = new Float64Array(cycles.size).fill(Number.NaN)
    this.missed = new Float64Array(cycles.size)
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
      this.lastUs[s] = t
      if (last !== last) continue
      const gap = t - last
      if (gap <= 0 || gap > this.maxGapUs) continue
      const lost = Math.round(gap / this.cycleUs[s]!) - 1
      if (lost > 0) this.missed[s]! += lost
    }
  }

  /** Estimated misses so far per id (hex, as candump writes it); ids with none are left out. */
  byId(): Record<string, number> {
    const out: Record<string, number> = {}
    for (let s = 0; s < this.names.length; s++) if (this.missed[s]! > 0) out[this.names[s]!] = this.missed[s]!
    return out
  }

  /** All estimated misses. */
  total(): number {
    let sum = 0
    for (const m of this.missed) sum += m
    return sum
  }

  /** Forgets the last stamp of every id (after a reconnect): the outage is not a miss. */
  reset(): void {
    this.lastUs.fill(Number.NaN)
  }
}
