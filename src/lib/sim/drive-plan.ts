/**
 * Where the simulated car is, how fast, and what the driver does, at any moment: a quasi-steady
 * lap-time model on the track's centreline. Per lap of distance ("loop"), on a 0.5 m grid:
 *
 * 1. a speed limit from lateral grip, v = √(μ·g / |κ|) (with a little seeded grip noise, so no
 *    two laps are the same);
 * 2. a backward pass from the next loop: the highest speed from which the car can still brake
 *    down to every later limit (braking grip shared with cornering on the friction circle);
 * 3. a forward pass from the previous loop's end speed: full throttle, limited by engine force
 *    in the current gear, rear traction, drag and rolling resistance, never above step 2.
 *
 * Between grid points acceleration is constant, so position and speed at any time are exact
 * (v = v₀ + a·τ, s = v₀τ + aτ²/2). Throttle and brake follow from the force each step needs.
 * The car waits `idleS` at rest, then pulls away `startBeforeLineM` before the start/finish line:
 * everything up to the first crossing is the out-lap.
 */
import type {Track} from '../track/model.js'
import type {DriverFault} from './driver-faults.js'
import {FaultPlanner, type LoopMods} from './fault-mods.js'
import {Rng, SmoothNoise} from './rng.js'
import {engineForce, engineRpm, G, resistance, type VehicleSpec} from './vehicle.js'

export interface DrivePlanOptions {
  /** Same seed, same laps. */
  readonly seed: number
  /** Seconds at rest, engine idling, before pulling away. Default 3. */
  readonly idleS?: number
  /** Metres before the start/finish line where the car starts. Default 150. */
  readonly startBeforeLineM?: number
  /** Mistakes the driver makes (`--driver-fault`). Default none. */
  readonly faults?: readonly DriverFault[]
}

/** Grid step, metres. */
const DS = 0.5
/** Braking and traction never drop below this share of their grip at the cornering limit (trail braking, squeezing on). */
const MIN_LONG_SHARE = 0.15
/** Loops whose grids stay in memory; older ones are rebuilt from their start state when asked for. */
const KEEP_LOOPS = 4

/** What the plan says at one moment. */
export interface PlanState {
  /** Seconds since the simulation started. */
  t: number
  /** Metres driven since pulling away. */
  travelled: number
  /** Distance along the centreline, [0, length). */
  d: number
  /** m/s and m/s². */
  v: number
  a: number
  /** 0..100 %. */
  throttle: number
  /** Brake line pressure, bar. */
  brakeBar: number
  /** Litres burned so far. */
  fuelBurnedL: number
  /** The driver's line, metres right of the centreline. */
  lineOffsetM: number
  /** Which loop (lap of distance from the start point) the car is on; -1 while idling. */
  loop: number
  /** The rpm the driver shifts up at here (the vehicle's, unless a driver fault says otherwise). */
  shiftRpm: number
}

interface LoopParams {
  readonly grip: SmoothNoise
  readonly brake: SmoothNoise
  readonly line: SmoothNoise
  readonly power: number
}

interface Loop {
  readonly index: number
  /** Absolute time of grid point j, seconds (n + 1 points). */
  readonly t: Float64Array
  readonly v: Float64Array
  /** Per step j → j + 1 (n steps). */
  readonly a: Float64Array
  readonly throttle: Float32Array
  readonly brakeBar: Float32Array
  /** Litres burned at grid point j since the start (n + 1 points). */
  readonly fuel: Float64Array
  readonly params: LoopParams
  /** Up-shift rpm per step when a driver fault changes it (0 = the vehicle's). */
  readonly shift?: Float32Array
}

interface LoopEnd {
  readonly v: number
  readonly t: number
  readonly fuel: number
}

export class DrivePlan {
  readonly n: number
  readonly ds: number
  /** Centreline distance of grid point 0. */
  readonly startD: number
  readonly idleS: number
  readonly startBeforeLineM: number
  /** Sim times (s) of the start/finish crossings computed so far; lap k runs from crossing k−1 to k. */
  readonly crossings: number[] = []
  private readonly kappa: Float64Array
  private readonly loops = new Map<number, Loop>()
  private readonly params = new Map<number, LoopParams>()
  /** How each loop built so far ended: all a loop needs to be rebuilt is the previous one's end. */
  private readonly ends: LoopEnd[] = []
  private readonly length: number
  private readonly faults: FaultPlanner | undefined

