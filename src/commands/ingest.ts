import {Flags} from '@oclif/core'

import {openCar} from '../lib/car/index.js'
import {PitwallCommand, parseMeta} from '../lib/cli/index.js'
import {parseDuration} from '../lib/config/index.js'
import {ExitCode, UsageError} from '../lib/errors.js'
import {
  adapterSource,
  type ForwardLogSummary,
  type ForwardSourceSummary,
  FrameForwarder,
  forwardLog,
  forwardSource,
  forwardSourceName,
  ingestLog,
  ingestSource,
  ingestUdp,
  type IngestSourceSummary,
  type IngestSummary,
  type IngestUdpSummary,
  parseBitrate,
  resolveBus,
} from '../lib/ingest/index.js'
import {createLogger} from '../lib/log.js'
import type {BridgeClient} from '../lib/bridge/client.js'
import {bridgeClient, onShutdown, openLiveDbOrBridge} from '../lib/ops/index.js'
import {type SlcanAdapterSource, type SlcanSourceDetails, UdpPointSource} from '../lib/source/index.js'
import {describeRecovery, type RecoveryReport, SessionManager} from '../lib/store/index.js'

type Common = {readonly sessions: readonly string[]; readonly recovery?: RecoveryReport}
/** Frames sent to a running serve: its sessions, and `forward` (acknowledged, retries) in place of `store`. */
type Forwarded = {readonly sessions: readonly string[]}
export type IngestResult =
  | (IngestSummary & Common & {readonly input: 'stdin'})
  | (IngestSourceSummary & Common & {readonly input: 'adapter'; readonly adapter: SlcanSourceDetails})
  | (IngestUdpSummary & Common & {readonly input: 'udp'})
  | (ForwardLogSummary & Forwarded & {readonly input: 'stdin'})
  | (ForwardSourceSummary & Forwarded & {readonly input: 'adapter'; readonly adapter: SlcanSourceDetails})

const FIRMWARE_OPTIONS = ['auto', 'canable-stock', 'lawicel', 'canable-2.5'] as const

export default class Ingest extends PitwallCommand {
  static override description = `Reads CAN frames into the live DB (<data-dir>/pitwall.duckdb) without the HTTP bridge: every frame is stored raw, and the samples the car decodes from it next to it, in one live session.

Inputs (exactly one):
  --stdin        a candump log (or candump screen output, Vector ASC; sniffed unless --input-format says), or slcan bytes with --input-format slcan. Logs keep their own timestamps.
  --device PATH  a serial slcan adapter (/dev/ttyACM0, a pty). Probed with V, opened for the car's bitrate and listen-only setting; when it goes away ingest reconnects (1 s, 2 s, 5 s, 10 s, then every 10 s, at once when the path reappears).
  --can-fd N     a descriptor opened by the caller: a tty, a socket, a pipe, a file, or the USB device node termux-usb hands over (read through the usb-pump helper). A descriptor cannot be reopened: when its adapter goes away ingest ends (exit 69) and the supervisor gets a new one.
  --udp PORT     JSON telemetry points on 127.0.0.1:PORT, stored as samples of the car's channels.

--bitrate and --listen-only/--no-listen-only override the car's bus section; a bare DBC has none, so --bitrate is required for an adapter and listen-only is the default.

After each commit (at most every 50 ms) "committed N" goes to stderr: N frames of this session are durably stored. At EOF of a pipe or file, or on SIGTERM/SIGINT after a clean flush, the session ends and a summary is printed (--json: as JSON on stdout). See docs/sources.md.

--forward sends the frames to the running bridge (pitwall serve, POST /api/frames) instead: at most two requests in flight, each answered once serve has committed it ("committed N" counts acknowledged frames), a busy store (503) retried with backoff, a bridge that stays away for 30 s given up (exit 69, naming what was and was not stored). The run sheet, --session-idle and --archive-on-end are then serve's.

The live DB has one writing process: when a running serve holds it, ingest forwards to that serve's bridge by itself (stderr says so); if any other process holds it, ingest stops with exit 69 and names that process.`

