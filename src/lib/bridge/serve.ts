import type {FastifyInstance} from 'fastify'

import type {Car} from '../car/model.js'
import type {Logger} from '../log.js'
import {adapterSource, type BusSettings} from '../ingest/index.js'
import {LogReplaySource} from '../replay/index.js'
import {createSimulatorSource, type DriverFault} from '../sim/index.js'
import {pitwallCallback, TermuxUsbSupervisor, UdpPointSource} from '../source/index.js'
import {describeRecovery, type LiveStore, openLiveStore, SessionManager} from '../store/index.js'
import type {Track} from '../track/index.js'
import {buildApp, type BridgePlugin} from './app.js'
import {Bridge} from './bridge.js'
import type {BridgeContext, CoachStatus} from './context.js'
import {removeServeInfo, writeServeInfo} from './discovery.js'
import {isLoopbackHost} from './guards.js'
import {LoopMonitor} from './loop-monitor.js'
import {upkeep} from './upkeep.js'
import {pointsSource} from './points-source.js'

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
  readonly firmware?: 'auto' | 'canable-stock' | 'lawicel' | 'canable-2.5'
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
    for (const id of unclean) say(`session ${id} was left live by a process that died: closed as ended (unclean)`)
    store.onEvent((event) => {
      if (event.kind === 'dropped') log.warn({frames: event.frames, reason: event.reason}, 'frames dropped')
      else if (event.kind === 'invalidated') log.error({reopened: event.reopened}, 'DuckDB invalidated the database; reopened')
      else if (event.kind === 'disk-full') log.warn({full: event.full}, event.full ? 'disk full: writing stopped' : 'disk space back: writing resumed')
      else if (event.kind === 'warning') log.warn(event.message)
    })
    const runSheet = {...(o.track ? {track: o.track.id} : {}), ...o.runSheet}
    const sessions = new SessionManager(store, o.car, {runSheet, ...(o.idleEndMs === undefined ? {} : {idleEndMs: o.idleEndMs}), ...(o.autoArchive ? {autoArchive: o.autoArchive} : {})})
    const bridge = new Bridge({car: o.car, log, sessions, store, ...(o.track ? {track: o.track} : {})})
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

function startSources(o: ServeOptions, bridge: Bridge, url: string, log: Logger): Array<Promise<void>> {
  const s = o.sources
  const loops: Array<Promise<void>> = []
  if (s.simulate) {
    if (!o.track) throw new Error('the simulator needs a track')
    const {driverFaults, fps, seed} = s.simulate
    loops.push(bridge.run(createSimulatorSource(o.car, o.track, {...(seed === undefined ? {} : {seed}), ...(fps === undefined ? {} : {fps}), ...(driverFaults ? {driverFaults} : {})})))
  }
  const adapterOptions = {bus: o.bus, car: o.car, ...(o.firmware ? {firmware: o.firmware} : {})}
  if (s.device !== undefined) loops.push(bridge.run(adapterSource({device: s.device}, {...adapterOptions, log: log.child({source: s.device})})))
  if (s.canFd !== undefined) loops.push(bridge.run(adapterSource({fd: s.canFd}, {...adapterOptions, log: log.child({source: `fd ${s.canFd}`})})))
  if (s.replay) loops.push(bridge.run(new LogReplaySource(s.replay.path, {...(s.replay.speed === undefined ? {} : {speed: s.replay.speed}), loop: s.replay.loop ?? false})))
  if (s.udpPort !== undefined) loops.push(bridge.runPoints(pointsSource(new UdpPointSource({car: o.car, port: s.udpPort}))))
  if (s.usb) {
    const supervisor = new TermuxUsbSupervisor({
      callback: pitwallCallback(process.execPath, s.usb.bin, ['--url', url, ...(s.usb.callbackArgs ?? [])]),
      ...(s.usb.device === 'auto' ? {} : {device: s.usb.device}),
      ...(s.usb.termuxUsb ? {termuxUsb: s.usb.termuxUsb} : {}),
      log: log.child({source: 'termux-usb'}),
      onCallbackLine: (line) => process.stderr.write(`${line}\n`),
    })
    supervisor.start()
    bridge.watch({
      kind: 'termux-usb',
      name: s.usb.device,
      status: () => {
        const st = supervisor.status()
        const fwd = bridge.forwardedStatus()
        return {...fwd, hints: [...st.hints], kind: 'termux-usb', name: st.device ?? s.usb!.device, state: st.state, reconnects: Math.max(0, st.runs - 1)}
      },
      stop: () => supervisor.stop(),
    })
  }
  return loops
}
