import type {FastifyInstance} from 'fastify'

import type {Car} from '../car/model.js'
import type {FirmwareChoice} from '../can/slcan/index.js'
import type {Logger} from '../log.js'
import type {DriverFault} from '../sim/index.js'
import {type BusSettings, openSource, pitwallCallback, type SourceSpec} from '../source/index.js'
import {logStoreEvents} from '../live/index.js'
import {describeRecovery, describeUnclean, type LiveStore, openLiveStore} from '../store/index.js'
import type {Track} from '../track/index.js'
import {buildApp, type BridgePlugin} from './app.js'
import {Bridge} from './bridge.js'
import type {BridgeContext, CoachStatus} from './context.js'
import {removeServeInfo, writeServeInfo} from '../client/index.js'
import {isLoopbackHost} from './guards.js'
import {LoopMonitor} from './loop-monitor.js'
import {upkeep} from './upkeep.js'

/** Where serve's frames come from; any number may run side by side. */
export interface ServeSources {
  readonly simulate?: {readonly seed?: number; readonly fps?: number; readonly driverFaults?: readonly DriverFault[]}
  readonly device?: string
  readonly canFd?: number
  readonly udpPort?: number
  readonly replay?: {readonly path: string; readonly speed?: number; readonly loop?: boolean}
  /** Termux: supervise `termux-usb` for this device (`auto`: the first listed). */
  readonly usb?: {
    readonly device: string
    readonly termuxUsb?: string
    readonly bin: string
    /** Words for the callback before `--can-fd` (data dir, car, bus flags): it runs in termux-usb's environment, not ours. */
    readonly callbackArgs?: readonly string[]
  }
}

export interface ServeOptions {
  readonly car: Car
  readonly track?: Track
  readonly dataDir: string
  readonly host: string
  readonly port: number
  readonly allowRemote: boolean
  /** Undefined: auth off. */
  readonly token: string | undefined
  readonly version: string
  readonly log: Logger
  readonly sources: ServeSources
  readonly bus: BusSettings
  readonly firmware?: FirmwareChoice
  readonly runSheet?: Readonly<Record<string, string>>
  readonly idleEndMs?: number
  readonly autoArchive?: 'duckdb' | 'parquet'
  readonly rateLimitPerS?: number
  readonly realtimeIntervalMs?: number
  readonly wsMaxBufferedBytes?: number
  readonly wakeLock: boolean
  /** Extra route plugins (coach, WebSocket, metrics), with what they need from the bridge. */
  readonly plugins?: (bridge: Bridge) => {plugins: BridgePlugin[]; coachStatus?: () => CoachStatus; stop?: () => Promise<void>}
  readonly onMessage?: (line: string) => void
}

export interface RunningServe {
  readonly url: string
  readonly app: FastifyInstance
  readonly bridge: Bridge
  readonly store: LiveStore
  /** Resolves when every source has ended on its own (files, a finished replay). */
  readonly sourcesDone: Promise<void>
  /** The clean stop: stop accepting, finish requests, stop sources, flush, checkpoint, close, remove serve.json. */
  stop(reason: string): Promise<void>
}

/**
 * Starts the bridge: the live DB, the sources, the HTTP app on `host:port`, serve.json, the
 * wake-lock, and the upkeep timers (RSS line, watchdog of silent sources, daily vacuum). Anything
 * that fails on the way closes what was opened before it.
 */