  static override enableJsonFlag = true

  static override examples = [
    {command: 'candump -L can0 | <%= config.bin %> <%= command.id %> --stdin', description: 'Log a SocketCAN bus.'},
    {command: '<%= config.bin %> <%= command.id %> --stdin --meta driver=Alex --meta track=Spa < session.log', description: 'Import a log with a run sheet.'},
    {command: '<%= config.bin %> <%= command.id %> --device /dev/ttyACM0', description: 'Log a CANable on a laptop or a rooted phone.'},
    {command: 'termux-usb -r -e "<%= config.bin %> <%= command.id %> --can-fd" /dev/bus/usb/001/002', description: 'Log a CANable on a stock phone (docs/termux.md).'},
  ]

  static override flags = {
    'archive-on-end': Flags.boolean({description: 'Archive each session when it ends (as pitwall archive does, duckdb format), so the live DB keeps only what is being recorded.'}),
    bitrate: Flags.string({description: 'CAN bitrate in bit/s (500000, 500k, 1M); overrides the car. Required with a bare DBC when opening an adapter.'}),
    'can-fd': Flags.integer({description: 'Read an adapter from this already-open descriptor (termux-usb appends it).', exclusive: ['stdin', 'device', 'udp'], min: 0}),
    car: Flags.string({description: 'Car id, car YAML or bare .dbc. Env: PITWALL_CAR. Default: bmw_e46_m3.'}),
    device: Flags.string({description: 'Read a serial slcan adapter at this path (/dev/ttyACM0).', exclusive: ['stdin', 'can-fd', 'udp']}),
    firmware: Flags.option({description: "The adapter's slcan firmware family; auto probes with V. Overrides the car.", options: FIRMWARE_OPTIONS})(),
    forward: Flags.boolean({description: 'Send frames to the running bridge (pitwall serve) instead of the live DB.', exclusive: ['udp']}),
    'input-format': Flags.option({default: 'auto', description: 'Format of --stdin; auto sniffs the log formats; slcan is adapter bytes.', options: ['auto', 'candump', 'candump-screen', 'asc', 'slcan'] as const})(),
    'listen-only': Flags.boolean({allowNo: true, description: 'Open the adapter without ever transmitting (no ACK); overrides the car. A sole receiver on a bus must not be listen-only.'}),
    meta: Flags.string({description: 'Run-sheet entry key=value (driver, track, event, outing, tyres, fuel, notes, …); repeatable.', multiple: true}),
    'session-idle': Flags.string({default: '30m', description: 'End the session after this long without frames (duration).'}),
    stdin: Flags.boolean({description: 'Read a CAN log (or slcan bytes) from standard input.', exclusive: ['device', 'can-fd', 'udp']}),
    udp: Flags.integer({description: 'Listen for JSON telemetry points on 127.0.0.1:PORT.', exclusive: ['stdin', 'device', 'can-fd'], max: 65_535, min: 0}),
    url: Flags.string({description: 'Bridge URL for --forward. Env: PITWALL_URL. Default: from <data-dir>/serve.json, else http://127.0.0.1:8765.'}),
    'probe-timeout': Flags.string({description: 'Longest wait for the adapter\'s answer to V (duration; tests on a loaded machine lengthen it).', hidden: true}),
    'watchdog-after': Flags.string({description: 'Restart a reader silent this long (duration; tests shorten it).', hidden: true}),
  }

  static override summary = 'Log CAN frames into the live DB, headless.'

  async run(): Promise<IngestResult> {
    const {flags} = await this.parse(Ingest)
    // Listen for SIGTERM/SIGINT before anything slow: a stop during start-up is a clean stop too.
    const abort = new AbortController()
    const shutdown = onShutdown(async () => abort.abort())
    try {
      return await this.ingest(flags as IngestFlags, abort.signal)
    } finally {
      shutdown.dispose()
    }
  }

