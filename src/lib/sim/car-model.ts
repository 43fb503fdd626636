/**
 * Every channel the simulated car reports, in physical units and the car file's sign
 * conventions (lateral g, yaw, steering + right; longitudinal g + accelerating; pitch + nose up;
 * roll + right side down; vertical g +1 at rest), at any moment of the drive plan.
 *
 * - rpm from road speed through the gearbox in the gear the driver is in (the car file's ratios);
 * - lateral g = v²·κ/g, yaw rate = v·κ, steering from the Ackermann angle plus understeer;
 * - longitudinal g = dv/dt; roll and pitch rates from the change of lateral and longitudinal g;
 * - vertical g = 1 plus the track's bumps (fixed to the track, so every lap feels the same) and
 *   kerbs at the corner apexes, growing with speed;
 * - temperatures warming towards their running values, tyre pressures rising with tyre
 *   temperature, fuel falling with what the engine burned;
 * - GPS on the centreline plus the driver's line, which wanders by a metre lap to lap.
 */
import type {Track} from '../track/model.js'
import {type DrivePlan, type PlanState} from './drive-plan.js'
import {Rng} from './rng.js'
import {engineRpm, G, gearAt, type VehicleSpec} from './vehicle.js'

/** The quantities the model produces, named as the car file's channels. */
export const SIM_CHANNELS = [
  'rpm',
  'gear',
  'speed_ms',
  'speed_kmh',
  'ecu_speed_ms',
  'throttle_pct',
  'brake_bar',
  'brake_on',
  'steering_deg',
  'g_lat',
  'g_long',
  'g_vert',
  'yaw_rate_degs',
  'roll_rate_degs',
  'pitch_rate_degs',
  'lat',
  'lon',
  'wheel_speed_fl_ms',
  'wheel_speed_fr_ms',
  'wheel_speed_rl_ms',
  'wheel_speed_rr_ms',
  'water_temp_c',
  'water_press_bar',
  'oil_press_bar',
  'engine_oil_temp_c',
  'oil_filter_temp_c',
  'ambient_temp_c',
  'fuel_l',
  'battery_v',
  'dsc_active',
  'dme_gear_raw',
  'tpms_pressure_fl_bar',
  'tpms_pressure_fr_bar',
  'tpms_pressure_rl_bar',
  'tpms_pressure_rr_bar',
  'tpms_temp_fl_c',
  'tpms_temp_fr_c',
  'tpms_temp_rl_c',
  'tpms_temp_rr_c',
  'tpms_voltage_fl_v',
  'tpms_voltage_fr_v',
  'tpms_voltage_rl_v',
  'tpms_voltage_rr_v',
] as const
export type SimChannel = (typeof SIM_CHANNELS)[number]

/** Slot of each quantity in a sample array. */
export const SLOT = Object.fromEntries(SIM_CHANNELS.map((name, i) => [name, i])) as Record<SimChannel, number>

export interface CarModelOptions {
  readonly seed: number
  /** Litres in the tank at the start. Default 55. */
  readonly fuelL?: number
  /** Degrees Celsius. Default 19.5. */
  readonly ambientC?: number
}

const DEG = 180 / Math.PI
const WHEELS = ['fl', 'fr', 'rl', 'rr'] as const
const TYRE_TEMP = WHEELS.map((w) => SLOT[`tpms_temp_${w}_c`])
const TYRE_PRESSURE = WHEELS.map((w) => SLOT[`tpms_pressure_${w}_bar`])
const TYRE_VOLTAGE = WHEELS.map((w) => SLOT[`tpms_voltage_${w}_v`])

/** Groups of quantities beyond motion (always computed), so a frame computes only what it carries. */
export const GROUP = {gps: 1, vertical: 2, rates: 4, thermal: 8, tyres: 16, all: 31} as const

/** The group a slot needs (0: motion, always there). */
export function groupOf(slot: number): number {
  const name = SIM_CHANNELS[slot]!
  if (name === 'lat' || name === 'lon') return GROUP.gps
  if (name === 'g_vert') return GROUP.vertical
  if (name === 'roll_rate_degs' || name === 'pitch_rate_degs') return GROUP.rates
  if (name.startsWith('tpms_')) return GROUP.tyres
  if (/temp|press/.test(name) && name !== 'ambient_temp_c') return GROUP.thermal
  return 0
}

export class CarModel {
  private readonly p: PlanState = blank()
  private readonly q: PlanState = blank()
  private readonly point = {curvature: 0, heading: 0, x: 0, y: 0}
  private readonly bumps: Array<{amplitude: number; wavelength: number; phase: number}>
  private readonly apexes: Float64Array
  private readonly fuelL: number
  private readonly ambientC: number

  constructor(
    readonly plan: DrivePlan,
    readonly spec: VehicleSpec,
    readonly track: Track,
    options: CarModelOptions,
  ) {
    const rng = Rng.derive(options.seed, 'surface')
    this.bumps = [
      {amplitude: 0.035, wavelength: 7.3},
      {amplitude: 0.025, wavelength: 23.1},
      {amplitude: 0.02, wavelength: 61.7},
    ].map((b) => ({...b, phase: rng.uniform(0, 2 * Math.PI)}))
    this.apexes = Float64Array.from(track.corners.map((c) => c.distanceM))
    this.fuelL = options.fuelL ?? 55
    this.ambientC = options.ambientC ?? 19.5
  }

