import {Args, Flags} from '@oclif/core'

import {openCar} from '../lib/car/index.js'
import {carFlag, durationFlag, metaFlag, onShutdown, PitwallCommand, sinkFlagOf, speedFlag, startTimeFlag, urlFlag} from '../lib/cli/index.js'
import {createLogger} from '../lib/log.js'
import {type ReplayResult, runReplay} from '../lib/replay/index.js'
import {lapTrack} from '../lib/track/index.js'

export type {ReplayResult} from '../lib/replay/index.js'

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
    car: carFlag(),
    format: Flags.option({default: 'jsonl', description: 'Output format on stdout.', options: ['jsonl', 'candump', 'table'] as const})(),
    'input-format': Flags.option({default: 'auto', description: 'Log format; auto detects it from the content.', options: ['auto', 'candump', 'candump-screen', 'asc'] as const})(),
    'max-gap': durationFlag({description: 'Cut idle gaps longer than this when pacing (duration: 500ms, 5s).'}),
    speed: speedFlag({default: 'max', description: 'max, or a factor of real time (1 = real time), pacing by the recorded timestamps.'}),
    'start-time': startTimeFlag({description: 'Anchor a log with relative timestamps: ISO date-time or epoch seconds.'}),
    meta: metaFlag({description: 'With --to db: run-sheet entry key=value for the new session; repeatable.'}),
    to: sinkFlagOf(['stdout', 'candump', 'db', 'bridge'], 'replay writes to stdout, candump:FILE, db or bridge[:URL]')({
      default: 'stdout',
      description: 'stdout; candump:FILE (a candump log); db (a new session in the live DB, tagged as a replay of its origin); bridge[:URL] (a running serve).',
    }),
    track: Flags.string({description: "With --to db: track id or YAML the new session's laps are timed on (default: the run sheet's track, --meta track=ID, when it is a known track)."}),
    unknown: Flags.boolean({default: false, description: 'Also output frames no message matches (message null).'}),
    url: urlFlag(),
  }

  static override summary = 'Replay a candump or ASC log through the decoder and the car pipelines.'

  async run(): Promise<ReplayResult> {
    const {args, flags} = await this.parse(Replay)
    const settings = await this.settings({car: flags.car, dataDir: flags['data-dir'], logLevel: flags['log-level'], url: flags.url})
    const car = await openCar(settings.get('car')!, {dataDir: settings.dataDir})
    const laps = await lapTrack(flags.track, {dataDir: settings.dataDir, ...(flags.meta ? {runSheet: flags.meta} : {})})
    // SIGINT, SIGTERM, SIGHUP: stop reading, finish what was read, print the summary.
    const abort = new AbortController()
    const shutdown = onShutdown(async () => abort.abort())
    try {
      const result = await runReplay({
        access: {token: settings.get('token'), url: settings.get('url')},
        car,
        dataDir: settings.dataDir,
        file: args.file,
        format: this.jsonEnabled() ? 'none' : flags.format,
        inputFormat: flags['input-format'],
        log: createLogger({level: flags['log-level'] ?? 'warn'}).child({module: 'replay'}),
        ...(flags['max-gap'] === undefined ? {} : {maxGapUs: flags['max-gap'] * 1000}),
        out: process.stdout,
        ...(flags.meta ? {runSheet: flags.meta} : {}),
        say: (line) => process.stderr.write(`${line}\n`),
        signal: abort.signal,
        speed: flags.speed,
        ...(flags['start-time'] === undefined ? {} : {startTimeUs: flags['start-time']}),
        stdin: process.stdin,
        to: flags.to,
        ...(laps ? {track: laps.track, trackGiven: laps.given} : {}),
        unknown: flags.unknown,
      })
      if (!this.jsonEnabled()) this.logToStderr(describe(result))
      return result
    } finally {
      shutdown.dispose()
    }
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
