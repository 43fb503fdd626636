/** A rule's hit made into a Finding with its AudioCue. */
import type {RuleContext, Rule, RuleHit} from './rules/index.js'
import type {AudioCue, CuePriority, Finding} from './types.js'

/** How long a cue stays on the HUD, by priority. */
export const CUE_TTL_MS: Readonly<Record<CuePriority, number>> = {critical: 30_000, high: 15_000, low: 5_000, medium: 8_000}

export function findingOf(rule: Rule, hit: RuleHit, ctx: RuleContext, seq: number): Finding {
  const corner = ctx.corner ? {index: ctx.corner.index, name: ctx.corner.name, ...(ctx.corner.number === undefined ? {} : {number: ctx.corner.number})} : null
  const where = corner ? (corner.number === undefined ? corner.index : `T${corner.number}`) : 'x'
  const cue: AudioCue = {
    category: rule.category,
    corner: corner?.name ?? null,
    id: `${rule.name.replace(':', '-')}-${ctx.lap ?? 'x'}-${where}-${seq}`,
    lap: ctx.lap,
    priority: hit.priority,
    rule: rule.name,
    text: hit.say,
    ts_ms: Math.round(ctx.tUs / 1000),
    ttl_ms: CUE_TTL_MS[hit.priority],
  }
  return {
    category: rule.category,
    corner,
    cue,
    lap: ctx.lap,
    lapDistM: Number.isNaN(ctx.lapDistM) ? null : Math.round(ctx.lapDistM),
    message: hit.message,
    metrics: hit.metrics,
    priority: hit.priority,
    rule: rule.name,
    say: hit.say,
    tUs: ctx.tUs,
  }
}
