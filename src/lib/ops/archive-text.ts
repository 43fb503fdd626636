import type {ArchiveRunResult, RestoreOutcome, SessionListing} from '../store/index.js'
import {clock} from './health-view.js'

/** `archive`'s summary: leftovers of an interrupted run, then what was (or would be) archived and skipped. */
export function archiveRunText(r: ArchiveRunResult): string {
  const lines: string[] = []
  for (const p of r.recovery.removedPartials) lines.push(`${r.dryRun ? 'would remove' : 'removed'} ${p} (left by an interrupted run; its session is intact)`)
  for (const m of r.recovery.mismatched) lines.push(`warning: ${m.problem}`)
  const verb = r.dryRun ? 'would archive' : 'archived'
  const frames = r.archived.reduce((n, o) => n + o.frames, 0)
  lines.push(`${verb} ${r.archived.length} session(s), ${frames} frames, as ${r.format}; skipped ${r.skipped.length}, failed ${r.failed.length}`)
  for (const s of r.skipped) lines.push(`  skipped ${s.id}: ${s.reason}`)
  return lines.join('\n')
}

export function restoredText(r: RestoreOutcome): string {
  return `${r.id}: restored from ${r.path} (${r.rows['frames'] ?? 0} frames, verified), now ended in the live DB`
}

/** `archive --list`: one row a session, oldest first, figures right-aligned. */
export function sessionTable(sessions: readonly SessionListing[]): string {
  if (sessions.length === 0) return 'no sessions'
  const header = ['SESSION', 'STATE', 'CAR', 'START', 'DURATION', 'FRAMES', 'SIZE']
  const rows = sessions.map((s) => [
    s.id,
    s.state,
    s.car,
    s.start.replace('T', ' ').slice(0, 19),
    clock(s.durationS),
    String(s.frames),
    `${s.bytesEstimated ? '~' : ''}${(s.bytes / 1e6).toFixed(1)} MB`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const right = new Set([4, 5, 6])
  return [header, ...rows].map((r) => r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n')
}
