/**
 * The rule coach's words: the live line (lap, place, delta to the best lap), the pace note for
 * the next corner from the best lap, the car's health in one line, the between-laps brief, and
 * which cues to show. Plain functions over the engine's state.
 */
import {HEALTH_BASE} from './channels.js'
import type {LapRecord} from './lap-record.js'
import type {RuleEngine} from './rule-engine.js'
import {unitOf} from './rules/index.js'
import {type AudioCue, CUE_PRIORITIES, type Finding} from './types.js'

const GEARS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth']

/** What a rule is about, in three words, for briefs. */
const SHORT: Record<string, string> = {
  'brake-early': 'braking early',
  'brake-late': 'braking late',
  coasting: 'coasting',
  'grip-usage': 'grip left unused',
  'over-rev': 'over-revving',
  'short-shift': 'short-shifting',
  'throttle-exit': 'late on the power',
  'trail-brake': 'dropping the brake',
}

/** `1:54.619` */
export function lapTime(ms: number): string {
  const m = Math.floor(ms / 60_000)
  return `${m}:${((ms - m * 60_000) / 1000).toFixed(3).padStart(6, '0')}`
}

/** `+0.42 s` / `−0.10 s` */
export const signed = (ms: number): string => `${ms >= 0 ? '+' : '−'}${Math.abs(ms / 1000).toFixed(2)} s`

/** `Lap 5 at Lodge: +0.42 s on your best.` or what is known of it. */
export function liveLine(engine: RuleEngine, best: LapRecord | undefined = engine.best): string {
  const rec = engine.current
  if (!rec) return ''
  const d = engine.lapDistM
  const map = engine.corners
  const where = map && map.corners.length > 0 && !Number.isNaN(d) ? ` at ${map.corners[map.zoneAt(d)]!.name}` : ''
  const lap = rec.lap === 0 ? 'Out-lap' : `Lap ${rec.lap}`
  if (!best || Number.isNaN(d)) return `${lap}${where}${best ? '' : ', no reference lap yet'}.`
  const delta = rec.deltaAt(d, best)
  if (!Number.isFinite(delta)) return `${lap}${where}.`
  return `${lap}${where}: ${signed(delta * 1000)} on your best.`
}

/** Rally-style note for the next corner, from the best lap: `Lodge, right: brake 110 before, third, 88.` */
export function paceNote(engine: RuleEngine, reference: LapRecord | undefined = engine.best ?? engine.last): string {
  const map = engine.corners
  const d = engine.lapDistM
  if (!map || map.corners.length === 0 || Number.isNaN(d)) return ''
  const k = map.nextAt(d)
  const c = map.corners[k]!
  const pass = reference?.corners[k]
  const head = `${c.name}, ${c.direction}`
  if (!pass || Number.isNaN(pass.apexUs)) return `${head}.`
  const brake = Number.isNaN(pass.onsetM) ? 'flat' : `brake ${Math.round((c.apexM - pass.onsetM) / 10) * 10} before`
  const gear = Number.isNaN(pass.apexGear) ? '' : `, ${GEARS[pass.apexGear - 1] ?? `gear ${pass.apexGear}`}`
  return `${head}: ${brake}${gear}, ${Math.round(pass.apexV * 3.6)}.`
}

/** `Car: water temp 96 °C, oil temp 116 °C, fuel 41 L.` from the health channels the coach reads. */
export function healthLine(engine: RuleEngine): string {
  const parts = engine.options.config.limits
    .map((l, k) => {
      const v = engine.values[HEALTH_BASE + k]!
      if (Number.isNaN(v)) return ''
      const unit = unitOf(l.channel)
      return `${l.label} ${v.toFixed(Math.abs(v) < 20 ? 1 : 0)}${unit ? ` ${unit}` : ''}`
    })
    .filter(Boolean)
  return parts.length > 0 ? `Car: ${parts.join(', ')}.` : ''
}

/** Priority first, then the newest. */
export function byImportance(a: Finding, b: Finding): number {
  return CUE_PRIORITIES.indexOf(a.priority) - CUE_PRIORITIES.indexOf(b.priority) || b.tUs - a.tUs
}

/** The cues worth showing at `nowUs` (not past their time to live), most important first. */
export function pickCues(findings: readonly Finding[], nowUs: number, max = 3): AudioCue[] {
  return findings
    .filter((f) => nowUs - f.tUs <= f.cue.ttl_ms * 1000)
    .sort(byImportance)
    .slice(0, max)
    .map((f) => f.cue)
}

/** The between-laps brief: best lap, the lap in question against it, what to work on, the car. */
export function briefText(engine: RuleEngine, lap: LapRecord | undefined, findings: readonly Finding[]): string {
  const best = engine.best
  const parts: string[] = []
  if (best?.lapTimeMs) parts.push(`Best ${lapTime(best.lapTimeMs)} on lap ${best.lap}.`)
  if (lap?.lapTimeMs && lap !== best) {
    const sectors = best ? lap.sectors.map((s, k) => (s.timeMs !== null && best.sectors[k]?.timeMs != null ? `S${k + 1} ${signed(s.timeMs - best.sectors[k]!.timeMs!)}` : '')).filter(Boolean) : []
    const delta = best?.lapTimeMs ? ` (${signed(lap.lapTimeMs - best.lapTimeMs)}${sectors.length > 0 ? `: ${sectors.join(', ')}` : ''})` : ''
    parts.push(`Lap ${lap.lap} ${lapTime(lap.lapTimeMs)}${delta}.`)
  }
  const work = workOn(findings)
  if (work) parts.push(work)
  else if (lap && lap.lap > 1) parts.push(`Lap ${lap.lap} was clean against your best: keep building.`)
  const health = healthLine(engine)
  if (health) parts.push(health)
  return parts.join(' ')
}

/** `Work on: Hairpin, braking late; Quarry, coasting.` from findings, most important and most frequent first. */
export function workOn(findings: readonly Finding[]): string {
  const groups = new Map<string, {f: Finding; n: number}>()
  for (const f of [...findings].sort(byImportance)) {
    const key = `${f.rule}|${f.corner?.index ?? ''}`
    const g = groups.get(key)
    if (g) g.n++
    else groups.set(key, {f, n: 1})
  }
  const items = [...groups.values()]
    .sort((a, b) => byImportance(a.f, b.f) || b.n - a.n)
    .slice(0, 3)
    .map(({f, n}) => {
      const what = SHORT[f.rule] ?? f.say.replace(/\.$/, '').toLowerCase()
      return `${f.corner ? `${f.corner.name}, ` : ''}${what}${n > 1 ? ` (${n}×)` : ''}`
    })
  return items.length > 0 ? `Work on: ${items.join('; ')}.` : ''
}
