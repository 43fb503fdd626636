/**
 * `pitwall ingest` as one library call: the source from its spec (source registry), the sink chosen
 * once (a running serve holds the live DB → its bridge; else the live DB here, through the live
 * path), one pump between them, and a summary. The command only declares flags and renders.
 */
import {onAbort} from '../abort.js'
import type {Car} from '../car/index.js'
import type {LogFormat, LogReadStats} from '../can/log/index.js'
import type {FirmwareChoice} from '../can/slcan/index.js'
import type {BridgeAccess, ForwardStats} from '../client/index.js'
import type {DecodeStats} from '../decode/index.js'
import {ExitCode, UsageError} from '../errors.js'
import {type EndedSession, type FrameSink, openFrameSink, pump, type SinkResult, type StoppedBy} from '../live/index.js'
import type {Logger} from '../log.js'
import {type BusSettings, type LogSource, openSource, type SlcanAdapterSource, type SlcanSourceDetails, type SourceStatus, type UdpPointSource, type UdpPointStats} from '../source/index.js'
import type {LiveStoreStats, RecoveryReport} from '../store/index.js'
import type {Track} from '../track/index.js'

/** What ingest reads: exactly one input. */
export type IngestInput =
  | {readonly kind: 'stdin'; readonly stream: NodeJS.ReadableStream; readonly format: LogFormat | 'auto'}
  | {readonly kind: 'slcan-stdin'; readonly stream: NodeJS.ReadableStream}
  | {readonly kind: 'device'; readonly path: string}
  | {readonly kind: 'descriptor'; readonly fd: number}
  | {readonly kind: 'udp'; readonly port: number}

export interface IngestOptions {
  readonly input: IngestInput
  readonly car: Car
  readonly dataDir: string
  /** `--forward`: a running serve's bridge, or fail; otherwise the usual rule. */
  readonly forward: boolean
  readonly access: Omit<BridgeAccess, 'dataDir'>
  /** Laps are timed on it (locally); `trackGiven`: named by `--track`, so a serve on another track is refused. */
  readonly track?: Track
  readonly trackGiven?: boolean
  readonly runSheet?: Readonly<Record<string, string>>
  readonly idleEndMs?: number
  readonly archiveOnEnd?: boolean
  readonly bus: BusSettings
  readonly firmware?: FirmwareChoice
  readonly watchdogSilentMs?: number
  readonly probeTimeoutMs?: number
  readonly log: Logger
  readonly signal: AbortSignal
  /** Lines for stderr: salvage, unclean sessions, "forwarding to …", "committed N". */
  readonly say: (line: string) => void
}

interface Common {
  readonly sessions: readonly string[]
  readonly stoppedBy: StoppedBy
  /** The track laps were timed on (local), or null. */
  readonly track: string | null
}
interface Local {
  readonly store: LiveStoreStats
  readonly decode: DecodeStats
  /** Laps stored in this run's sessions. */
  readonly laps: number
  /** The sessions ended, with their archives when archived on end. */
  readonly ended: readonly EndedSession[]
  readonly recovery?: RecoveryReport
}
interface Forwarded {
  /** Frames acknowledged by the bridge, requests, retries: in place of `store`. */
  readonly forward: ForwardStats
}
type Where = Local | Forwarded
export type IngestResult = Common &
  Where &
  (
    | {readonly input: 'stdin'; readonly log: LogReadStats; readonly inputFormat?: LogFormat}
    | {readonly input: 'adapter'; readonly source: SourceStatus; readonly adapter: SlcanSourceDetails}
    | {readonly input: 'udp'; readonly udp: UdpPointStats & {readonly listen: string}}
  )

/** The one input of ingest's flags (oclif already refused two at once). @throws UsageError without one */
export function chooseInput(f: {readonly stdin: boolean; readonly device?: string | undefined; readonly 'can-fd'?: number | undefined; readonly udp?: number | undefined; readonly 'input-format': LogFormat | 'auto' | 'slcan'; readonly stream: NodeJS.ReadableStream}): IngestInput {
  const format = f['input-format']
  if (format === 'slcan' && !f.stdin) throw new UsageError('--input-format describes --stdin; adapters speak slcan anyway', {code: 'PW_USAGE'})
  if (f.device !== undefined) return {kind: 'device', path: f.device}
  if (f['can-fd'] !== undefined) return {fd: f['can-fd'], kind: 'descriptor'}
  if (f.udp !== undefined) return {kind: 'udp', port: f.udp}
  if (f.stdin) return format === 'slcan' ? {kind: 'slcan-stdin', stream: f.stream} : {format, kind: 'stdin', stream: f.stream}
  throw new UsageError('ingest needs an input: --stdin, --device PATH, --can-fd N or --udp PORT', {code: 'PW_NO_INPUT', suggestions: ['candump -L can0 | pitwall ingest --stdin', 'pitwall ingest --device /dev/ttyACM0']})
}

