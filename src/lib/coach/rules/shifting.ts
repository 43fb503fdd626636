/**
 * Shifting against the engine's figures and the gear table: past the redline (judged at the
 * episode's peak, once the revs are back down), and full-throttle up-shifts below the
 * short-shift point (the gear table says where the revs land in the next gear).
 */
import {int, ordinal, outOf, type Rule, type RuleContext, type RuleHit} from './rule.js'

/** The revs must fall this far below the limit to end an over-rev. */
const HYSTERESIS_RPM = 300

export class OverRevRule implements Rule {
  readonly category = 'shifting'
  readonly dedupe = 'lap'
  readonly description = 'rpm above the redline (coaching.rev_limit_rpm)'
  readonly events = ['tick'] as const
  readonly name = 'over-rev'
  private peak = 0
  private gear = Number.NaN

  check(_e: 'tick', ctx: RuleContext): RuleHit | undefined {
    const limit = ctx.config.revLimitRpm
    if (limit === undefined || Number.isNaN(ctx.rpm)) return undefined
    if (ctx.rpm > limit) {
      if (ctx.rpm > this.peak) {
        this.peak = ctx.rpm
        this.gear = ctx.gear
      }
      return undefined
    }
    if (this.peak === 0 || ctx.rpm > limit - HYSTERESIS_RPM) return undefined
    const peak = this.peak
    const gear = this.gear
    this.peak = 0
    const inGear = Number.isNaN(gear) ? '' : ` in ${ordinal(gear)}`
    const shift = ctx.config.shiftRpm ?? limit
    return {
      message: `${int(peak)} rpm${inGear}${outOf(ctx)}, over the ${int(limit)} redline. Shift at ${int(shift)}: there's nothing up there but wear.`,
      metrics: {rpm: Math.round(peak), limit_rpm: limit, ...(Number.isNaN(gear) ? {} : {gear})},
      priority: 'high',
      say: `Over-rev. Shift at ${Math.round(shift / 100)}.`,
    }
  }
}

export const shortShift: Rule = {
  category: 'shifting',
  check(_e, ctx) {
    const {shortShiftRpm, shiftRpm, gearRatios} = ctx.config
    const s = ctx.shift
    if (shortShiftRpm === undefined || s.throttle < ctx.config.thresholds.throttle_pickup_pct || !(s.peakRpm > 2000) || s.peakRpm >= shortShiftRpm) return undefined
    if (!(ctx.v * 3.6 >= ctx.config.thresholds.min_speed_kmh)) return undefined
    const from = gearRatios[s.from - 1]
    const to = gearRatios[s.to - 1]
    const landed = from && to ? (s.peakRpm * to) / from : Number.NaN
    const lands = Number.isNaN(landed) ? '' : `: it drops to ${int(landed)} in ${ordinal(s.to)}`
    return {
      message: `Short-shift ${s.from}→${s.to} at ${int(s.peakRpm)} rpm${outOf(ctx)}${lands}. Hold it to ${int(shiftRpm ?? shortShiftRpm)}.`,
      metrics: {rpm: Math.round(s.peakRpm), from: s.from, to: s.to, ...(Number.isNaN(landed) ? {} : {landed_rpm: Math.round(landed)})},
      priority: 'low',
      say: 'Short shift. Use the revs.',
    }
  },
  dedupe: 'lap',
  description: 'full-throttle up-shift below coaching.short_shift_rpm',
  events: ['upshift'],
  name: 'short-shift',
}
