/**
 * Braking against the best lap at the same corner, speed for speed: arriving faster than on the
 * best lap, the driver must brake earlier by (v² − v_best²) / 2a (a: the best lap's own mean
 * deceleration there), so the onset is moved by that before it is compared. And the release:
 * letting go from near the stop's peak pressure is dropping the brake, not trailing it.
 */
import type {CornerPass} from '../lap-record.js'
import {int, into, type Rule, type RuleContext, type RuleHit} from './rule.js'

/** Metres later (+) or earlier (−) than the best lap's onset, speed for speed; NaN when not comparable. */
export function brakePointDelta(pass: CornerPass, best: CornerPass): number {
  if (Number.isNaN(pass.onsetM) || Number.isNaN(best.onsetM)) return Number.NaN
  const a = best.decel
  const adjust = a >= 3 && a <= 25 ? (pass.onsetV * pass.onsetV - best.onsetV * best.onsetV) / (2 * a) : 0
  return pass.onsetM + adjust - best.onsetM
}

function brakeHit(ctx: RuleContext, sign: 1 | -1): RuleHit | undefined {
  const {best, corner, pass} = ctx
  if (!pass || !best || !corner) return undefined
  const delta = brakePointDelta(pass, best)
  const limit = ctx.config.thresholds.brake_point_m
  if (!(sign * delta >= limit)) return undefined
  const m = Math.round(Math.abs(delta))
  const metrics = {delta_m: Math.round(delta * 10) / 10, onset_m: Math.round(pass.onsetM), best_onset_m: Math.round(best.onsetM), speed_kmh: Math.round(pass.onsetV * 3.6)}
  return sign > 0
    ? {message: `Braked ${m} m later than your best${into(ctx)}, speed for speed. You'll run wide and lose the exit: go back to your marker.`, metrics, priority: 'medium', say: `${corner.name}: braked ${m} metres late.`}
    : {message: `Braked ${m} m earlier than your best${into(ctx)}, speed for speed. There's time in that brake zone: brake at your marker, ${int(corner.apexM - best.onsetM)} m before the apex.`, metrics, priority: 'medium', say: `${corner.name}: braking ${m} metres early.`}
}

export const brakeLate: Rule = {
  category: 'braking',
  check: (_e, ctx) => brakeHit(ctx, 1),
  description: 'braking later than on the best lap at the same corner, speed for speed',
  events: ['brake-on'],
  name: 'brake-late',
}

export const brakeEarly: Rule = {
  category: 'braking',
  check: (_e, ctx) => brakeHit(ctx, -1),
  description: 'braking earlier than on the best lap at the same corner, speed for speed',
  events: ['brake-on'],
  name: 'brake-early',
}

/** Below this peak a stop is a dab, whatever its release. */
const REAL_STOP_FACTOR = 3

export const trailBrake: Rule = {
  category: 'braking',
  check(_e, ctx) {
    const {corner, pass} = ctx
    const t = ctx.config.thresholds
    if (!pass || !corner || pass.peakBrake < REAL_STOP_FACTOR * t.brake_on_bar || !(pass.releasePct >= t.trail_release_pct)) return undefined
    const bar = Math.round((pass.releasePct / 100) * pass.peakBrake)
    const before = Math.round(corner.apexM - pass.releaseM)
    return {
      message: `Dropped the brake from ${bar} bar${into(ctx)}${before > 0 ? `, ${before} m before the apex` : ''}. Bleed it off as you turn in and trail it to the apex: the front needs the load.`,
      metrics: {from_bar: bar, release_pct: Math.round(pass.releasePct), before_apex_m: before},
      priority: 'medium',
      say: `${corner.name}: trail the brake in.`,
    }
  },
  description: 'letting go of the brake from near its peak instead of trailing it towards the apex',
  events: ['brake-off'],
  name: 'trail-brake',
}
