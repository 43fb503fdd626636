import type {FindingSink} from '../findings.js'
import type {YamlSource} from '../yaml/index.js'
import type {Channel, ChannelLimit, CoachingSpec} from './model.js'

/**
 * Reads `coaching:` (already checked against the schema): limit channels must exist, rpm tables
 * must rise, and the rev figures must be in order (short-shift < shift ≤ rev limit).
 */
export function readCoaching(raw: unknown, channels: readonly Channel[], source: YamlSource, sink: FindingSink): CoachingSpec | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const c = raw as Record<string, unknown>
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  const names = new Set(channels.map((ch) => ch.name))
  const limits = new Map<string, ChannelLimit>()
  const rawLimits = typeof c['limits'] === 'object' && c['limits'] !== null ? (c['limits'] as Record<string, Record<string, unknown>>) : {}
  for (const [channel, l] of Object.entries(rawLimits)) {
    if (!names.has(channel)) {
      const key = source.keyNodeAt(['coaching', 'limits', channel])
      sink.error(key ? source.posOf(key) : source.closestPos(['coaching', 'limits']), 'unknown-channel', `coaching limit on "${channel}", which is not a channel of this car`)
      continue
    }
    const table = Array.isArray(l['min_at_rpm']) ? (l['min_at_rpm'] as unknown[]).filter((p): p is [number, number] => Array.isArray(p) && p.length === 2) : undefined
    if (table && table.some((p, i) => i > 0 && p[0] <= table[i - 1]![0])) {
      sink.error(source.closestPos(['coaching', 'limits', channel, 'min_at_rpm']), 'rpm-table-order', `coaching.limits.${channel}.min_at_rpm: rpm must rise from point to point`)
    }
    limits.set(channel, {
      ...(num(l['min']) === undefined ? {} : {min: num(l['min'])!}),
      ...(num(l['max']) === undefined ? {} : {max: num(l['max'])!}),
      ...(table ? {minAtRpm: table.map((p) => [p[0], p[1]] as const)} : {}),
      ...(typeof l['label'] === 'string' ? {label: l['label']} : {}),
    })
  }
  const rev = num(c['rev_limit_rpm'])
  const shift = num(c['shift_rpm'])
  const short = num(c['short_shift_rpm'])
  if (shift !== undefined && rev !== undefined && shift > rev) {
    sink.error(source.closestPos(['coaching', 'shift_rpm']), 'rev-order', `coaching.shift_rpm ${shift} is above rev_limit_rpm ${rev}`)
  }
  if (short !== undefined && shift !== undefined && short >= shift) {
    sink.error(source.closestPos(['coaching', 'short_shift_rpm']), 'rev-order', `coaching.short_shift_rpm ${short} must be below shift_rpm ${shift}`)
  }
  const thresholds: Record<string, number> = {}
  if (typeof c['thresholds'] === 'object' && c['thresholds'] !== null) {
    for (const [k, v] of Object.entries(c['thresholds'] as Record<string, unknown>)) if (num(v) !== undefined) thresholds[k] = v as number
  }
  const v = typeof c['vehicle'] === 'object' && c['vehicle'] !== null ? (c['vehicle'] as Record<string, unknown>) : {}
  return {
    limits,
    ...(rev === undefined ? {} : {revLimitRpm: rev}),
    ...(shift === undefined ? {} : {shiftRpm: shift}),
    ...(short === undefined ? {} : {shortShiftRpm: short}),
    thresholds,
    vehicle: {
      ...(num(v['mass_kg']) === undefined ? {} : {massKg: num(v['mass_kg'])!}),
      ...(num(v['cg_height_m']) === undefined ? {} : {cgHeightM: num(v['cg_height_m'])!}),
      ...(num(v['track_m']) === undefined ? {} : {trackM: num(v['track_m'])!}),
      ...(num(v['wheelbase_m']) === undefined ? {} : {wheelbaseM: num(v['wheelbase_m'])!}),
    },
  }
}