  private async ingest(f: IngestFlags, signal: AbortSignal): Promise<IngestResult> {
    const inputs = [f.stdin, f.device !== undefined, f['can-fd'] !== undefined, f.udp !== undefined].filter(Boolean).length
    if (inputs === 0) {
      throw new UsageError('ingest needs an input: --stdin, --device PATH, --can-fd N or --udp PORT', {code: 'PW_NO_INPUT', suggestions: ['candump -L can0 | pitwall ingest --stdin', 'pitwall ingest --device /dev/ttyACM0']})
    }
    if (f['input-format'] === 'slcan' && !f.stdin) throw new UsageError('--input-format describes --stdin; adapters speak slcan anyway', {code: 'PW_USAGE'})
    const settings = await this.settings({car: f.car, dataDir: f['data-dir'], logLevel: f['log-level'], url: f.url})
    const runSheet = parseMeta(f.meta)
    const idleEndMs = parseDuration(f['session-idle'])
    const watchdogSilentMs = f['watchdog-after'] === undefined ? undefined : parseDuration(f['watchdog-after'])
    const probeTimeoutMs = f['probe-timeout'] === undefined ? undefined : parseDuration(f['probe-timeout'])
    const car = await openCar(settings.get('car')!, {dataDir: settings.dataDir})
    const log = createLogger({level: settings.get('logLevel') ?? 'info'}).child({module: 'ingest'})
    const bus = resolveBus(car, {...(f.bitrate === undefined ? {} : {bitrate: parseBitrate(f.bitrate)}), ...(f['listen-only'] === undefined ? {} : {listenOnly: f['listen-only']})})

    // The source is built before the store opens: a descriptor or flag we cannot use fails fast.
    const slcanInput = f.device !== undefined ? {device: f.device} : f['can-fd'] !== undefined ? {fd: f['can-fd']} : f.stdin && f['input-format'] === 'slcan' ? {stdin: process.stdin} : undefined
    const adapter: SlcanAdapterSource | undefined = slcanInput
      ? adapterSource(slcanInput, {bus, car, log: log.child({source: 'device' in slcanInput ? slcanInput.device : 'fd' in slcanInput ? `fd ${slcanInput.fd}` : 'stdin'}), ...(f.firmware ? {firmware: f.firmware} : {}), ...(watchdogSilentMs === undefined ? {} : {watchdogSilentMs}), ...(probeTimeoutMs === undefined ? {} : {probeTimeoutMs})})
      : undefined
    const udp = f.udp === undefined ? undefined : new UdpPointSource({car, port: f.udp})

    const access = {dataDir: settings.dataDir, token: settings.get('token'), url: settings.get('url')}
    const route = f.forward ? {client: await bridgeClient(access), via: 'bridge' as const} : await openLiveDbOrBridge(access)
    if (route.via === 'bridge') {
      if (udp) {
        await udp.stop()
        throw new UsageError('the live DB is held by pitwall serve, and UDP points cannot be forwarded to it', {code: 'PW_UDP_HELD', suggestions: ['let serve listen for them: pitwall serve --udp PORT']})
      }
      if (!f.forward) process.stderr.write(`the live DB is held by pitwall serve${'pid' in route ? ` (pid ${route.pid})` : ''}: forwarding frames to its bridge at ${route.client.options.url}\n`)
      // The first JSON log line also tells the Termux supervisor that its callback runs.
      log.info({input: adapter ? adapter.name : 'stdin', url: route.client.options.url}, 'forwarding to the bridge')
      return this.forward(f, route.client, adapter, signal)
    }
    const {recovery, store, unclean} = route.opened
    // A damaged live DB was moved aside and salvaged: say so first, table by table (health keeps showing it).
    if (recovery) for (const line of describeRecovery(recovery)) this.logToStderr(line)
    log.info({input: adapter ? adapter.name : udp ? udp.name : 'stdin', path: store.path}, 'live DB open')
    for (const id of unclean) this.logToStderr(`session ${id} was left live by a process that died: closed as ended (unclean)`)
    store.onEvent((event) => {
      if (event.kind === 'dropped') log.warn({frames: event.frames, reason: event.reason}, 'frames dropped')
      else if (event.kind === 'invalidated') log.error({reopened: event.reopened}, 'DuckDB invalidated the database; reopened')
      else if (event.kind === 'disk-full') log.warn({full: event.full}, event.full ? 'disk full: writing stopped' : 'disk space back: writing resumed')
      else if (event.kind === 'warning') log.warn(event.message)
    })
    const sessions = new SessionManager(store, car, {idleEndMs, runSheet, ...(f['archive-on-end'] ? {autoArchive: 'duckdb' as const} : {})})
    store.onCommitted((_stats, _key, sessionFrames) => process.stderr.write(`committed ${sessionFrames}\n`))
    try {
      let result: IngestResult
      const common = (): Common => ({sessions: sessions.ended.map((s) => s.id), ...(recovery ? {recovery} : {})})
      if (adapter) {
        const summary = await ingestSource({car, sessions, signal, source: adapter, store})
        await sessions.end(summary.stoppedBy === 'signal' ? 'shutdown' : 'sources_stopped')
        result = {...summary, ...common(), adapter: adapter.details(), input: 'adapter', store: {...store.stats, dropped: {...store.stats.dropped}}}
        // The adapter went away and its descriptor cannot be reopened: the caller (the termux-usb supervisor) needs a new one.
        if (summary.stoppedBy === 'absent') process.exitCode = ExitCode.unavailable
      } else if (udp) {
        const summary = await ingestUdp({onListening: (port) => log.info({port}, 'listening for UDP points'), sessions, signal, source: udp, store})
        await sessions.end('shutdown')
        result = {...summary, ...common(), input: 'udp', store: {...store.stats, dropped: {...store.stats.dropped}}}
      } else {
        const format = f['input-format'] === 'slcan' ? 'auto' : f['input-format']
        const summary = await ingestLog({car, input: process.stdin, inputFormat: format, sessions, signal, sourceName: 'stdin', store})
        await sessions.end(summary.stoppedBy === 'signal' ? 'shutdown' : 'sources_stopped')
        result = {...summary, ...common(), input: 'stdin', store: {...store.stats, dropped: {...store.stats.dropped}}}
      }
      if (!this.jsonEnabled()) this.logToStderr(describe(result))
      // Exit 1 when anything read could not be kept: the summary says how much and why.
      const d = result.store.dropped
      if (d.queue_full + d.disk_full + d.write_error > 0 && !process.exitCode) process.exitCode = ExitCode.findings
      for (const s of sessions.ended) {
        if (s.archive) this.logToStderr(`${s.id}: archived to ${s.archive.path} (${s.archive.frames} frames, verified)`)
        if (s.archiveError) this.logToStderr(`warning: ${s.id} was not archived and stays in the live DB: ${s.archiveError}`)
      }
      return result
    } finally {
      await adapter?.stop()
      await udp?.stop()
      await store.close()
    }
  }

