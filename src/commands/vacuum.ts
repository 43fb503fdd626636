import {Flags} from '@oclif/core'

import {createTaskList, PitwallCommand} from '../lib/cli/index.js'
import {parseDuration} from '../lib/config/index.js'
import {UsageError} from '../lib/errors.js'
import {openLiveStore, type VacuumResult} from '../lib/store/index.js'

export type VacuumCommandResult = VacuumResult

export default class Vacuum extends PitwallCommand {
  static override description = `Compacts the live DB (<data-dir>/pitwall.duckdb): CHECKPOINT, retention (ingest log entries older than --retention go), and shrinking the file.

DuckDB reuses the space archived sessions leave, but never gives it back to the disk. When free blocks exceed --threshold percent of the file (or with --force), and the disk has room for a copy, the database is copied into pitwall.duckdb.vacuum-tmp, verified table by table (row counts and per-column checksums), fsynced, and swapped in with a rename. A crash leaves either the old file or the new one; a leftover .vacuum-tmp is removed at the next open. Nothing else is ever removed.

Meant for cron or the daily scheduler, when nothing is being ingested.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %>', description: 'Checkpoint, apply retention, shrink if a quarter of the file is free.'},
    {command: '<%= config.bin %> <%= command.id %> --force --json', description: 'Shrink now, whatever the free fraction; sizes before and after as JSON.'},
  ]

  static override flags = {
    'dry-run': Flags.boolean({description: 'Measure and say what would be done; change nothing.'}),
    force: Flags.boolean({description: 'Shrink whatever the fraction of free blocks.'}),
    retention: Flags.string({default: '90d', description: 'Keep ingest log entries this long (duration: 90d).'}),
    threshold: Flags.integer({default: 25, description: 'Shrink when free blocks exceed this percent of the file.', max: 100, min: 0}),
  }

  static override summary = 'Checkpoint, apply retention and shrink the live DB.'

  async run(): Promise<VacuumCommandResult> {
    const {flags} = await this.parse(Vacuum)
    let retentionMs: number
    try {
      retentionMs = parseDuration(flags.retention)
    } catch (error) {
      throw new UsageError(`--retention: ${(error as Error).message}`, {code: 'PW_BAD_DURATION', suggestions: ['--retention 90d']})
    }
    const settings = await this.settings({dataDir: flags['data-dir']})
    const {store} = await openLiveStore(settings.dataDir)
    const outcome: {result?: VacuumResult; error?: unknown} = {}
    try {
      await createTaskList([
        {
          task: async (_ctx: unknown, task: {title: string}): Promise<void> => {
            try {
              const result = await store.vacuum({dryRun: flags['dry-run'], force: flags.force, minFreeFraction: flags.threshold / 100, retentionMs})
              outcome.result = result
              task.title = describe(result)
            } catch (error) {
              outcome.error = error
              throw error
            }
          },
          title: `vacuum ${store.path}`,
        },
      ]).run()
    } finally {
      await store.close()
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
