/** Neither pedal at speed for longer than coast_s: time thrown away. */
import {into, type Rule, type RuleContext, type RuleHit} from './rule.js'

export class CoastingRule implements Rule {
  readonly category = 'throttle'
  readonly description = 'neither throttle nor brake at speed for longer than coast_s'
  readonly events = ['tick'] as const
  readonly name = 'coasting'
  private sinceUs = Number.NaN

  check(_e: 'tick', ctx: RuleContext): RuleHit | undefined {
    const t = ctx.config.thresholds
    const coasting = ctx.throttle < t.coast_throttle_pct && ctx.brake < t.coast_brake_bar && ctx.v * 3.6 >= t.min_speed_kmh
    if (coasting) {
      if (Number.isNaN(this.sinceUs)) this.sinceUs = ctx.tUs
      return undefined
    }
    const s = (ctx.tUs - this.sinceUs) / 1e6
    this.sinceUs = Number.NaN
    // Unknown pedals end a coast without judging it.
    if (!(s >= t.coast_s) || Number.isNaN(ctx.throttle) || Number.isNaN(ctx.brake)) return undefined
    const where = ctx.corner ? `${ctx.corner.name}: ` : ''
    return {
      message: `${s.toFixed(1)} s coasting${into(ctx)}, neither pedal. Stay flat to your brake marker, then brake: every coast is time.`,
      metrics: {coast_s: Math.round(s * 10) / 10},
      priority: 'medium',
      say: `${where}coasting. Pick a pedal.`,
    }
  }
}
