import {Flags} from '@oclif/core'

import {openCar} from '../lib/car/index.js'
import {PitwallCommand, parseMeta} from '../lib/cli/index.js'
import {parseDuration} from '../lib/config/index.js'
import {UsageError} from '../lib/errors.js'
import {ingestLog, type IngestSummary} from '../lib/ingest/index.js'
import {createLogger} from '../lib/log.js'
import {onShutdown} from '../lib/ops/index.js'
import {describeRecovery, openLiveStore, type RecoveryReport, SessionManager} from '../lib/store/index.js'

export type IngestResult = IngestSummary & {readonly recovery?: RecoveryReport}

export default class Ingest extends PitwallCommand {
  static override description = `Reads CAN frames into the live DB (<data-dir>/pitwall.duckdb) without the HTTP bridge: every frame is stored raw, and the samples the car decodes from it next to it, in one live session.

With --stdin, a candump log (or candump screen output or Vector ASC; sniffed unless --input-format says) is read from standard input; the log's own timestamps are kept. After each commit (at most every 50 ms) "committed N" goes to stderr: N frames of this session are durably stored. At EOF, or on SIGTERM/SIGINT after a clean flush, the session ends and a summary is printed.

The live DB has one writing process: if another pitwall holds it, ingest stops with exit 69 and names that process.`

  static override enableJsonFlag = true

  static override examples = [
    {command: 'candump -L can0 | <%= config.bin %> <%= command.id %> --stdin', description: 'Log a SocketCAN bus.'},
    {command: '<%= config.bin %> <%= command.id %> --stdin --meta driver=Alex --meta track=Spa < session.log', description: 'Import a log with a run sheet.'},
  ]

  static override flags = {
    'archive-on-end': Flags.boolean({description: 'Archive each session when it ends (as pitwall archive does, duckdb format), so the live DB keeps only what is being recorded.'}),
    car: Flags.string({description: 'Car id, car YAML or bare .dbc. Env: PITWALL_CAR. Default: bmw_e46_m3.'}),
    'input-format': Flags.option({default: 'auto', description: 'Format of the input; auto sniffs it.', options: ['auto', 'candump', 'candump-screen', 'asc'] as const})(),
    meta: Flags.string({description: 'Run-sheet entry key=value (driver, track, event, outing, tyres, fuel, notes, …); repeatable.', multiple: true}),
    'session-idle': Flags.string({default: '30m', description: 'End the session after this long without frames (duration).'}),
    stdin: Flags.boolean({description: 'Read a CAN log from standard input.'}),
  }

  static override summary = 'Log CAN frames into the live DB, headless.'

  async run(): Promise<IngestResult> {
    const {flags} = await this.parse(Ingest)
    // Listen for SIGTERM/SIGINT before anything slow: a stop during start-up is a clean stop too.
    const abort = new AbortController()
    const shutdown = onShutdown(async () => abort.abort())
    if (!flags.stdin) throw new UsageError('ingest needs an input: --stdin', {code: 'PW_NO_INPUT', suggestions: ['candump -L can0 | pitwall ingest --stdin']})
    const settings = await this.settings({car: flags.car, dataDir: flags['data-dir'], logLevel: flags['log-level']})
    const runSheet = parseMeta(flags.meta)
    const idleEndMs = parseDuration(flags['session-idle'])
    const car = await openCar(settings.get('car')!, {dataDir: settings.dataDir})
    const log = createLogger({level: settings.get('logLevel') ?? 'info'}).child({module: 'ingest'})
    const {recovery, store, unclean} = await openLiveStore(settings.dataDir)
    // A damaged live DB was moved aside and salvaged: say so first, table by table (health keeps showing it).
    if (recovery) for (const line of describeRecovery(recovery)) this.logToStderr(line)
    log.info({path: store.path}, 'live DB open, reading stdin')
    for (const id of unclean) this.logToStderr(`session ${id} was left live by a process that died: closed as ended (unclean)`)
    store.onEvent((event) => {
      if (event.kind === 'dropped') log.warn({frames: event.frames, reason: event.reason}, 'frames dropped')
      else if (event.kind === 'invalidated') log.error({reopened: event.reopened}, 'DuckDB invalidated the database; reopened')
      else if (event.kind === 'disk-full') log.warn({full: event.full}, event.full ? 'disk full: writing stopped' : 'disk space back: writing resumed')
      else if (event.kind === 'warning') log.warn(event.message)
    })
    const sessions = new SessionManager(store, car, {idleEndMs, runSheet, ...(flags['archive-on-end'] ? {autoArchive: 'duckdb' as const} : {})})
    store.onCommitted((_stats, _key, sessionFrames) => process.stderr.write(`committed ${sessionFrames}\n`))
    try {
      const summary = await ingestLog({car, input: process.stdin, inputFormat: flags['input-format'], sessions, signal: abort.signal, sourceName: 'stdin', store})
      await sessions.end(summary.stoppedBy === 'signal' ? 'shutdown' : 'sources_stopped')
      const result = {...summary, sessions: sessions.ended.map((s) => s.id), store: {...store.stats, dropped: {...store.stats.dropped}}, ...(recovery ? {recovery} : {})}
      if (!this.jsonEnabled()) this.logToStderr(describe(result))
      for (const s of sessions.ended) {
        if (s.archive) this.logToStderr(`${s.id}: archived to ${s.archive.path} (${s.archive.frames} frames, verified)`)
        if (s.archiveError) this.logToStderr(`warning: ${s.id} was not archived and stays in the live DB: ${s.archiveError}`)
      }
      return result
    } finally {
      await store.close()
      shutdown.dispose()
    }
  }
}

function describe(s: IngestSummary): string {
  const d = s.store.dropped
  return (
    `${s.sessions.join(', ') || 'no session'}: ${s.log.framesRead} frames read, ${s.store.committedFrames} stored, ` +
    `dropped ${d.queue_full + d.disk_full + d.write_error} (queue full ${d.queue_full}, disk full ${d.disk_full}, write error ${d.write_error}), ` +
    `${s.log.badLines} bad lines, ${s.decode.unknown} unknown id; stopped by ${s.stoppedBy}`
  )
}