  constructor(
    readonly track: Track,
    readonly spec: VehicleSpec,
    readonly options: DrivePlanOptions,
  ) {
    const line = track.centreline
    this.length = line.length
    this.n = Math.round(line.length / DS)
    this.ds = line.length / this.n
    this.idleS = options.idleS ?? 3
    this.startBeforeLineM = Math.min(options.startBeforeLineM ?? 150, line.length / 4)
    this.startD = line.wrap(track.startFinish.distanceM - this.startBeforeLineM)
    this.kappa = new Float64Array(this.n + 1)
    const p = {curvature: 0, heading: 0, x: 0, y: 0}
    for (let j = 0; j <= this.n; j++) this.kappa[j] = line.at(this.startD + j * this.ds, p).curvature
    if (options.faults && options.faults.length > 0) {
      const grid = {ds: this.ds, kappa: this.kappa, n: this.n, startBeforeLineM: this.startBeforeLineM, startD: this.startD}
      this.faults = new FaultPlanner(track, options.faults, grid, spec.shiftRpm)
      // Corners are placed from a clean flying loop; a fault that cannot happen fails here, before any frame.
      const outLap = this.build(0, undefined, undefined, undefined)
      this.faults.analyse(this.build(1, {fuel: outLap.fuel[this.n]!, t: outLap.t[this.n]!, v: outLap.v[this.n]!}, undefined, undefined))
    }
  }

  /** Curvature at grid point j of any loop (1/m, + right). */
  curvatureAt(j: number): number {
    return this.kappa[j]!
  }

  /** The plan at sim time `t` (seconds), into `out`. Any time: laps long past are rebuilt when asked for. */
  at(t: number, out: PlanState): PlanState {
    out.t = t
    if (t < this.idleS) {
      out.travelled = 0
      out.d = this.startD
      out.v = 0
      out.a = 0
      out.throttle = 0
      out.brakeBar = 8
      out.fuelBurnedL = t * IDLE_BURN_LS
      out.lineOffsetM = 0
      out.loop = -1
      out.shiftRpm = this.spec.shiftRpm
      return out
    }
    const loop = this.loopFor(t)
    const j = search(loop.t, t, this.n)
    const tau = t - loop.t[j]!
    const v0 = loop.v[j]!
    const a = loop.a[j]!
    out.v = Math.max(0, v0 + a * tau)
    const x = Math.min(this.ds, v0 * tau + (a * tau * tau) / 2)
    out.travelled = (loop.index * this.n + j) * this.ds + x
    out.d = this.track.centreline.wrap(this.startD + j * this.ds + x)
    out.a = a
    out.throttle = loop.throttle[j]!
    out.brakeBar = loop.brakeBar[j]!
    out.fuelBurnedL = loop.fuel[j]! + (loop.fuel[j + 1]! - loop.fuel[j]!) * (loop.t[j + 1]! > loop.t[j]! ? tau / (loop.t[j + 1]! - loop.t[j]!) : 0)
    out.lineOffsetM = loop.params.line.at(j * this.ds) * 0.8
    out.loop = loop.index
    out.shiftRpm = loop.shift && loop.shift[j]! > 0 ? loop.shift[j]! : this.spec.shiftRpm
    return out
  }

  /** Time of start/finish crossing k (0 = the end of the out-lap), computing laps as needed. */
  crossingTime(k: number): number {
    while (this.ends.length <= k) this.loop(this.ends.length)
    return this.crossings[k]!
  }