export async function startServe(o: ServeOptions): Promise<RunningServe> {
  const say = o.onMessage ?? (() => undefined)
  const log = o.log
  const {recovery, store, unclean} = await openLiveStore(o.dataDir)
  const opened: Array<() => Promise<void>> = [() => store.close()]
  const undo = async (): Promise<void> => {
    for (const close of opened.reverse()) await close().catch(() => undefined)
  }
  try {
    if (recovery) for (const line of describeRecovery(recovery)) say(line)
    for (const id of unclean) say(describeUnclean(id))
    const {driver, libraryVersion, origin} = store.driver
    log.info({driver, libraryVersion, origin, path: store.path}, 'live DB open')
    logStoreEvents(store, log)
    const runSheet = {...(o.track ? {track: o.track.id} : {}), ...o.runSheet}
    const session = {runSheet, ...(o.idleEndMs === undefined ? {} : {idleEndMs: o.idleEndMs}), ...(o.autoArchive ? {autoArchive: o.autoArchive} : {})}
    const bridge = new Bridge({car: o.car, log, session, store, ...(o.track ? {track: o.track} : {})})
    const extra = o.plugins?.(bridge)
    if (extra?.stop) opened.push(extra.stop)
    const loop = new LoopMonitor()
    opened.push(async () => loop.stop())
    let port = o.port
    const ctx: BridgeContext = {
      allowRemote: o.allowRemote,
      auth: {token: o.token},
      bridge,
      dataDir: o.dataDir,
      log,
      loop,
      port: () => port,
      rateLimitPerS: o.rateLimitPerS ?? 20,
      realtimeIntervalMs: o.realtimeIntervalMs ?? 100,
      simulatorRunning: () => bridge.hasSource('simulator'),
      version: o.version,
      wsMaxBufferedBytes: o.wsMaxBufferedBytes ?? 1024 * 1024,
      ...(extra?.coachStatus ? {coachStatus: extra.coachStatus} : {}),
    }
    const app = await buildApp(ctx, extra?.plugins ?? [])
    opened.push(() => app.close())
    await app.listen({host: o.host, port: o.port})
    const address = app.server.address()
    port = typeof address === 'object' && address ? address.port : o.port
    const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`
    await writeServeInfo(o.dataDir, {pid: process.pid, url})
    opened.push(() => removeServeInfo(o.dataDir))
    if (!isLoopbackHost(o.host)) log.warn({host: o.host}, 'listening beyond loopback (--allow-remote): every request needs the token')

    const loops = startSources(o, bridge, url, log)
    const keep = upkeep({bridge, dataDir: o.dataDir, log, wakeLock: o.wakeLock})
    opened.push(() => keep.stop())
    log.info({car: o.car.id, url}, 'bridge listening')

    let stopping: Promise<void> | undefined
    return {
      app,
      bridge,
      sourcesDone: Promise.all(loops).then(() => undefined),
      stop: (reason) =>
        (stopping ??= (async () => {
          log.info({reason}, 'stopping')
          // Stop accepting first, let in-flight requests finish, then drain the live path.
          const closing = app.close()
          // Requests in flight get a moment; a client that holds its connection open does not hold up the stop.
          const force = setTimeout(() => app.server.closeAllConnections(), 3000)
          await bridge.stopSources()
          await closing
          clearTimeout(force)
          await bridge.endSession('shutdown').catch((error: unknown) => log.error({err: error}, 'ending the session failed'))
          await store.flush()
          await store.checkpoint().catch((error: unknown) => log.warn({err: error}, 'final checkpoint failed: the WAL keeps the data'))
          await undo()
        })()),
      store,
      url,
    }
  } catch (error) {
    await undo()
    throw error
  }
}

/** Opens every source first (a spec that cannot work fails before any runs), then runs them on the bridge. */
function startSources(o: ServeOptions, bridge: Bridge, url: string, log: Logger): Array<Promise<void>> {
  const s = o.sources
  const specs: SourceSpec[] = []
  if (s.simulate) {
    if (!o.track) throw new Error('the simulator needs a track')
    specs.push({kind: 'simulator', track: o.track, ...s.simulate})
  }
  if (s.device !== undefined) specs.push({kind: 'device', path: s.device})
  if (s.canFd !== undefined) specs.push({fd: s.canFd, kind: 'descriptor'})
  if (s.replay) specs.push({input: s.replay.path, kind: 'log', loop: s.replay.loop ?? false, paced: {speed: s.replay.speed ?? 1}, restampToNow: true})
  if (s.udpPort !== undefined) specs.push({kind: 'udp', port: s.udpPort})
  if (s.usb) {
    specs.push({
      callback: pitwallCallback(process.execPath, s.usb.bin, ['--url', url, ...(s.usb.callbackArgs ?? [])]),
      device: s.usb.device,
      forwarded: () => bridge.forwardedStatus(),
      kind: 'termux-usb',
      onCallbackLine: (line) => process.stderr.write(`${line}\n`),
      ...(s.usb.termuxUsb ? {termuxUsb: s.usb.termuxUsb} : {}),
    })
  }
  const opened = specs.map((spec) => openSource(spec, {bus: o.bus, car: o.car, log, ...(o.firmware ? {firmware: o.firmware} : {})}))
  const loops: Array<Promise<void>> = []
  for (const source of opened) {
    if ('frames' in source) loops.push(bridge.run(source.frames))
    else if ('points' in source) loops.push(bridge.runPoints(source.points))
    else bridge.watch(source.statusOnly)
  }
  return loops
}
