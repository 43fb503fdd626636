import type {Channel} from '../car/model.js'
import type {SampleBatch} from '../decode/index.js'

/** How long a channel may stay unchanged while it keeps updating before it counts as stuck. */
const STUCK_AFTER_US = 30_000_000

/** What the live view knows about one channel, for `/health` and `/signals/registry`. */
export interface ChannelHealth {
  readonly name: string
  /** Seconds since the channel last got a value (sample time); null before the first. */
  readonly staleS: number | null
  readonly outOfRange: number
  readonly stuck: boolean
}

/**
 * The live session's recent values, in memory: the latest value of every channel and a ring of
 * its last `ringSize` samples. `/session/_live/signals`, the WebSocket and the coach read from
 * here, so a polling client never costs a DuckDB query; older windows go to the store. Bounded:
 * memory is channels × ringSize × 16 bytes, whatever the session's length.
 */
export class LiveView {
  readonly latest: Float64Array
  readonly latestUs: Float64Array
  /** Channels updated since the last `takeChanged()`, for the WebSocket's batched updates. */
  private readonly changed: Uint8Array
  private readonly ringTs: Float64Array[]
  private readonly ringV: Float64Array[]
  private readonly head: Uint32Array
  private readonly count: Uint32Array
  private readonly lastChangeUs: Float64Array
  private readonly outOfRange: Float64Array
  private readonly lo: Float64Array
  private readonly hi: Float64Array
  private readonly slots = new Map<string, number>()
  /** Newest sample time seen, µs since the epoch. */
  newestUs = Number.NaN
  samplesTotal = 0

  constructor(
    readonly channels: readonly Channel[],
    private readonly ringSize = 8192,
  ) {
    const n = channels.length
    this.latest = new Float64Array(n).fill(Number.NaN)
    this.latestUs = new Float64Array(n).fill(Number.NaN)
    this.changed = new Uint8Array(n)
    this.head = new Uint32Array(n)
    this.count = new Uint32Array(n)
    this.lastChangeUs = new Float64Array(n).fill(Number.NaN)
    this.outOfRange = new Float64Array(n)
    this.lo = new Float64Array(n).fill(-Infinity)
    this.hi = new Float64Array(n).fill(Infinity)
    this.ringTs = []
    this.ringV = []
    channels.forEach((c, i) => {
      this.slots.set(c.name, i)
      const range = c.range ?? signalRange(c)
      if (range) [this.lo[i], this.hi[i]] = range
      this.ringTs.push(new Float64Array(ringSize))
      this.ringV.push(new Float64Array(ringSize))
    })
  }

  slot(name: string): number | undefined {
    return this.slots.get(name)
  }

  /** Takes a decoded batch (before the store transfers its buffers). Allocation-free. */
  push(samples: SampleBatch): void {
    const {channel, timestampUs, value} = samples
    for (let i = 0; i < samples.length; i++) {
      const c = channel[i]!
      const t = timestampUs[i]!
      const v = value[i]!
      const h = this.head[c]!
      this.ringTs[c]![h] = t
      this.ringV[c]![h] = v
      this.head[c] = h + 1 === this.ringSize ? 0 : h + 1
      if (this.count[c]! < this.ringSize) this.count[c]!++
      const before = this.latest[c]!
      if (v !== before && !(v !== v && before !== before)) this.lastChangeUs[c] = t
      else if (this.lastChangeUs[c] !== this.lastChangeUs[c]) this.lastChangeUs[c] = t
      if (v < this.lo[c]! || v > this.hi[c]!) this.outOfRange[c]!++
      this.latest[c] = v
      this.latestUs[c] = t
      this.changed[c] = 1
      if (!(t <= this.newestUs)) this.newestUs = t
    }
    this.samplesTotal += samples.length
  }

  /** Channel slots updated since the last call, and clears the marks. */
  takeChanged(): number[] {
    const out: number[] = []
    for (let c = 0; c < this.changed.length; c++) {
      if (this.changed[c]) {
        out.push(c)
        this.changed[c] = 0
      }
    }
    return out
  }

  /** Time of the oldest sample the ring still holds for `slot`, or NaN when it holds none. */
  oldestUs(slot: number): number {
    const n = this.count[slot]!
    if (n === 0) return Number.NaN
    const start = (this.head[slot]! - n + this.ringSize) % this.ringSize
    return this.ringTs[slot]![start]!
  }

  /** True when the ring alone can answer a window starting at `fromUs` (it reaches back that far, or holds the channel's whole history). */
  covers(slot: number, fromUs: number): boolean {
    return this.count[slot]! < this.ringSize || this.oldestUs(slot) <= fromUs
  }

  /**
   * Sample-and-hold resampling of `slot` onto `points` instants from `fromUs` every `stepUs`:
   * each instant gets the last value at or before it, null when there is none (or it is NaN).
   */
  resample(slot: number, fromUs: number, stepUs: number, points: number): Array<number | null> {
    const out: Array<number | null> = new Array<number | null>(points).fill(null)
    const n = this.count[slot]!
    const ts = this.ringTs[slot]!
    const vs = this.ringV[slot]!
    const start = (this.head[slot]! - n + this.ringSize) % this.ringSize
    // Skip to the last sample at or before `fromUs` (binary search, the ring is in time order): a
    // short recent window must not walk the whole ring (8192 samples per channel, per request).
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (ts[(start + mid) % this.ringSize]! <= fromUs) lo = mid + 1
      else hi = mid
    }
    let seen = Math.max(0, lo - 1)
    let k = (start + seen) % this.ringSize
    let held = Number.NaN
    let has = false
    for (let p = 0; p < points; p++) {
      const at = fromUs + p * stepUs
      while (seen < n && ts[k]! <= at) {
        held = vs[k]!
        has = true
        k = k + 1 === this.ringSize ? 0 : k + 1
        seen++
      }
      if (has && held === held) out[p] = held
    }
    return out
  }

  /** The last `n` samples of `slot`, oldest first. */
  recent(slot: number, n: number): Array<{t: number; v: number | null}> {
    const have = Math.min(n, this.count[slot]!)
    const out: Array<{t: number; v: number | null}> = []
    for (let i = have; i > 0; i--) {
      const k = (this.head[slot]! - i + this.ringSize) % this.ringSize
      const v = this.ringV[slot]![k]!
      out.push({t: this.ringTs[slot]![k]!, v: v === v ? v : null})
    }
    return out
  }

  health(nowUs: number): ChannelHealth[] {
    return this.channels.map((c, i) => {
      const last = this.latestUs[i]!
      const sinceChange = nowUs - this.lastChangeUs[i]!
      return {
        name: c.name,
        outOfRange: this.outOfRange[i]!,
        staleS: last === last ? Math.max(0, (nowUs - last) / 1e6) : null,
        stuck: c.kind === 'signal' && last === last && nowUs - last < 5_000_000 && sinceChange > STUCK_AFTER_US,
      }
    })
  }

  /** Forgets everything (a new session, a reconnect): old values must not pose as current ones. */
  reset(): void {
    this.latest.fill(Number.NaN)
    this.latestUs.fill(Number.NaN)
    this.lastChangeUs.fill(Number.NaN)
    this.count.fill(0)
    this.head.fill(0)
    this.changed.fill(0)
    this.newestUs = Number.NaN
  }
}

function signalRange(c: Channel): readonly [number, number] | undefined {
  const s = c.source?.signal
  if (c.kind !== 'signal' || !s) return undefined
  // DBC files write 0|0 when they state no range.
  return s.min === 0 && s.max === 0 ? undefined : [s.min, s.max]
}