  /** The loop whose time span holds t (t ≥ idleS). */
  private loopFor(t: number): Loop {
    while (this.ends.length === 0 || this.ends.at(-1)!.t < t) this.loop(this.ends.length)
    let lo = 0
    let hi = this.ends.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.ends[mid]!.t < t) lo = mid + 1
      else hi = mid
    }
    return this.loop(lo)
  }

  private loop(index: number): Loop {
    const have = this.loops.get(index)
    if (have) return have
    while (this.ends.length < index) this.loop(this.ends.length)
    const built = this.build(index, this.ends[index - 1], this.faults?.modsFor(index), this.faults?.modsFor(index + 1))
    this.loops.set(index, built)
    this.ends[index] = {fuel: built.fuel[this.n]!, t: built.t[this.n]!, v: built.v[this.n]!}
    this.crossings[index] = timeAtDistance(built, this.startBeforeLineM / this.ds, this.ds)
    // Keep the most recently built grids (a Map iterates in insertion order).
    for (const k of this.loops.keys()) if (this.loops.size > KEEP_LOOPS) this.loops.delete(k)
    for (const k of this.params.keys()) if (this.params.size > KEEP_LOOPS + 2) this.params.delete(k)
    return built
  }

  private paramsOf(index: number): LoopParams {
    let p = this.params.get(index)
    if (!p) {
      const rng = Rng.derive(this.options.seed, 'loop', index)
      p = {
        brake: new SmoothNoise(rng, this.length, 300),
        grip: new SmoothNoise(rng, this.length, 150),
        line: new SmoothNoise(rng, this.length, 120),
        power: 1 + 0.004 * rng.gauss(),
      }
      this.params.set(index, p)
    }
    return p
  }

  private build(index: number, prev: LoopEnd | undefined, mods: LoopMods | undefined, nextMods: LoopMods | undefined): Loop {
    const {n, ds, spec} = this
    const m = spec.massKg
    const here = this.paramsOf(index)
    const next = this.paramsOf(index + 1)
    // 1. Cornering limit over this loop and the next (the next one's braking zones reach back into this one).
    const limit = new Float64Array(2 * n + 1)
    const grip = new Float64Array(2 * n + 1)
    for (let j = 0; j <= 2 * n; j++) {
      const p = j <= n ? here : next
      const jj = j <= n ? j : j - n
      grip[j] = spec.gripLat * (1 + 0.012 * p.grip.at(jj * ds))
      const k = Math.abs(this.kappa[jj]!)
      limit[j] = (k > 0 ? Math.min(spec.topSpeedMs, Math.sqrt((grip[j]! * G) / k)) : spec.topSpeedMs) * ((j <= n ? mods : nextMods)?.limit[jj] ?? 1)
    }
    // 2. Backward: the speed from which every later limit can still be met under braking.
    const back = new Float64Array(2 * n + 1)
    back[2 * n] = limit[2 * n]!
    for (let j = 2 * n - 1; j >= 0; j--) {
      const v = back[j + 1]!
      const p = j < n ? here : next
      const jj = j < n ? j : j - n
      const mm = j < n ? mods : nextMods
      if (mm?.hold[jj]) {
        back[j] = Math.min(limit[j]!, v)
        continue
      }
      const share = longShare(v, this.kappa[jj]!, grip[j]!)
      const decel = spec.gripBrake * (1 + 0.03 * p.brake.at(jj * ds)) * G * share * (mm?.decel[jj] ?? 1) + resistance(spec, v) / m
      back[j] = Math.min(limit[j]!, Math.sqrt(v * v + 2 * decel * ds))
    }
    // 3. Forward: full throttle from the previous loop's end speed, under the backward limit.
    const v = new Float64Array(n + 1)
    const t = new Float64Array(n + 1)
    v[0] = prev ? prev.v : 0
    t[0] = prev ? prev.t : this.idleS
    const a = new Float64Array(n)
    const throttle = new Float32Array(n)
    const brakeBar = new Float32Array(n)
    const fuel = new Float64Array(n + 1)
    fuel[0] = prev ? prev.fuel : this.idleS * IDLE_BURN_LS
    for (let j = 0; j < n; j++) {
      const v0 = v[j]!
      const shift = mods && mods.shiftRpm[j]! > 0 ? mods.shiftRpm[j]! : spec.shiftRpm
      const force = engineForce(spec, v0, shift) * here.power
      const share = longShare(v0, this.kappa[j]!, grip[j]!)
      const drive = mods?.coast[j] ? 0 : Math.min(force, spec.gripDrive * share * m * G)
      const accel = (drive - resistance(spec, v0)) / m
      const v1 = Math.min(back[j + 1]!, mods?.hold[j] ? v0 : Math.sqrt(Math.max(0, v0 * v0 + 2 * accel * ds)))
      v[j + 1] = v1
      const aj = (v1 * v1 - v0 * v0) / (2 * ds)
      a[j] = aj
      t[j + 1] = t[j]! + (v0 + v1 > 0 ? (2 * ds) / (v0 + v1) : 0)
      // The force this step needs: engine when positive, brakes for the rest when negative.
      const need = m * aj + resistance(spec, v0)
      if (need >= 0) {
        throttle[j] = Math.min(100, (100 * need) / force)
        brakeBar[j] = 0
      } else {
        throttle[j] = 0
        brakeBar[j] = Math.min(spec.maxBrakeBar * 1.1, (spec.maxBrakeBar * -need) / (spec.gripBrake * m * G))
      }
      const rpm = engineRpm(spec, (v0 + v1) / 2, shift)
      fuel[j + 1] = fuel[j]! + (t[j + 1]! - t[j]!) * (IDLE_BURN_LS + FULL_BURN_LS * (throttle[j]! / 100) * (rpm / spec.shiftRpm))
    }
    return {a, brakeBar, fuel, index, params: here, t, throttle, v, ...(mods ? {shift: mods.shiftRpm} : {})}
  }
}

/** Litres per second at idle, and at full throttle at the shift point (about 70 kg/h of petrol). */
const IDLE_BURN_LS = 0.0004
const FULL_BURN_LS = 0.026

/** The share of longitudinal grip left at speed v on curvature k (friction circle), never below MIN_LONG_SHARE. */
function longShare(v: number, k: number, gripLat: number): number {
  const used = (v * v * Math.abs(k)) / (gripLat * G)
  return Math.sqrt(Math.max(MIN_LONG_SHARE * MIN_LONG_SHARE, 1 - used * used))
}

/** The largest j in [0, n) with t[j] ≤ time. */
function search(t: Float64Array, time: number, n: number): number {
  let lo = 0
  let hi = n - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (t[mid]! <= time) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** The time the loop reaches grid position `x` (in grid steps, fractional) on a grid of step `ds`. */
function timeAtDistance(loop: Loop, x: number, ds: number): number {
  const j = Math.min(loop.a.length - 1, Math.floor(x))
  const dist = (x - j) * ds
  const v0 = loop.v[j]!
  const a = loop.a[j]!
  const tau = Math.abs(a) < 1e-9 ? dist / v0 : (-v0 + Math.sqrt(Math.max(0, v0 * v0 + 2 * a * dist))) / a
  return loop.t[j]! + tau
}
