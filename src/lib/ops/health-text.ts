import {type HealthView, type Span, tableLines} from './health-view.js'

/**
 * The health screen as plain text, for when ink cannot draw (stdout is a pipe, a file, a CI log):
 * the same rows as the terminal screen, without colour.
 */
export function healthText(view: HealthView): string {
  const join = (spans: readonly Span[]): string => spans.map((s) => s.text).join('')
  const lines = [`pitwall health: ${join(view.title)}`]
  for (const row of view.rows) lines.push(`${row.label.padEnd(9)}${join(row.spans)}`)
  if (view.ids) {
    lines.push('', `CAN ids (${view.ids.rows.length}${view.ids.hidden ? '+' : ''})`)
    for (const line of tableLines(view.ids)) lines.push(`  ${line}`)
    if (view.ids.hidden) lines.push(`  ${view.ids.hidden}`)
  }
  lines.push('', view.warnings.length === 0 ? 'warnings: none' : 'warnings:')
  for (const w of view.warnings) {
    lines.push(`  ! ${w.text}`)
    if (w.advice) lines.push(`    → ${w.advice}`)
  }
  return lines.join('\n')
}

/** One line per read for `--watch` into a log: time, status, rate, last frame, session, warnings. */
export function healthLine(view: HealthView, at = new Date()): string {
  const row = (label: string): string => view.rows.find((r) => r.label === label)?.spans.map((s) => s.text).join('') ?? ''
  const rate = row('rate').split('  ')[0]
  const parts = [at.toISOString().slice(11, 19), view.status.toUpperCase(), rate, row('frames') || row('bridge'), row('session')]
  return `${parts.filter(Boolean).join(' | ')}${view.warnings.length > 0 ? ` | ${view.warnings.length} warning${view.warnings.length > 1 ? 's' : ''}` : ''}`
}
