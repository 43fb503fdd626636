import {Args, Flags} from '@oclif/core'

import {durationFlag, onShutdown, PitwallCommand, urlFlag} from '../lib/cli/index.js'
import {type ArchiveJobResult, runArchiveJob} from '../lib/ops/index.js'

export type ArchiveResult = ArchiveJobResult

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
    const settings = await this.settings({dataDir: flags['data-dir'], url: flags.url})
    const abort = new AbortController()
    const shutdown = onShutdown(async () => abort.abort())
    try {
      return await runArchiveJob({
        access: {dataDir: settings.dataDir, token: settings.get('token'), url: settings.get('url')},
        allEnded: flags['all-ended'],
        dryRun: flags['dry-run'],
        format: flags.format,
        ids: argv as string[],
        list: flags.list,
        // Also under --json: where the work ran is a diagnostic, and stderr is where those go.
        note: (line) => process.stderr.write(`${line}\n`),
        olderThanMs: flags['older-than'],
        print: this.jsonEnabled() ? undefined : {stderr: (text) => this.logToStderr(text), stdout: (text) => this.log(text)},
        restore: flags.restore,
        signal: abort.signal,
      })
    } finally {
      shutdown.dispose()
    }
  }
}
