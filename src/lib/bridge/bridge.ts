import type {Car} from '../car/model.js'
import {FrameBatch} from '../can/frame.js'
import {CarDecoder, decodeToSamples, SampleBatch} from '../decode/index.js'
import type {Logger} from '../log.js'
import {type CanSource, FpsMeter, HostClock, PointDecoder, type SourceStatus} from '../source/index.js'
import type {LiveStore, SessionManager} from '../store/index.js'
import {type Lap, LapTracker, type Track} from '../track/index.js'
import {CanIdTable} from './can-ids.js'
import {LiveView} from './live-view.js'
import type {PointsSource} from './points-source.js'
import {RowCounter} from './row-counter.js'

export interface BridgeOptions {
  readonly car: Car
  readonly store: LiveStore
  readonly sessions: SessionManager
  readonly log: Logger
  /** The track laps are timed on (the simulator's, `--track`, or the run sheet's); none: no laps. */
  readonly track?: Track
  /** Samples each channel's ring keeps in memory (default 8192: over 80 s at 100 Hz). */
  readonly ringSize?: number
}

/** What observers of the live path get for every decoded batch, before the store takes it. */
export type SamplesListener = (samples: SampleBatch, frames: FrameBatch) => void

/** Sources that report state without yielding frames here (the Termux supervisor: its frames come through the frame route). */
export interface StatusOnlySource {
  readonly kind: string
  readonly name: string
  status(): SourceStatus
  stop(): Promise<void>
}

const MAX_FORWARDED_SOURCES = 32

/**
 * The bridge's live path, shared by every source of a `serve` run: decode each batch once, show
 * it to the live view, the per-id table, the lap tracker and any listener (WebSocket, coach), then
 * hand it to the store's writer. The store transfers the buffers, so everything that reads them
 * runs first. HTTP routes read this object; they never touch a source.
 */
export class Bridge {
  readonly live: LiveView
  readonly canIds: CanIdTable
  readonly rows = new RowCounter()
  readonly startedMs = Date.now()
  private readonly running = new Map<string, {source: CanSource | StatusOnlySource; done?: Promise<void>}>()
  private readonly decoders = new Map<string, CarDecoder>()
  private readonly listeners: SamplesListener[] = []
  private readonly sessionEndListeners: Array<() => void> = []
  private readonly tracker: LapTracker | undefined
  private readonly points: PointDecoder
  private readonly pendingLaps = new Set<Promise<void>>()
  /** Senders on the frame route, by name: they have no status of their own here. */
  private readonly forwarded = new Map<string, {meter: FpsMeter; total: number; lastMs: number}>()
  private sessionId: string | undefined
  /** When the live session got its first frames (wall clock). */
  sessionStartedMs: number | undefined

  constructor(readonly options: BridgeOptions) {
    this.live = new LiveView(options.car.channels, options.ringSize)
    this.canIds = new CanIdTable(options.car)
    this.points = new PointDecoder(options.car, new HostClock())
    if (options.track) {
      this.tracker = new LapTracker(options.track, options.car.channels)
      this.tracker.detector.onEvent((event) => {
        if (event.kind === 'lap') this.recordLap(event.lap)
      })
    }
    options.store.onCommitted((stats) => this.rows.commit(stats.committedFrames, stats.committedSamples))
  }

  get car(): Car {
    return this.options.car
  }

  get store(): LiveStore {
    return this.options.store
  }

  get sessions(): SessionManager {
    return this.options.sessions
  }

  get track(): Track | undefined {
    return this.options.track
  }

  onSamples(listener: SamplesListener): void {
    this.listeners.push(listener)
  }

  /** Called after the live session ended (the next frames open a new one). */
  onSessionEnd(listener: () => void): void {
    this.sessionEndListeners.push(listener)
  }

  /** Runs a frame source until it ends or is stopped; a reconnect gets a fresh decoder. */
  run(source: CanSource & {onReconnect?(listener: () => void): void}): Promise<void> {
    const key = `${source.kind}:${source.name}`
    source.onReconnect?.(() => this.decoders.delete(key))
    const done = (async () => {
      for await (const batch of source.batches()) await this.accept(source.kind, source.name, batch)
    })().catch((error: unknown) => this.options.log.error({err: error, source: key}, 'source failed'))
    this.running.set(key, {done, source})
    return done
  }

  /** Runs a source of samples (UDP points) until it ends or is stopped. */
  runPoints(source: PointsSource): Promise<void> {
    const key = `${source.kind}:${source.name}`
    const done = (async () => {
      for await (const samples of source.batches()) {
        const frames = new FrameBatch(0)
        this.observe(samples, frames)
        await this.options.sessions.append(source.kind, source.name, frames, samples)
        this.noteSession()
      }
    })().catch((error: unknown) => this.options.log.error({err: error, source: key}, 'source failed'))
    this.running.set(key, {done, source})
    return done
  }

  /** Lists a source whose frames arrive elsewhere (the supervisor's callback forwards them). */
  watch(source: StatusOnlySource): void {
    this.running.set(`${source.kind}:${source.name}`, {source})
  }