  private async forward(f: IngestFlags, client: BridgeClient, adapter: SlcanAdapterSource | undefined, signal: AbortSignal): Promise<IngestResult> {
    const serveOwns = [f.meta?.length ? '--meta' : '', f['archive-on-end'] ? '--archive-on-end' : '', f['session-idle'] === '30m' ? '' : '--session-idle'].filter(Boolean)
    if (serveOwns.length > 0) process.stderr.write(`warning: ${serveOwns.join(', ')} ignored: serve keeps the session (give them to pitwall serve)\n`)
    const input = adapter ? (f.device ?? (f['can-fd'] === undefined ? 'stdin' : `fd${f['can-fd']}`)) : 'stdin'
    const forwarder = new FrameForwarder({client, onAcknowledged: (n) => process.stderr.write(`committed ${n}\n`), signal, source: forwardSourceName(`ingest:${input}`)})
    let result: IngestResult
    try {
      if (adapter) {
        const summary = await forwardSource({forwarder, signal, source: adapter})
        result = {...summary, adapter: adapter.details(), input: 'adapter', sessions: summary.forward.sessions}
        if (summary.stoppedBy === 'absent') process.exitCode = ExitCode.unavailable
      } else {
        const format = f['input-format'] === 'slcan' ? 'auto' : f['input-format']
        const summary = await forwardLog({forwarder, input: process.stdin, inputFormat: format, signal})
        result = {...summary, input: 'stdin', sessions: summary.forward.sessions}
      }
    } finally {
      await adapter?.stop()
    }
    if (!this.jsonEnabled()) this.logToStderr(describe(result))
    return result
  }
}

