/**
 * The rule coach's configuration: thresholds (car file `coaching.thresholds`, else these
 * defaults), the engine's rev figures, the gear table (the car's `gear` method), health limits
 * and the vehicle figures for tyre loads. docs/coaching.md explains each threshold.
 */
import type {Car, ChannelLimit} from '../car/index.js'

/** Every rule threshold with its default; the car schema's `coaching.thresholds` lists the same names. */
export const THRESHOLD_DEFAULTS = {
  brake_on_bar: 5,
  brake_point_m: 15,
  coast_s: 1,
  coast_throttle_pct: 2,
  coast_brake_bar: 1,
  min_speed_kmh: 50,
  trail_release_pct: 85,
  throttle_pickup_pct: 80,
  throttle_late_s: 0.4,
  slow_corner_kmh: 110,
  grip_shortfall_g: 0.12,
  core_m: 25,
  health_hold_s: 2,
  health_repeat_s: 120,
} as const
export type ThresholdName = keyof typeof THRESHOLD_DEFAULTS
export type Thresholds = Readonly<Record<ThresholdName, number>>

/** Health limits for a car file without `coaching.limits`, applied to the channels it has. */
export const DEFAULT_LIMITS: ReadonlyArray<readonly [string, ChannelLimit]> = [
  ['water_temp_c', {label: 'water temp', max: 110}],
  ['engine_oil_temp_c', {label: 'oil temp', max: 135}],
  ['battery_v', {label: 'battery', min: 12}],
  ['fuel_l', {label: 'fuel', min: 3}],
]

export interface HealthLimit extends ChannelLimit {
  readonly channel: string
  readonly label: string
}

export interface VehicleFigures {
  readonly massKg: number
  readonly cgHeightM: number
  readonly trackM: number
  readonly wheelbaseM: number
}

export interface CoachConfig {
  readonly thresholds: Thresholds
  /** Over-rev above this; undefined turns the over-rev rule off. */
  readonly revLimitRpm?: number
  readonly shiftRpm?: number
  /** A full-throttle up-shift below this is a short-shift; undefined turns the rule off. */
  readonly shortShiftRpm?: number
  /** Gearbox ratios, first gear first (empty when the car has no `gear` method). */
  readonly gearRatios: readonly number[]
  readonly limits: readonly HealthLimit[]
  readonly vehicle: VehicleFigures
}

export interface CoachConfigOverrides {
  readonly thresholds?: Partial<Thresholds>
  readonly limits?: readonly HealthLimit[]
}

/** The configuration for a car: its `coaching:` section over the defaults, then `overrides`. */
export function coachConfig(car: Car, overrides: CoachConfigOverrides = {}): CoachConfig {
  const spec = car.coaching
  const thresholds = {...THRESHOLD_DEFAULTS} as Record<ThresholdName, number>
  for (const [k, v] of Object.entries(spec?.thresholds ?? {})) if (k in thresholds) thresholds[k as ThresholdName] = v
  Object.assign(thresholds, overrides.thresholds)
  const channels = new Set(car.channels.map((c) => c.name))
  const given = spec && spec.limits.size > 0 ? [...spec.limits] : DEFAULT_LIMITS.filter(([channel]) => channels.has(channel))
  const rev = spec?.revLimitRpm
  const shift = spec?.shiftRpm ?? (rev === undefined ? undefined : rev - 100)
  const short = spec?.shortShiftRpm ?? (shift === undefined ? undefined : shift - 800)
  const v = spec?.vehicle ?? {}
  return {
    gearRatios: gearRatiosOf(car),
    limits: overrides.limits ?? given.map(([channel, l]) => ({...l, channel, label: l.label ?? channel.replace(/_(c|bar|v|l|pct)$/, '').replaceAll('_', ' ')})),
    ...(rev === undefined ? {} : {revLimitRpm: rev}),
    ...(shift === undefined ? {} : {shiftRpm: shift}),
    ...(short === undefined ? {} : {shortShiftRpm: short}),
    thresholds,
    vehicle: {cgHeightM: v.cgHeightM ?? 0.5, massKg: v.massKg ?? 1400, trackM: v.trackM ?? 1.5, wheelbaseM: v.wheelbaseM ?? 2.6},
  }
}

/** The `ratios` table of the car's `gear` method, if it has one. */
function gearRatiosOf(car: Car): number[] {
  const gear = car.channels.find((c) => c.name === 'gear' && c.kind === 'method')
  const ratios = gear?.steps[0]?.params['ratios']
  return Array.isArray(ratios) ? ratios.map(Number) : []
}

/** Linear interpolation in a [x, y] table, clamped at its ends. */
export function interpolate(table: ReadonlyArray<readonly [number, number]>, x: number): number {
  if (x <= table[0]![0]) return table[0]![1]
  for (let i = 1; i < table.length; i++) {
    const [x1, y1] = table[i]!
    if (x <= x1) {
      const [x0, y0] = table[i - 1]!
      return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0)
    }
  }
  return table.at(-1)![1]
}
