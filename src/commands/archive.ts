import {Args, Flags} from '@oclif/core'

import {durationFlag, onShutdown, PitwallCommand, urlFlag} from '../lib/cli/index.js'
import {UsageError} from '../lib/errors.js'
import {openLiveDbWork} from '../lib/ops/live-db-work.js'
import type {ArchiveRunResult, RestoreOutcome, SessionListing} from '../lib/store/index.js'
import {reviveError} from '../lib/store/protocol.js'

export type ArchiveResult = ArchiveRunResult | SessionListing[] | RestoreOutcome

export default class Archive extends PitwallCommand {
  static override args = {
    session: Args.string({description: 'Session id(s) to archive (pitwall archive --list shows them).'}),
  }

  static override description = `Moves ended sessions out of the live DB (<data-dir>/pitwall.duckdb) into their own files, so the live DB stays small.

For each session: the archive is written as <name>.partial, closed, reopened and compared with the live DB (row counts and per-column checksums of every table), fsynced and renamed; only then are the session's rows removed from the live DB, in one transaction, and the session kept as "archived" with its archive's path. A kill at any moment leaves either a verified archive with the session removed, or the session intact (a leftover .partial is removed by the next run). A live session is never archived.

While pitwall serve holds the live DB, the work runs inside serve (through its bridge: POST /admin/archive) and prints the same output; stderr says so.

--format duckdb (default) writes archive/<session>.duckdb in DuckDB's v1.0.0 storage format, which DuckDB 1.0 and later (and 0.10) open; --format parquet writes archive/parquet/car=<car>/date=<day>/session=<session>/<table>.parquet for analysis tools. Freed space in the live DB is reused; pitwall vacuum gives it back to the disk.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> --list', description: 'Every session, oldest first, with state, frames and size.'},
    {command: '<%= config.bin %> <%= command.id %> --all-ended', description: 'Archive every ended session.'},
    {command: '<%= config.bin %> <%= command.id %> --older-than 7d --format parquet', description: 'Sessions that ended a week ago or more, as parquet.'},
    {command: '<%= config.bin %> <%= command.id %> 20261122T091403Z-bmw_e46_m3 --dry-run', description: 'What would be archived, changing nothing.'},
    {command: '<%= config.bin %> <%= command.id %> --restore ~/.local/share/pitwall/archive/20261122T091403Z-bmw_e46_m3.duckdb', description: 'Bring an archived session back.'},
  ]

  static override flags = {
    'all-ended': Flags.boolean({description: 'Archive every ended session.'}),
    'dry-run': Flags.boolean({description: 'Say what would be archived; write and remove nothing.'}),
    format: Flags.option({default: 'duckdb', description: 'Archive format.', options: ['duckdb', 'parquet'] as const})(),
    list: Flags.boolean({description: 'List every session, oldest first.', exclusive: ['all-ended', 'older-than', 'restore', 'dry-run']}),
    'older-than': durationFlag({description: 'Only sessions that ended at least this long ago (duration: 7d, 12h).'}),
    restore: Flags.string({description: 'Re-import an archive (.duckdb file or parquet session folder) into the live DB as an ended session.', exclusive: ['all-ended', 'older-than', 'dry-run']}),
    url: urlFlag({description: 'Bridge URL of the serve that holds the live DB. Env: PITWALL_URL. Default: from <data-dir>/serve.json.'}),
  }

  static override strict = false

  static override summary = 'Move ended sessions into verified archive files; list or restore them.'

  async run(): Promise<ArchiveResult> {
    const {argv, flags} = await this.parse(Archive)
    const ids = argv as string[]
    if ((flags.list || flags.restore) && ids.length > 0) {
      throw new UsageError(`session ids cannot go with --${flags.list ? 'list' : 'restore'}`, {code: 'PW_USAGE', suggestions: ['pitwall archive SESSION...', 'pitwall archive --list']})
    }
    const olderThanMs = flags['older-than']
    const settings = await this.settings({dataDir: flags['data-dir'], url: flags.url})
    const work = await openLiveDbWork({dataDir: settings.dataDir, token: settings.get('token'), url: settings.get('url')})
    // A stop lets the session being archived finish (verified, or left intact) and starts no other.
    const abort = new AbortController()
    const shutdown = onShutdown(async () => abort.abort())
    try {
      // Also under --json: where the work ran is a diagnostic, and stderr is where those go.
      if (work.note) process.stderr.write(`${work.note}\n`)
      for (const id of work.unclean) this.logToStderr(`session ${id} was left live by a process that died: closed as ended (unclean)`)
      if (flags.list) {
        const sessions = await work.listSessions()
        if (!this.jsonEnabled()) this.log(table(sessions))
        return sessions
      }
      if (flags.restore) {
        const restored = await work.restore(flags.restore)
        if (!this.jsonEnabled()) this.log(`${restored.id}: restored from ${restored.path} (${restored.rows['frames'] ?? 0} frames, verified), now ended in the live DB`)
        return restored
      }
      const result = await work.archive({
        allEnded: flags['all-ended'],
        dryRun: flags['dry-run'],
        format: flags.format,
        ids,
        ...(olderThanMs === undefined ? {} : {olderThanMs}),
        signal: abort.signal,
      })
      if (!this.jsonEnabled()) this.logToStderr(describe(result))
      if (result.failed.length > 0) {
        const first = result.failed[0]!
        const message = `${result.failed.length} of ${result.failed.length + result.archived.length} sessions were not archived (their live data is intact): ${first.id}: ${first.message}`
        throw reviveError({code: first.code, exit: first.exit, message, name: 'ArchiveError', suggestions: []})
      }
      return result
    } finally {
      await work.close()
      shutdown.dispose()
    }
  }
}

function describe(r: ArchiveRunResult): string {
  const lines: string[] = []
  for (const p of r.recovery.removedPartials) lines.push(`${r.dryRun ? 'would remove' : 'removed'} ${p} (left by an interrupted run; its session is intact)`)
  for (const m of r.recovery.mismatched) lines.push(`warning: ${m.problem}`)
  const verb = r.dryRun ? 'would archive' : 'archived'
  const frames = r.archived.reduce((n, o) => n + o.frames, 0)
  lines.push(`${verb} ${r.archived.length} session(s), ${frames} frames, as ${r.format}; skipped ${r.skipped.length}, failed ${r.failed.length}`)
  for (const s of r.skipped) lines.push(`  skipped ${s.id}: ${s.reason}`)
  return lines.join('\n')
}

function table(sessions: readonly SessionListing[]): string {
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

function clock(seconds: number): string {
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`
}
