import type {Car} from '../car/index.js'
import {type BridgeAccess, type BridgeClient, bridgeAnswers, bridgeClient, FrameForwarder, forwardSourceName, openLiveDbOrBridge} from '../client/index.js'
import {UnavailableError, UsageError} from '../errors.js'
import type {Logger} from '../log.js'
import {describeRecovery, describeUnclean, type SessionManagerOptions} from '../store/index.js'
import type {Track} from '../track/index.js'
import type {FrameSink} from './frame-sink.js'
import {ForwardingSink} from './forwarding-sink.js'
import type {SourceKey} from './live-path.js'
import {LocalSink} from './local-sink.js'
import {logStoreEvents} from './store-events.js'

export interface FrameSinkOptions {
  readonly dataDir: string
  readonly car: Car
  /** How the frames are stored locally (kind and name in the session's sources). */
  readonly source: SourceKey
  /** The sender's name at a bridge (X-Pitwall-Source); made safe for the route. */
  readonly forwardAs: string
  /**
   * `auto`: the project's rule (a running serve holds the live DB → its bridge; else the live DB
   * here). `bridge`: a running serve's bridge, or fail (`--forward`, `--to bridge`).
   */
  readonly to: 'auto' | 'bridge'
  /** `--url`, token: where the bridge is (default serve.json, the token file). */
  readonly access: Omit<BridgeAccess, 'dataDir'>
  /** Laps are timed on it locally. With `trackGiven`, a bridge timing laps on another track is refused. */
  readonly track?: Track
  /** The track was named by the operator (`--track`), not defaulted. */
  readonly trackGiven?: boolean
  /** Run sheet, idle end, archive on end: local only (serve keeps its own session). */
  readonly session?: Omit<SessionManagerOptions, 'beforeEnd'>
  /** Telemetry points rather than frames: a bridge cannot take them. */
  readonly samples?: boolean
  readonly log: Logger
  readonly signal?: AbortSignal
  /** Lines for the operator's stderr (a salvaged DB, sessions closed unclean, "forwarding to …"). */
  readonly onMessage?: (line: string) => void
  /** What the operator is told when `auto` finds serve holding the DB (default: "forwarding frames"). */
  readonly heldVerb?: string
  /**
   * `bridge`: check at once that the bridge answers, and fail naming this flag (`--to bridge`).
   * Without it a forwarder waits out a bridge that is starting (it retries for 30 s).
   */
  readonly probeAs?: string
}

/**
 * Chooses where one source's frames go, once: a running serve holds the live DB → a forwarding
 * sink to its bridge; else this process opens the live DB (a lock held by anything else stays the
 * exit-69 error that names it) and writes through the live path.
 */
export async function openFrameSink(o: FrameSinkOptions): Promise<FrameSink> {
  const say = o.onMessage ?? (() => undefined)
  const access: BridgeAccess = {dataDir: o.dataDir, ...o.access}
  const route = o.to === 'bridge' ? {client: await bridgeClient(access), via: 'bridge' as const} : await openLiveDbOrBridge(access)
  if (route.via === 'bridge') {
    if (o.samples) {
      throw new UsageError('the live DB is held by pitwall serve, and UDP points cannot be forwarded to it', {code: 'PW_UDP_HELD', suggestions: ['let serve listen for them: pitwall serve --udp PORT']})
    }
    await checkBridge(route.client, o)
    if (o.to === 'auto') say(`the live DB is held by pitwall serve${'pid' in route ? ` (pid ${route.pid})` : ''}: ${o.heldVerb ?? 'forwarding frames'} to its bridge at ${route.client.options.url}`)
    // The first JSON log line also tells the Termux supervisor that its callback runs.
    o.log.info({source: o.forwardAs, url: route.client.options.url}, 'forwarding to the bridge')
    return new ForwardingSink(new FrameForwarder({client: route.client, source: forwardSourceName(o.forwardAs), ...(o.signal ? {signal: o.signal} : {})}))
  }
  const opened = route.opened
  // A damaged live DB was moved aside and salvaged: say so first, table by table (health keeps showing it).
  if (opened.recovery) for (const line of describeRecovery(opened.recovery)) say(line)
  for (const id of opened.unclean) say(describeUnclean(id))
  const {driver, libraryVersion, origin} = opened.store.driver
  o.log.info({driver, libraryVersion, origin, path: opened.store.path, source: o.source.name}, 'live DB open')
  logStoreEvents(opened.store, o.log)
  const runSheet = {...(o.track ? {track: o.track.id} : {}), ...o.session?.runSheet}
  return new LocalSink(opened, o.source, {car: o.car, log: o.log, session: {...o.session, runSheet}, ...(o.track ? {track: o.track} : {})})
}

/** The bridge answers, and times laps on the track the operator named (when one was named). */
async function checkBridge(client: BridgeClient, o: FrameSinkOptions): Promise<void> {
  if (o.to === 'bridge' && o.probeAs !== undefined && !(await bridgeAnswers(client))) {
    throw new UnavailableError(`${o.probeAs}: nothing answers at ${client.options.url}`, {
      code: 'PW_BRIDGE_UNREACHABLE',
      suggestions: ['start it: pitwall serve', `or name it: ${o.probeAs}:http://127.0.0.1:8765`, '--to db stores into the live DB directly while no serve runs'],
    })
  }
  if (!o.trackGiven || !o.track) return
  const health = await client.get<{track?: string | null}>('/health')
  const theirs = health?.track ?? null
  if (theirs === o.track.id) return
  throw new UsageError(`--track ${o.track.id}: the running serve ${theirs === null ? 'times no laps (it has no track)' : `times laps on ${theirs}`}, and forwarded frames are timed by serve`, {
    code: 'PW_TRACK_MISMATCH',
    suggestions: [theirs === null ? 'drop --track' : `drop --track (serve's ${theirs} applies)`, `or restart serve with --track ${o.track.id}`],
  })
}
