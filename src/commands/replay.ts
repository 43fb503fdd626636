import {Args, Flags} from '@oclif/core'

import {openCar} from '../lib/car/index.js'
import {parseDuration} from '../lib/config/index.js'
import {UsageError} from '../lib/errors.js'
import {PitwallCommand, parseMeta} from '../lib/cli/index.js'
import {bridgeClient, servingBridge} from '../lib/ops/index.js'
import {openReplayBridge, openReplayStore, parseSpeed, parseStartTime, replayLog, type ReplaySummary} from '../lib/replay/index.js'
import {parseSinkSpec} from '../lib/sim/index.js'
import {openStoredFrames} from '../lib/replay/stored-frames.js'

export type ReplayResult = ReplaySummary & {readonly stored?: {session?: string; stored: number; dropped: number}}

export default class Replay extends PitwallCommand {
  static override args = {
    file: Args.string({description: 'candump (-l or screen) or Vector ASC log; - reads stdin; or stored data: an archive (.duckdb file or parquet session folder) or a stored session id', required: true}),
  }

  static override description = `Reads a CAN log, decodes every frame with the car (DBC signals, then the car's pipelines and derived channels), and prints the result. Frames no message matches are counted, not printed, unless --unknown. Bad lines are counted with their line numbers, never fatal. A summary goes to stderr at the end; with --json only the summary is printed (on stdout).

The input can also be stored data: a session id (its archive in <data-dir>/archive/, else the live DB), an archive file (.duckdb) or a parquet session folder; frames come back in timestamp order.

--to bridge[:URL] sends the frames to a running pitwall serve, which decodes and stores them in its live session (source replay:<file>); --to db does the same, with a note on stderr, while serve holds the live DB.

Output (--format): jsonl prints one object per decoded frame: {"ts", "id", "extended", "message", "signals": {name: value}, "labels"?, "nonfinite"?}; table prints one readable line per frame; candump re-emits the frames as a candump -l log.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> session.log', description: 'Decode a candump log with the default car, as JSON lines.'},
    {command: '<%= config.bin %> <%= command.id %> road.log --car sample_can_spec.dbc --format table', description: 'Decode with a bare DBC, human readable.'},
    {command: '<%= config.bin %> <%= command.id %> session.log --speed 1', description: 'Replay at real time (paced by the recorded timestamps).'},
    {command: '<%= config.bin %> <%= command.id %> session.asc --to candump:session.log --unknown', description: 'Convert an ASC log to candump, every frame.'},
    {command: '<%= config.bin %> <%= command.id %> 20261122T091403Z-bmw_e46_m3 --car cars/bmw_e46_m3_fixed.yaml --to db', description: 'Re-decode a stored session with a corrected car into a new session.'},
    {command: 'candump -L can0 | <%= config.bin %> <%= command.id %> - --format table', description: 'Decode live candump output from stdin.'},
  ]

  static override flags = {
    car: Flags.string({description: 'Car id, car YAML or bare .dbc. Env: PITWALL_CAR. Default: bmw_e46_m3.'}),
    format: Flags.option({default: 'jsonl', description: 'Output format on stdout.', options: ['jsonl', 'candump', 'table'] as const})(),
    'input-format': Flags.option({default: 'auto', description: 'Log format; auto detects it from the content.', options: ['auto', 'candump', 'candump-screen', 'asc'] as const})(),
    'max-gap': Flags.string({description: 'Cut idle gaps longer than this when pacing (duration: 500ms, 5s).'}),
    speed: Flags.string({default: 'max', description: 'max, or a factor of real time (1 = real time), pacing by the recorded timestamps.'}),
    'start-time': Flags.string({description: 'Anchor a log with relative timestamps: ISO date-time or epoch seconds.'}),
    meta: Flags.string({description: 'With --to db: run-sheet entry key=value for the new session; repeatable.', multiple: true}),
    to: Flags.string({default: 'stdout', description: 'stdout; candump:FILE (a candump log); db (a new session in the live DB, tagged as a replay of its origin); bridge[:URL] (a running serve).'}),
    unknown: Flags.boolean({default: false, description: 'Also output frames no message matches (message null).'}),
  }

  static override summary = 'Replay a candump or ASC log through the decoder and the car pipelines.'

  async run(): Promise<ReplayResult> {
    const {args, flags} = await this.parse(Replay)
    const settings = await this.settings({car: flags.car, dataDir: flags['data-dir']})
    const car = await openCar(settings.get('car')!, {dataDir: settings.dataDir})
    let target = parseSinkSpec(flags.to)
    const access = {dataDir: settings.dataDir, token: settings.get('token'), url: settings.get('url')}
    const held = target.kind === 'db' ? await servingBridge(access) : undefined
    if (held) {
      process.stderr.write(`the live DB is held by pitwall serve (pid ${held.pid}): sending the frames to its bridge at ${held.client.options.url}\n`)
      target = {kind: 'bridge', url: held.client.options.url}
    }
    if (target.kind !== 'stdout' && target.kind !== 'candump' && target.kind !== 'db' && target.kind !== 'bridge') {
      throw new UsageError(`--to ${flags.to}: replay writes to stdout, candump:FILE, db or bridge[:URL]`, {code: 'PW_BAD_TARGET', suggestions: ['--to candump:out.log', '--to db']})
    }
    const candumpFile = target.kind === 'candump' ? target.path : undefined
    const abort = new AbortController()
    process.once('SIGINT', () => abort.abort())
    // A session id reads the live DB, which needs this process to be its only user (exit 69 otherwise).
    const stored = await openStoredFrames(args.file, settings.dataDir)
    if (target.kind === 'db' && stored?.format === 'live-db') {
      await stored.close()
      throw new UsageError(`session ${stored.sessionId} is still in the live DB, which replay --to db writes: archive it first, then replay the archive`, {
        code: 'PW_REPLAY_SAME_DB',
        suggestions: [`pitwall archive ${stored.sessionId}`, `pitwall replay ${stored.sessionId} --to db`],
      })
    }
    const origin = stored?.label ?? args.file
    const db =
      target.kind === 'db'
        ? await openReplayStore(settings.dataDir, car, origin, parseMeta(flags.meta))
        : target.kind === 'bridge'
          ? await openReplayBridge(held?.client ?? (await bridgeClient({...access, url: target.url ?? access.url})), origin, abort.signal)
          : undefined
    const summary = await replayLog({
      car,
      ...(candumpFile ? {candumpFile} : {}),
      format: this.jsonEnabled() || target.kind !== 'stdout' ? 'none' : flags.format,
      input: args.file === '-' ? process.stdin : args.file,
      inputFormat: flags['input-format'],
      ...(flags['max-gap'] ? {maxGapUs: parseDuration(flags['max-gap']) * 1000} : {}),
      out: process.stdout,
      signal: abort.signal,
      speed: parseSpeed(flags.speed),
      ...(flags['start-time'] ? {startTimeUs: parseStartTime(flags['start-time'])} : {}),
      unknown: flags.unknown,
      ...(stored ? {stored} : {}),
      ...(db ? {toStore: db.toStore} : {}),
    }).finally(() => stored?.close())
    const result: ReplayResult = {...summary, ...(db ? {stored: await db.finish()} : {})}
    if (!this.jsonEnabled()) this.logToStderr(describe(result))
    return result
  }
}

function describe(s: ReplayResult): string {
  const bad = s.log.problems.slice(0, 5).map((p) => `\n  line ${p.line}: ${p.message}`).join('')
  const stored = s.stored ? `; stored ${s.stored.stored} frames in session ${s.stored.session ?? '(none)'}, dropped ${s.stored.dropped}` : ''
  return (
    `${s.input} (${s.inputFormat}, car ${s.car}): ${s.log.framesRead} frames read, ${s.decode.decoded} decoded, ` +
    `${s.decode.unknown} unknown id, ${s.decode.short} too short, ${s.decode.skipped} error/remote, ` +
    `${s.log.badLines} bad lines, ${s.log.skippedLines} skipped lines, ${s.framesOut} written, ${s.wallMs} ms${stored}${bad}`
  )
}