interface IngestFlags {
  readonly 'archive-on-end': boolean
  readonly bitrate?: string
  readonly 'can-fd'?: number
  readonly car?: string
  readonly 'data-dir'?: string
  readonly device?: string
  readonly firmware?: (typeof FIRMWARE_OPTIONS)[number]
  readonly forward: boolean
  readonly 'input-format': 'auto' | 'candump' | 'candump-screen' | 'asc' | 'slcan'
  readonly 'listen-only'?: boolean
  readonly 'log-level'?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  readonly meta?: string[]
  readonly 'session-idle': string
  readonly stdin: boolean
  readonly udp?: number
  readonly url?: string
  readonly 'watchdog-after'?: string
  readonly 'probe-timeout'?: string
}

function describe(s: IngestResult): string {
  const head = `${s.sessions.join(', ') || 'no session'}: `
  if ('forward' in s) {
    const w = s.forward
    const sent = `${w.acknowledged} stored by the bridge at ${w.url} as ${w.source} (${w.requests} requests, retried ${w.retries.busy} busy, ${w.retries.unreachable} unreachable)`
    if (s.input === 'adapter') return `${head}${s.source.framesTotal} frames read from ${s.adapter.link}, ${sent}; stopped by ${s.stoppedBy}`
    return `${head}${s.log.framesRead} frames read, ${sent}, ${s.log.badLines} bad lines; stopped by ${s.stoppedBy}`
  }
  const d = s.store.dropped
  const storeDrops = `dropped ${d.queue_full + d.disk_full + d.write_error} (queue full ${d.queue_full}, disk full ${d.disk_full}, write error ${d.write_error})`
  if (s.input === 'udp') {
    const u = s.udp
    return `${head}${u.datagrams} datagrams on ${u.listen}, ${u.points} points, ${u.samples} samples stored, ${u.malformed} malformed, ${u.implausibleTime} implausible time, ${Object.keys(u.unknownFields).length} unknown fields; ${storeDrops}; stopped by ${s.stoppedBy}`
  }
  if (s.input === 'adapter') {
    const src = s.source
    const sd = src.dropped
    const missed = Object.values(src.missedById).reduce((a, b) => a + b, 0)
    const fw = s.adapter.firmware ? ` (${s.adapter.firmware.family}, ${s.adapter.firmware.how})` : ''
    return (
      `${head}${src.framesTotal} frames read from ${s.adapter.link}${fw}, ${s.store.committedFrames} stored, ${storeDrops}; ` +
      `source dropped: adapter overflow ${sd.adapter_overflow ?? 0}, queue full ${sd.queue_full ?? 0}, bad lines ${sd.bad_line ?? 0}, implausible time ${sd.implausible_time ?? 0}; ` +
      `~${missed} missed (cycle times), ${src.reconnects} reconnect attempts, ${s.adapter.watchdogRestarts} watchdog restarts, ${s.decode.unknown} unknown id; stopped by ${s.stoppedBy}`
    )
  }
  return `${head}${s.log.framesRead} frames read, ${s.store.committedFrames} stored, ${storeDrops}, ${s.log.badLines} bad lines, ${s.decode.unknown} unknown id; stopped by ${s.stoppedBy}`
}
