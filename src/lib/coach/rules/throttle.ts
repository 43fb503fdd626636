/** Back on the power after the apex later than on the best lap, in slow corners (where the exit is most of the time). */
import {outOf, type Rule} from './rule.js'

export const throttleExit: Rule = {
  category: 'throttle',
  check(_e, ctx) {
    const {best, corner, pass} = ctx
    const t = ctx.config.thresholds
    if (!pass || !best || !corner || Number.isNaN(pass.pickupS) || Number.isNaN(best.pickupS)) return undefined
    if (!(best.minV * 3.6 < t.slow_corner_kmh)) return undefined
    const late = pass.pickupS - best.pickupS
    if (!(late >= t.throttle_late_s)) return undefined
    return {
      message: `Back to ${t.throttle_pickup_pct}% throttle ${pass.pickupS.toFixed(1)} s after the apex${outOf(ctx)}, ${late.toFixed(1)} s later than your best. Open the wheel and squeeze it on earlier.`,
      metrics: {pickup_s: Math.round(pass.pickupS * 100) / 100, best_pickup_s: Math.round(best.pickupS * 100) / 100, late_s: Math.round(late * 100) / 100},
      priority: 'medium',
      say: `Earlier on the power out of ${corner.name}.`,
    }
  },
  description: 'throttle back on after the apex of a slow corner later than on the best lap',
  events: ['pickup'],
  name: 'throttle-exit',
}
