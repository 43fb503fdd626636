/**
 * What the coach keeps of a lap: a profile on the 2 m grid (time into the lap, speed, pedals,
 * combined g), one pass record per corner, one accumulator per sector, and the findings. The
 * best lap's record is the reference the rules compare with.
 */
import type {VehicleFigures} from './config.js'
import {BIN_M} from './corners.js'
import type {Finding} from './types.js'

/** One lap's way through one corner. NaN = not seen. */
export class CornerPass {
  /** Braking into the corner: where it began, at what speed, when. */
  onsetM = Number.NaN
  onsetV = Number.NaN
  peakBrake = 0
  /** Where the brake was let go, and from what share of its peak (within 0.15 s), %. */
  releaseM = Number.NaN
  releasePct = Number.NaN
  minV = Number.POSITIVE_INFINITY
  minVM = Number.NaN
  /** Passing the apex marker: time, speed, gear. */
  apexUs = Number.NaN
  apexV = Number.NaN
  apexGear = Number.NaN
  /** Seconds from the apex to the throttle back at the pick-up level. */
  pickupS = Number.NaN
  /** Mean combined g within core_m of the apex, off the brakes (time-weighted). */
  coreG = 0
  private coreS = 0
  /** Tyres fl, fr, rl, rr: peak load factor, energy (J), temperature at the corner's end. */
  readonly loadPeak = new Float64Array(4)
  readonly energyJ = new Float64Array(4)
  readonly tyreTemp = new Float64Array(4).fill(Number.NaN)

  /**
   * Vertical load per tyre (fl, fr, rl, rr) over its static share, from lateral (2·g_lat·h/track)
   * and longitudinal (2·g_long·h/wheelbase) weight transfer, and the horizontal force it carries
   * times the distance it carries it.
   */
  addTyreLoad(at: {readonly gLat: number; readonly gLong: number; readonly gComb: number; readonly v: number; readonly dt: number}, vehicle: VehicleFigures): void {
    if (Number.isNaN(at.gLat) || Number.isNaN(at.gLong) || !(at.v > 0)) return
    const {cgHeightM: h, massKg: m, trackM, wheelbaseM} = vehicle
    const lat = (2 * at.gLat * h) / trackM
    const lon = (2 * at.gLong * h) / wheelbaseM
    const work = ((m * 9.80665) / 4) * at.gComb * at.v * at.dt
    for (let w = 0; w < 4; w++) {
      // + lateral g is cornering right: the left tyres (fl, rl) take the load; + longitudinal is accelerating: the rears.
      const n = Math.max(0, 1 + (w % 2 === 0 ? lat : -lat) + (w < 2 ? -lon : lon))
      if (n > this.loadPeak[w]!) this.loadPeak[w] = n
      this.energyJ[w]! += n * work
    }
  }

  addCore(g: number, dt: number): void {
    if (!(dt > 0)) return
    this.coreG = (this.coreG * this.coreS + g * dt) / (this.coreS + dt)
    this.coreS += dt
  }

  /** Mean deceleration of the braking, m/s² (onset to minimum speed), NaN when not measurable. */
  get decel(): number {
    const d = this.minVM - this.onsetM
    if (!(d > 5) || !(this.onsetV > this.minV)) return Number.NaN
    return (this.onsetV * this.onsetV - this.minV * this.minV) / (2 * d)
  }
}

/** One sector's aggregation. */
export class SectorAcc {
  timeMs: number | null = null
  minV = Number.POSITIVE_INFINITY
  peakG = 0
  throttleS = 0
  brakeS = 0
}

export class LapRecord {
  lapTimeMs: number | null = null
  valid = false
  /** Seconds into the lap at each 2 m bin (NaN: not reached). */
  readonly timeS: Float64Array
  readonly speed: Float32Array
  readonly throttle: Float32Array
  readonly brake: Float32Array
  readonly gComb: Float32Array
  readonly corners: CornerPass[]
  readonly sectors: SectorAcc[]
  readonly findings: Finding[] = []
  /** The sector the car is in (0-based). */
  sector = 0
  /** The first bin recorded (0 for a lap from the line; later for a burst of points from mid-lap). */
  firstBin = -1
  private lastBin = -1

  constructor(
    readonly lap: number,
    readonly startUs: number,
    bins: number,
    corners: number,
    sectors: number,
  ) {
    this.timeS = new Float64Array(bins).fill(Number.NaN)
    this.speed = new Float32Array(bins)
    this.throttle = new Float32Array(bins)
    this.brake = new Float32Array(bins)
    this.gComb = new Float32Array(bins)
    this.corners = Array.from({length: corners}, () => new CornerPass())
    this.sectors = Array.from({length: sectors}, () => new SectorAcc())
  }

  /** Records the values at lap distance `d`, filling every bin passed since the last call. */
  record(d: number, tUs: number, v: number, throttle: number, brake: number, g: number): void {
    const bin = Math.min(this.timeS.length - 1, Math.floor(d / BIN_M))
    if (bin <= this.lastBin) return
    if (this.firstBin < 0) {
      this.firstBin = bin
      this.lastBin = bin - 1
    }
    const t = (tUs - this.startUs) / 1e6
    for (let b = this.lastBin + 1; b <= bin; b++) {
      this.timeS[b] = t
      this.speed[b] = v
      this.throttle[b] = throttle
      this.brake[b] = brake
      this.gComb[b] = g
    }
    this.lastBin = bin
  }

  /** Seconds into the lap at lap distance `d`, NaN when not recorded. */
  timeAt(d: number): number {
    return this.timeS[Math.max(0, Math.min(this.timeS.length - 1, Math.floor(d / BIN_M)))]!
  }

  /** Seconds this lap took from where its record starts to `d`, against `best` over the same stretch (+ = slower); NaN when unknown. */
  deltaAt(d: number, best: LapRecord): number {
    if (this.firstBin < 0) return Number.NaN
    const from = this.firstBin * BIN_M
    return this.timeAt(d) - this.timeAt(from) - (best.timeAt(d) - best.timeAt(from))
  }
}