  /**
   * The quantities at sim time `t` (seconds), into `out` (indexed by SLOT): all of them, or only
   * the groups in `groups` (see GROUP; a frame needs three or four signals, not forty).
   */
  sample(t: number, out: Float64Array, groups: number = GROUP.all): Float64Array {
    const {plan, spec} = this
    const p = plan.at(t, this.p)
    const line = this.track.centreline
    const c = line.at(p.d, this.point)
    const k = p.v > 0 ? c.curvature : 0
    const v = p.v
    const gLat = (v * v * k) / G
    const rpm = engineRpm(spec, v, p.shiftRpm)
    out[SLOT.rpm] = rpm
    out[SLOT.gear] = v * 3.6 < 5 ? Number.NaN : gearAt(spec, v, p.shiftRpm)
    out[SLOT.speed_ms] = v
    out[SLOT.speed_kmh] = v * 3.6
    out[SLOT.ecu_speed_ms] = v
    out[SLOT.throttle_pct] = p.throttle
    out[SLOT.brake_bar] = p.brakeBar
    out[SLOT.brake_on] = p.brakeBar > 2 ? 1 : 0
    out[SLOT.steering_deg] = (Math.atan(spec.wheelbaseM * k) * DEG + spec.understeerDegPerG * gLat) * spec.steeringRatio
    out[SLOT.g_lat] = gLat
    out[SLOT.g_long] = p.a / G
    out[SLOT.yaw_rate_degs] = v * k * DEG
    out[SLOT.battery_v] = 14.1 - 0.15 * (p.throttle / 100)
    out[SLOT.dsc_active] = 0
    out[SLOT.dme_gear_raw] = 0
    out[SLOT.ambient_temp_c] = this.ambientC
    out[SLOT.fuel_l] = Math.max(0, this.fuelL - p.fuelBurnedL)
    // Outside wheels roll further: + curvature (right turn) speeds up the left side.
    const spread = (k * spec.trackWidthM) / 2
    out[SLOT.wheel_speed_fl_ms] = v * (1 + spread)
    out[SLOT.wheel_speed_rl_ms] = v * (1 + spread)
    out[SLOT.wheel_speed_fr_ms] = v * (1 - spread)
    out[SLOT.wheel_speed_rr_ms] = v * (1 - spread)
    if (groups & GROUP.gps) {
      // The centreline point plus the driver's line (metres to the right of travel).
      const x = c.x + Math.cos(c.heading) * p.lineOffsetM
      const y = c.y - Math.sin(c.heading) * p.lineOffsetM
      out[SLOT.lat] = this.track.frame.lat(y)
      out[SLOT.lon] = this.track.frame.lon(x)
    }
    if (groups & GROUP.vertical) out[SLOT.g_vert] = 1 + this.surface(p.d, v)
    if (groups & GROUP.rates) {
      // Body roll and pitch follow lateral and longitudinal g; their rates are the change over a short window.
      out[SLOT.roll_rate_degs] = -spec.rollDegPerG * this.slope(t, 0.05, (s) => (s.v * s.v * (s.v > 0 ? line.at(s.d, this.point).curvature : 0)) / G)
      out[SLOT.pitch_rate_degs] = spec.pitchDegPerG * this.slope(t, 0.1, (s) => s.a / G)
    }
    if (groups & GROUP.thermal) {
      const water = warm(t, 78, 96, 240)
      const sump = warm(t, 80, 116, 480)
      out[SLOT.water_temp_c] = water
      out[SLOT.water_press_bar] = 0.9 + 0.5 * ((water - 78) / 18) + 0.1 * (rpm / 8000)
      out[SLOT.oil_press_bar] = 1.2 + 3.8 * Math.min(1, rpm / 6000) - 0.6 * ((sump - 80) / 36)
      out[SLOT.engine_oil_temp_c] = sump
      out[SLOT.oil_filter_temp_c] = warm(t, 70, 104, 400)
    }
    if (groups & GROUP.tyres) {
      for (let w = 0; w < 4; w++) {
        // A clockwise track loads the left tyres more: they run a few degrees hotter.
        const tyre = warm(t, this.ambientC + 8, 72 + (w % 2 === 0 ? 4 : 0) + (w < 2 ? 2 : 0), 200)
        out[TYRE_TEMP[w]!] = tyre
        // Cold pressure 1.9 bar at 25 °C, rising with absolute temperature.
        out[TYRE_PRESSURE[w]!] = (1.9 * (tyre + 273.15)) / (25 + 273.15)
        out[TYRE_VOLTAGE[w]!] = 3.0 - (0.0005 * t) / 60
      }
    }
    return out
  }

  /** Vertical g above 1: bumps fixed to the track and kerbs at the apexes, scaled by speed. */
  private surface(d: number, v: number): number {
    if (v <= 0) return 0
    let g = 0
    for (const b of this.bumps) g += b.amplitude * Math.sin((2 * Math.PI * d) / b.wavelength + b.phase)
    for (const apex of this.apexes) {
      const off = Math.abs(d - apex)
      if (off < 8) g += 0.12 * Math.sin((2 * Math.PI * d) / 1.6)
    }
    return g * Math.min(1, v / 25)
  }

  private slope(t: number, h: number, f: (s: PlanState) => number): number {
    const t0 = Math.max(0, t - h)
    const a = f(this.plan.at(t0, this.q))
    const b = f(this.plan.at(t + h, this.q))
    return (b - a) / (t + h - t0)
  }
}

/** Exponential warm-up from `from` to `to` with time constant `tauS`. */
function warm(t: number, from: number, to: number, tauS: number): number {
  return to - (to - from) * Math.exp(-t / tauS)
}

function blank(): PlanState {
  return {a: 0, brakeBar: 0, d: 0, fuelBurnedL: 0, lineOffsetM: 0, loop: -1, shiftRpm: 0, t: 0, throttle: 0, travelled: 0, v: 0}
}