  /** Decodes and stores one batch from `kind:name` (a source, or the frame route). False when the store dropped it. */
  async accept(kind: string, name: string, batch: FrameBatch): Promise<boolean> {
    if (batch.length === 0) return true
    const samples = decodeToSamples(this.decoder(`${kind}:${name}`), batch)
    if (kind === 'forward') this.countForwarded(name, batch.length)
    this.observe(samples, batch)
    const kept = await this.options.sessions.append(kind, name, batch, samples)
    this.noteSession()
    return kept
  }

  /** The frame route's senders taken together, as one source status (the Termux supervisor reports it as its own). */
  forwardedStatus(): Pick<SourceStatus, 'dropped' | 'fps' | 'framesTotal' | 'lastFrameAgeS' | 'missedById'> {
    let fps = 0
    let total = 0
    let lastMs = Number.NaN
    for (const f of this.forwarded.values()) {
      fps += f.meter.rate()
      total += f.total
      if (!(f.lastMs <= lastMs)) lastMs = f.lastMs
    }
    return {dropped: {}, fps, framesTotal: total, lastFrameAgeS: Number.isNaN(lastMs) ? null : (performance.now() - lastMs) / 1000, missedById: {}}
  }

  /** Seed 001 telemetry points (POST /api/ingest): samples of the car's channels, no frames. */
  async acceptPoints(body: unknown, kind = 'bridge', name = 'api/ingest'): Promise<{points: number; samples: number; malformed: boolean}> {
    const before = this.points.stats.points
    const samples = new SampleBatch(64)
    const ok = this.points.decode(Buffer.from(JSON.stringify(body)), samples)
    if (!ok) return {malformed: true, points: 0, samples: 0}
    const frames = new FrameBatch(0)
    this.observe(samples, frames)
    const n = samples.length
    await this.options.sessions.append(kind, name, frames, samples)
    this.noteSession()
    return {malformed: false, points: this.points.stats.points - before, samples: n}
  }

  get pointStats(): PointDecoder['stats'] {
    return this.points.stats
  }

  sourceStatuses(): SourceStatus[] {
    const out = [...this.running.values()].map((r) => r.source.status())
    // Under the Termux supervisor the forwarded frames are its adapter's: it reports them.
    if (![...this.running.values()].some((r) => r.source.kind === 'termux-usb')) {
      for (const [name, f] of this.forwarded) {
        const age = (performance.now() - f.lastMs) / 1000
        out.push({dropped: {}, fps: f.meter.rate(), framesTotal: f.total, hints: [], kind: 'forward', lastFrameAgeS: age, missedById: {}, name, reconnects: 0, state: age < 10 ? 'connected' : 'absent'})
      }
    }
    return out
  }

  hasSource(kind: string): boolean {
    return [...this.running.values()].some((r) => r.source.kind === kind && r.source.status().state !== 'stopped')
  }

  /** Ends the live session (on request or at shutdown); the live view starts over with the next. */
  async endSession(reason: string): Promise<void> {
    const finished = this.tracker?.finish()
    if (finished) this.recordLap(finished)
    await Promise.all(this.pendingLaps)
    await this.options.sessions.end(reason)
    this.sessionId = undefined
    this.sessionStartedMs = undefined
    this.live.reset()
    this.canIds.reset()
    for (const listener of this.sessionEndListeners) listener()
  }

  /** Stops every source and waits for their loops to hand over what they read. */
  async stopSources(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.source.stop()))
    await Promise.all([...this.running.values()].map((r) => r.done))
  }

  private countForwarded(name: string, frames: number): void {
    let f = this.forwarded.get(name)
    if (!f) {
      if (this.forwarded.size >= MAX_FORWARDED_SOURCES) this.forwarded.delete(this.forwarded.keys().next().value!)
      f = {lastMs: 0, meter: new FpsMeter(), total: 0}
      this.forwarded.set(name, f)
    }
    f.meter.add(frames)
    f.total += frames
    f.lastMs = performance.now()
  }

  private noteSession(): void {
    const id = this.options.sessions.session?.id
    if (id !== this.sessionId) {
      // The session manager ended the previous one by itself (idle): observers start over too.
      if (this.sessionId !== undefined && id !== undefined) for (const listener of this.sessionEndListeners) listener()
      this.sessionId = id
      this.sessionStartedMs = id === undefined ? undefined : Date.now()
    }
  }

  private observe(samples: SampleBatch, frames: FrameBatch): void {
    this.live.push(samples)
    this.canIds.push(frames)
    this.tracker?.feedSamples(samples)
    for (const listener of this.listeners) listener(samples, frames)
  }

  private decoder(key: string): CarDecoder {
    let decoder = this.decoders.get(key)
    if (!decoder) {
      // Forwarding clients come and go; the table of their decoders stays bounded.
      if (this.decoders.size >= MAX_FORWARDED_SOURCES) this.decoders.delete(this.decoders.keys().next().value!)
      decoder = new CarDecoder(this.options.car)
      this.decoders.set(key, decoder)
    }
    return decoder
  }

  private recordLap(lap: Lap): void {
    const session = this.options.sessions.session
    if (!session) return
    const pending = this.options.store.recordLap(session.key, lap).catch((error: unknown) => this.options.log.warn({err: error, lap: lap.lap}, 'lap not stored'))
    this.pendingLaps.add(pending)
    void pending.finally(() => this.pendingLaps.delete(pending))
  }
}
