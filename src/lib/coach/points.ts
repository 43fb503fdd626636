/**
 * A burst of seed 001 telemetry points (`{"meta_time": …, "lap": 3, "lapdist_m": 812,
 * "speed_kmh": 162, "accx_can": -0.9, "pbrake_f": 61, …}`) fed to a rule engine: numeric fields
 * become samples of the car channel they name (exact name first, then seed 001's names, as
 * `--udp` reads them), `lap` and `lapdist_m` place the car on the lap when the points have no
 * GPS. Points without a time are taken as 20 Hz up to now.
 */
import type {Car} from '../car/index.js'
import {SampleBatch} from '../decode/index.js'
import {ALIASES} from '../source/udp-points.js'
import {COACH_ERROR, CoachRequestError} from './errors.js'
import {type LapTracker, NO_LAP_EVENTS} from '../track/index.js'
import type {RuleEngine} from './rule-engine.js'
import type {TelemetryPoint} from './types.js'

/** The most points one /analyze takes (about 8 minutes at 20 Hz). */
export const MAX_POINTS = 10_000
const POINT_GAP_US = 50_000
/** Fields that describe a point rather than measure something. */
const META = new Set(['meta_time', 'timestamp', 'track', 'chassis', 'vehicle_id', 'lap', 'lapdist_m', 'session', 'source'])

/** Channel slot by point field name, for a car. */
export function pointSlots(car: Pick<Car, 'channels'>): Map<string, number> {
  const slots = new Map<string, number>()
  car.channels.forEach((c, i) => slots.set(c.name, i))
  for (const [field, channel] of Object.entries(ALIASES)) {
    const slot = slots.get(channel)
    if (slot !== undefined && !slots.has(field)) slots.set(field, slot)
  }
  return slots
}

/**
 * Feeds the points to `engine` in order, laps timed by `laps` when the points carry GPS; returns
 * how many samples they gave. Throws CoachRequestError on a malformed burst.
 */
export function feedPoints(engine: RuleEngine, slots: ReadonlyMap<string, number>, points: readonly TelemetryPoint[], nowUs: number, laps?: LapTracker): number {
  if (points.length === 0) throw new CoachRequestError('points: the burst is empty; send {} to analyze the live session')
  if (points.length > MAX_POINTS) throw new CoachRequestError(`points: ${points.length} points, at most ${MAX_POINTS} in one request`)
  const batch = new SampleBatch(64)
  let samples = 0
  let lastUs = Number.NEGATIVE_INFINITY
  points.forEach((point, k) => {
    if (typeof point !== 'object' || point === null || Array.isArray(point)) throw new CoachRequestError(`points[${k}]: a point is a JSON object`)
    const t = stampOf(point, k, points.length, nowUs)
    if (t < lastUs) throw new CoachRequestError(`points[${k}]: meta_time goes backwards; send the points in time order`)
    lastUs = t
    const lapDist = point['lapdist_m']
    const lap = point['lap']
    if (typeof lapDist === 'number' && Number.isFinite(lapDist)) engine.setPosition(t, typeof lap === 'number' ? lap : undefined, lapDist)
    batch.length = 0
    for (const [field, value] of Object.entries(point)) {
      if (META.has(field) || typeof value !== 'number') continue
      const slot = slots.get(field)
      if (slot !== undefined) batch.push(t, slot, Number.isFinite(value) ? value : Number.NaN)
    }
    samples += batch.length
    // A point without a channel still moves time on (its position counts).
    if (batch.length === 0) batch.push(t, 0xffff, Number.NaN)
    engine.observe(batch, laps ? laps.feedSamples(batch) : NO_LAP_EVENTS)
  })
  if (samples === 0) {
    throw new CoachRequestError('points: none of the fields is a channel of this car', COACH_ERROR.noSamples, [
      'use the car\'s channel names (speed_ms, throttle_pct, brake_bar, rpm, …) or seed 001\'s (speed_kmh, accx_can, accy_can, pbrake_f)',
    ])
  }
  return samples
}

function stampOf(point: TelemetryPoint, k: number, n: number, nowUs: number): number {
  const time = point['meta_time'] ?? point['timestamp']
  if (time === undefined || time === null) return nowUs - (n - 1 - k) * POINT_GAP_US
  const ms = typeof time === 'number' ? time * 1000 : Date.parse(time)
  if (!Number.isFinite(ms)) throw new CoachRequestError(`points[${k}]: meta_time "${String(time)}" is neither an ISO date-time nor epoch seconds`)
  return Math.round(ms * 1000)
}
