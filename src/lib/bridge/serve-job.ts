import {join} from 'node:path'

import type {FirmwareChoice} from '../can/slcan/index.js'
import {openCar} from '../car/index.js'
import {loadOrCreateToken} from '../client/index.js'
import type {LogLevel} from '../config/index.js'
import {UsageError} from '../errors.js'
import {createLogger} from '../log.js'
import {PACKAGE_ROOT} from '../paths.js'
import {parseDriverFaults} from '../sim/index.js'
import {resolveBus} from '../source/index.js'
import {lapTrack} from '../track/index.js'
import {isLoopbackHost} from './guards.js'
import {servePlugins} from './plugins.js'
import {type RunningServe, startServe} from './serve.js'

/** `pitwall serve` in the command's words: one field a flag, each value already parsed by it (undefined: not given). */
export interface ServeJobOptions {
  /** A car id, car YAML or bare .dbc. */
  readonly car: string
  /** A track id or YAML; else the simulator's default, else the run sheet's track when known. */
  readonly track?: string | undefined
  readonly dataDir: string
  readonly logLevel?: LogLevel | undefined
  /** Pretty, human-readable logs instead of JSON lines. */
  readonly prettyLogs: boolean
  readonly host: string
  readonly port: number
  readonly allowRemote: boolean
  readonly insecureNoAuth: boolean
  readonly archiveOnEnd: boolean
  readonly runSheet: Readonly<Record<string, string>>
  readonly sessionIdleMs: number
  readonly rateLimitPerS: number
  readonly realtimeIntervalMs: number
  readonly wakeLock: boolean
  readonly version: string
  readonly bitrateBps?: number | undefined
  readonly listenOnly?: boolean | undefined
  readonly firmware?: FirmwareChoice | undefined
  readonly simulate: boolean
  readonly seed?: number | undefined
  readonly fps?: number | undefined
  /** `--driver-fault` as written: parsed on the track the simulator drives. */
  readonly driverFault?: string | undefined
  readonly device?: string | undefined
  readonly canFd?: number | undefined
  readonly udpPort?: number | undefined
  readonly replay?: {readonly path: string; readonly loop: boolean; readonly speed: number} | undefined
  /** Termux: the device termux-usb hands over (or `auto`), and its executable (tests use a fake). */
  readonly usb?: string | undefined
  readonly termuxUsb?: string | undefined
  /** OpenAI-compatible base URL and model of a local model; default from PITWALL_LLM_URL, PITWALL_LLM_MODEL. */
  readonly llmUrl?: string | undefined
  readonly llmModel?: string | undefined
  /** Lines for the operator (stderr): a new token, recovery, unclean sessions. */
  readonly say: (line: string) => void
}

/**
 * Checks what can be refused before anything opens (binding beyond loopback), then opens the car,
 * the track laps are timed on, the token and the sources, and starts serve. The caller stops it.
 */
export async function openServe(o: ServeJobOptions): Promise<RunningServe> {
  if (!isLoopbackHost(o.host) && !o.allowRemote) {
    throw new UsageError(`--host ${o.host} is not loopback: the bridge would be reachable from the network`, {code: 'PW_REMOTE_BIND', suggestions: ['keep the default 127.0.0.1', 'or add --allow-remote (auth stays on; clients need the token)']})
  }
  if (o.allowRemote && o.insecureNoAuth) throw new UsageError('--allow-remote needs auth: it cannot go with --insecure-no-auth', {code: 'PW_REMOTE_BIND'})
  const log = createLogger({level: o.logLevel ?? 'info', pretty: o.prettyLogs})
  const car = await openCar(o.car, {dataDir: o.dataDir})
  const track = (await lapTrack(o.track, {dataDir: o.dataDir, runSheet: o.runSheet, simulate: o.simulate}))?.track
  const token = o.insecureNoAuth ? undefined : await loadOrCreateToken(o.dataDir)
  if (token?.origin === 'generated') o.say(`made a new API token in ${token.path} (mode 0600): give it to the app once`)
  if (!token) log.warn('auth is off (--insecure-no-auth): any app on this device can read and write the bridge')
  const llmUrl = o.llmUrl ?? process.env['PITWALL_LLM_URL']
  const llmModel = o.llmModel ?? process.env['PITWALL_LLM_MODEL']
  // --driver-fault goes with --simulate, which always has a track.
  const driverFaults = o.driverFault === undefined || !track ? undefined : parseDriverFaults(o.driverFault, track)
  const bus = {...(o.bitrateBps === undefined ? {} : {bitrate: o.bitrateBps}), ...(o.listenOnly === undefined ? {} : {listenOnly: o.listenOnly})}
  return startServe({
    allowRemote: o.allowRemote,
    bus: resolveBus(car, bus),
    car,
    dataDir: o.dataDir,
    host: o.host,
    idleEndMs: o.sessionIdleMs,
    log,
    onMessage: o.say,
    plugins: (bridge) => servePlugins(bridge, {log, ...(llmUrl ? {llmUrl} : {}), ...(llmModel ? {llmModel} : {})}),
    port: o.port,
    rateLimitPerS: o.rateLimitPerS,
    realtimeIntervalMs: o.realtimeIntervalMs,
    runSheet: o.runSheet,
    sources: {
      ...(o.simulate ? {simulate: {...(o.seed === undefined ? {} : {seed: o.seed}), ...(o.fps === undefined ? {} : {fps: o.fps}), ...(driverFaults ? {driverFaults} : {})}} : {}),
      ...(o.device === undefined ? {} : {device: o.device}),
      ...(o.canFd === undefined ? {} : {canFd: o.canFd}),
      ...(o.udpPort === undefined ? {} : {udpPort: o.udpPort}),
      ...(o.replay ? {replay: o.replay} : {}),
      ...(o.usb === undefined ? {} : {usb: {bin: join(PACKAGE_ROOT, 'bin', 'run.js'), callbackArgs: callbackArgs(o, car.file), device: o.usb, ...(o.termuxUsb ? {termuxUsb: o.termuxUsb} : {})}}),
    },
    token: token?.token,
    version: o.version,
    wakeLock: o.wakeLock,
    ...(o.firmware ? {firmware: o.firmware} : {}),
    ...(o.archiveOnEnd ? {autoArchive: 'duckdb' as const} : {}),
    ...(track ? {track} : {}),
  })
}

/** What the termux-usb callback must be told: it starts in termux-usb's environment, without our flags. */
function callbackArgs(o: ServeJobOptions, carFile: string): string[] {
  return [
    '--data-dir',
    o.dataDir,
    '--car',
    carFile,
    ...(o.bitrateBps === undefined ? [] : ['--bitrate', String(o.bitrateBps)]),
    ...(o.firmware === undefined ? [] : ['--firmware', o.firmware]),
    ...(o.listenOnly === undefined ? [] : [o.listenOnly ? '--listen-only' : '--no-listen-only']),
  ]
}
