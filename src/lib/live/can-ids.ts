import type {Car} from '../car/model.js'
import {type FrameBatch, FrameFlag} from '../can/frame.js'
import {cycleTimesById, idKey} from '../source/index.js'

/** One CAN id as `/health` and `/signals/registry?include_can_state=true` show it. */
export interface CanIdState {
  /** Hex id as candump writes it (3 digits standard, 8 extended). */
  readonly id: string
  readonly message: string | null
  readonly frames: number
  /** Frames/s over the last window. */
  readonly rateHz: number
  /** 1000 / the car's cycle time, when it states one. */
  readonly expectedHz: number | null
  /** Seconds since the last frame (host time); null if never seen. */
  readonly lastSeenS: number | null
  /** No frame for three expected cycles (and at least one second). */
  readonly stale: boolean
}

const WINDOW_MS = 5000

/**
 * Per-id counters of the live bus, keyed like the missed-frame estimator (29-bit ids apart from
 * 11-bit ones). Ids the car knows are listed from the start, so a message that never arrives
 * shows up as missing rather than not at all. Bounded: unknown ids past `maxIds` are not tracked.
 */
export class CanIdTable {
  private readonly rows = new Map<number, {frames: number; lastMs: number; window: number; prev: number; message: string | null}>()
  private readonly cycleUs: Map<number, number>
  private windowStartMs = performance.now()
  private prevWindowMs = WINDOW_MS

  constructor(
    car: Pick<Car, 'dbc' | 'cycleTimesMs'>,
    private readonly maxIds = 4096,
  ) {
    this.cycleUs = cycleTimesById(car)
    for (const m of car.dbc.messages) this.rows.set(idKey(m.id, m.extended), {frames: 0, lastMs: Number.NaN, message: m.name, prev: 0, window: 0})
  }

  push(batch: FrameBatch): void {
    const now = performance.now()
    if (now - this.windowStartMs >= WINDOW_MS) this.roll(now)
    for (let i = 0; i < batch.length; i++) {
      const key = idKey(batch.id[i]!, (batch.flags[i]! & FrameFlag.extended) !== 0)
      let row = this.rows.get(key)
      if (!row) {
        if (this.rows.size >= this.maxIds) continue
        row = {frames: 0, lastMs: Number.NaN, message: null, prev: 0, window: 0}
        this.rows.set(key, row)
      }
      row.frames++
      row.window++
      row.lastMs = now
    }
  }

  states(): CanIdState[] {
    const now = performance.now()
    if (now - this.windowStartMs >= WINDOW_MS) this.roll(now)
    const out: CanIdState[] = []
    for (const [key, row] of this.rows) {
      const extended = (key & 0x8000_0000) !== 0
      const id = (key & 0x1fff_ffff) >>> 0
      const cycle = this.cycleUs.get(key)
      const ageMs = now - row.lastMs
      const staleAfterMs = cycle === undefined ? Infinity : Math.max(1000, (3 * cycle) / 1000)
      out.push({
        expectedHz: cycle === undefined ? null : round(1e6 / cycle),
        frames: row.frames,
        id: id.toString(16).toUpperCase().padStart(extended ? 8 : 3, '0'),
        lastSeenS: row.lastMs === row.lastMs ? round(ageMs / 1000) : null,
        message: row.message,
        rateHz: round((row.prev * 1000) / this.prevWindowMs),
        stale: cycle !== undefined && !(ageMs <= staleAfterMs),
      })
    }
    return out.sort((a, b) => a.id.localeCompare(b.id))
  }

  reset(): void {
    for (const row of this.rows.values()) Object.assign(row, {frames: 0, lastMs: Number.NaN, prev: 0, window: 0})
  }

  private roll(now: number): void {
    this.prevWindowMs = now - this.windowStartMs
    // A window longer than two means the bus was quiet: the previous rate is what the last one saw.
    for (const row of this.rows.values()) {
      row.prev = this.prevWindowMs > 2 * WINDOW_MS ? 0 : row.window
      row.window = 0
    }
    this.windowStartMs = now
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100
}
