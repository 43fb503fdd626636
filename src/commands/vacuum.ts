import {Flags} from '@oclif/core'

import {createTaskList, durationFlag, onShutdown, PitwallCommand, urlFlag} from '../lib/cli/index.js'
import {openLiveDbWork} from '../lib/ops/live-db-work.js'
import type {VacuumResult} from '../lib/store/index.js'

export type VacuumCommandResult = VacuumResult

export default class Vacuum extends PitwallCommand {
  static override description = `Compacts the live DB (<data-dir>/pitwall.duckdb): CHECKPOINT, retention (ingest log entries older than --retention go), and shrinking the file.

DuckDB reuses the space archived sessions leave, but never gives it back to the disk. When free blocks exceed --threshold percent of the file (or with --force), and the disk has room for a copy, the database is copied into pitwall.duckdb.vacuum-tmp, verified table by table (row counts and per-column checksums), fsynced, and swapped in with a rename. A crash leaves either the old file or the new one; a leftover .vacuum-tmp is removed at the next open. Nothing else is ever removed.

Meant for cron or the daily scheduler, when nothing is being ingested. While pitwall serve holds the live DB, the vacuum runs inside serve (through its bridge: POST /admin/vacuum, between commits) with the same output; stderr says so.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %>', description: 'Checkpoint, apply retention, shrink if a quarter of the file is free.'},
    {command: '<%= config.bin %> <%= command.id %> --force --json', description: 'Shrink now, whatever the free fraction; sizes before and after as JSON.'},
  ]

  static override flags = {
    'dry-run': Flags.boolean({description: 'Measure and say what would be done; change nothing.'}),
    force: Flags.boolean({description: 'Shrink whatever the fraction of free blocks.'}),
    retention: durationFlag({default: '90d', description: 'Keep ingest log entries this long (duration: 90d).'}),
    threshold: Flags.integer({default: 25, description: 'Shrink when free blocks exceed this percent of the file.', max: 100, min: 0}),
    url: urlFlag({description: 'Bridge URL of the serve that holds the live DB. Env: PITWALL_URL. Default: from <data-dir>/serve.json.'}),
  }

  static override summary = 'Checkpoint, apply retention and shrink the live DB.'

  async run(): Promise<VacuumCommandResult> {
    const {flags} = await this.parse(Vacuum)
    const retentionMs = flags.retention
    const settings = await this.settings({dataDir: flags['data-dir'], url: flags.url})
    const work = await openLiveDbWork({dataDir: settings.dataDir, token: settings.get('token'), url: settings.get('url')})
    // Also under --json: where the work ran is a diagnostic, and stderr is where those go.
    if (work.note) process.stderr.write(`${work.note}\n`)
    const outcome: {result?: VacuumResult; error?: unknown} = {}
    // A vacuum is one step (the copy is verified and swapped in, or left for the next open to
    // remove): a stop lets it finish and close the DB; a second Ctrl-C exits at once.
    const shutdown = onShutdown(async () => undefined)
    try {
      await createTaskList([
        {
          task: async (_ctx: unknown, task: {title: string}): Promise<void> => {
            try {
              const result = await work.vacuum({dryRun: flags['dry-run'], force: flags.force, minFreeFraction: flags.threshold / 100, retentionMs})
              outcome.result = result
              task.title = describe(result)
            } catch (error) {
              outcome.error = error
              throw error
            }
          },
          title: `vacuum ${work.where}`,
        },
      ]).run()
    } finally {
      await work.close()
      shutdown.dispose()
    }
    if (!outcome.result) throw outcome.error
    return outcome.result
  }
}

function describe(r: VacuumResult): string {
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`
  const retention = `${r.dryRun ? 'would remove' : 'removed'} ${r.retention.ingestLogRows} ingest log entries before ${r.retention.cutoff.slice(0, 10)}`
  const shrink = r.shrink.done ? `shrunk ${mb(r.before.fileBytes)} → ${mb(r.after.fileBytes)} (${r.shrink.reason})` : `not shrunk, ${mb(r.before.fileBytes)}: ${r.shrink.reason}`
  return `${retention}; ${shrink}`
}