/** Reads the input into the live DB or a running serve's bridge until it ends or `signal` aborts. */
export async function runIngest(o: IngestOptions): Promise<IngestResult> {
  // The source is built before the sink opens: a descriptor or flag we cannot use fails fast.
  const opened = openInput(o)
  const input = o.input
  const forwardAs = `ingest:${input.kind === 'device' ? input.path : input.kind === 'descriptor' ? `fd${input.fd}` : input.kind === 'udp' ? `udp${input.port}` : 'stdin'}`
  const source = 'frames' in opened ? opened.frames : opened.points
  let sink: FrameSink
  try {
    sink = await openFrameSink({
      access: o.access,
      car: o.car,
      dataDir: o.dataDir,
      forwardAs,
      log: o.log,
      onMessage: o.say,
      samples: 'points' in opened,
      session: {...(o.idleEndMs === undefined ? {} : {idleEndMs: o.idleEndMs}), ...(o.runSheet ? {runSheet: o.runSheet} : {}), ...(o.archiveOnEnd ? {autoArchive: 'duckdb' as const} : {})},
      signal: o.signal,
      source: {kind: source.kind, name: source.name},
      to: o.forward ? 'bridge' : 'auto',
      ...(o.track ? {track: o.track} : {}),
      ...(o.trackGiven ? {trackGiven: true} : {}),
    })
  } catch (error) {
    await source.stop()
    throw error
  }
  if (sink.via === 'bridge') warnServeOwns(o)
  sink.onCommitted((frames) => o.say(`committed ${frames}`))
  sink.onLap((lap) => o.log.info({lap: lap.lap, lapTimeMs: lap.lapTimeMs, valid: lap.valid}, 'lap stored'))
  let stoppedBy: StoppedBy
  let result: SinkResult
  try {
    stoppedBy = 'frames' in opened ? await pump(opened.frames, sink, o.signal) : await pumpPoints(opened.points, sink, o)
  } finally {
    await source.stop()
    // The session ends however the loop ended: what was read is stored (or acknowledged) first.
    result = await sink.close(o.signal.aborted ? 'shutdown' : 'sources_stopped')
  }
  const format = 'frames' in opened && !('details' in opened.frames) ? await opened.frames.format.catch(() => undefined) : undefined
  return summarize(opened, o, stoppedBy, result, format)
}

/** The exit code a finished ingest means (docs/conventions.md): 69 adapter gone for good, 1 frames not kept. */
export function ingestExitCode(r: IngestResult): number {
  if (r.stoppedBy === 'absent') return ExitCode.unavailable
  if ('store' in r) {
    const d = r.store.dropped
    if (d.queue_full + d.disk_full + d.write_error > 0) return ExitCode.findings
  }
  return 0
}

type OpenedInput = {readonly frames: LogSource | SlcanAdapterSource} | {readonly points: UdpPointSource}

function openInput(o: IngestOptions): OpenedInput {
  const ctx = {
    bus: o.bus,
    car: o.car,
    log: o.log,
    ...(o.firmware ? {firmware: o.firmware} : {}),
    ...(o.watchdogSilentMs === undefined ? {} : {watchdogSilentMs: o.watchdogSilentMs}),
    ...(o.probeTimeoutMs === undefined ? {} : {probeTimeoutMs: o.probeTimeoutMs}),
  }
  const i = o.input
  switch (i.kind) {
    case 'stdin':
      return openSource({format: i.format, input: i.stream, kind: 'log', name: 'stdin', sourceKind: 'stdin'}, ctx)
    case 'slcan-stdin':
      return openSource({kind: 'slcan-stream', name: 'stdin', stream: i.stream}, ctx)
    case 'device':
      return openSource({kind: 'device', path: i.path}, ctx)
    case 'descriptor':
      return openSource({fd: i.fd, kind: 'descriptor'}, ctx)
    case 'udp':
      return openSource({kind: 'udp', port: i.port}, ctx)
  }
}

/** UDP has no end of input: points are stored until the signal stops the listener. */
async function pumpPoints(source: UdpPointSource, sink: FrameSink, o: IngestOptions): Promise<StoppedBy> {
  o.log.info({port: await source.listen()}, 'listening for UDP points')
  const wiring = onAbort(o.signal, () => void source.stop())
  try {
    for await (const samples of source.batches()) await sink.writeSamples(samples)
  } finally {
    wiring.dispose()
  }
  return 'signal'
}

/** Run-sheet and session flags are serve's when it holds the session. */
function warnServeOwns(o: IngestOptions): void {
  const ignored = [Object.keys(o.runSheet ?? {}).length > 0 ? '--meta' : '', o.archiveOnEnd ? '--archive-on-end' : '', o.idleEndMs === undefined ? '' : '--session-idle'].filter(Boolean)
  if (ignored.length > 0) o.say(`warning: ${ignored.join(', ')} ignored: serve keeps the session (give them to pitwall serve)`)
}

function summarize(opened: OpenedInput, o: IngestOptions, stoppedBy: StoppedBy, r: SinkResult, format: LogFormat | undefined): IngestResult {
  const where: Where & {sessions: readonly string[]} =
    r.via === 'bridge'
      ? {forward: r.forward, sessions: r.sessions}
      : {decode: r.decode, ended: r.sessions, laps: r.laps, sessions: r.sessions.map((s) => s.id), store: r.store, ...(r.recovery ? {recovery: r.recovery} : {})}
  const common = {...where, stoppedBy, track: r.via === 'local' ? (o.track?.id ?? null) : null}
  if ('points' in opened) {
    const stats = opened.points.decoder.stats
    return {...common, input: 'udp', udp: {...stats, listen: opened.points.name, unknownFields: {...stats.unknownFields}}}
  }
  const source = opened.frames
  if ('details' in source) return {...common, adapter: source.details(), input: 'adapter', source: source.status()}
  return {...common, input: 'stdin', log: {...source.stats}, ...(format ? {inputFormat: format} : {})}
}
