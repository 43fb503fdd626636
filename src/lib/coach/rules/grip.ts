/** Mean combined g around the apex (off the brakes) against the best lap's at the same corner: grip left unused. */
import type {Rule} from './rule.js'

export const gripUsage: Rule = {
  category: 'grip',
  check(_e, ctx) {
    const {best, corner, pass} = ctx
    if (!pass || !best || !corner || !(best.coreG > 0.5)) return undefined
    const short = best.coreG - pass.coreG
    if (!(short >= ctx.config.thresholds.grip_shortfall_g)) return undefined
    return {
      message: `${pass.coreG.toFixed(2)} g through ${corner.name} against ${best.coreG.toFixed(2)} g on your best. The grip is there: carry more speed to the apex.`,
      metrics: {g: Math.round(pass.coreG * 100) / 100, best_g: Math.round(best.coreG * 100) / 100, short_g: Math.round(short * 100) / 100},
      priority: 'medium',
      say: `${corner.name}: more speed, the grip is there.`,
    }
  },
  description: 'mean combined g around the apex, off the brakes, below the best lap’s by grip_shortfall_g',
  events: ['core-end'],
  name: 'grip-usage',
}
