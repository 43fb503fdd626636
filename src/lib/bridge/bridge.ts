import type {Car} from '../car/index.js'
import type {FrameBatch} from '../can/index.js'
import {SampleBatch} from '../decode/index.js'
import {type CanIdTable, LivePath, type LiveView, pump, type RowCounter, type SamplesListener, type SourceKey} from '../live/index.js'
import type {Logger} from '../log.js'
import {type CanSource, HostClock, PointDecoder, type PointsSource, SourceCounters, type SourceStatus, type StatusOnlySource} from '../source/index.js'
import type {LiveStore, SessionManager, SessionManagerOptions} from '../store/index.js'
import type {Track} from '../track/index.js'

export interface BridgeOptions {
  readonly car: Car
  readonly store: LiveStore
  readonly log: Logger
  /** The track laps are timed on (the simulator's, `--track`, or the run sheet's); none: no laps. */
  readonly track?: Track
  /** The live session's run sheet, idle end and archive on end. */
  readonly session?: Omit<SessionManagerOptions, 'beforeEnd'>
  /** Samples each channel's ring keeps in memory (default 8192: over 80 s at 100 Hz). */
  readonly ringSize?: number
}

export type {SamplesListener} from '../live/index.js'

/** Senders on the frame route kept apart in the status (they come and go). */
const MAX_FORWARDED_SOURCES = 32

/**
 * What `serve` runs its sources and routes against: the one live path (with the live view and
 * the per-id table the routes read), the sources it runs, and the senders on the frame route.
 * HTTP routes read this object; they never touch a source.
 */
export class Bridge {
  readonly path: LivePath
  readonly startedMs = Date.now()
  private readonly running = new Map<string, {source: CanSource | PointsSource | StatusOnlySource; done?: Promise<void>}>()
  private readonly points: PointDecoder
  /** Senders on the frame route, by name: they have no status of their own here. */
  private readonly forwarded = new Map<string, SourceCounters>()

  constructor(readonly options: BridgeOptions) {
    this.path = new LivePath({
      car: options.car,
      log: options.log,
      store: options.store,
      view: {...(options.ringSize === undefined ? {} : {ringSize: options.ringSize})},
      ...(options.session ? {session: options.session} : {}),
      ...(options.track ? {track: options.track} : {}),
    })
    this.points = new PointDecoder(options.car, new HostClock())
  }

  get car(): Car {
    return this.options.car
  }

  get store(): LiveStore {
    return this.options.store
  }

  get sessions(): SessionManager {
    return this.path.sessions
  }

  get track(): Track | undefined {
    return this.options.track
  }

  get live(): LiveView {
    return this.path.view!
  }

  get canIds(): CanIdTable {
    return this.path.canIds!
  }

  get rows(): RowCounter {
    return this.path.rows
  }

  /** When the live session got its first frames (wall clock). */
  get sessionStartedMs(): number | undefined {
    return this.path.sessionStartedMs
  }

  onSamples(listener: SamplesListener): void {
    this.path.onSamples(listener)
  }

  /** Called after the live session ended (the next frames open a new one). */
  onSessionEnd(listener: () => void): void {
    this.path.onSessionEnd(listener)
  }

  /** Runs a frame source until it ends or is stopped; a reconnect resets its decoder. */
  run(source: CanSource & {onReconnect?(listener: () => void): void}): Promise<void> {
    const key: SourceKey = {kind: source.kind, name: source.name}
    const writer = {resetSource: () => this.path.resetSource(key), write: (batch: FrameBatch) => this.path.accept(key, batch)}
    return this.register(key, source, pump(source, writer).then(() => undefined))
  }

  /** Runs a source of samples (UDP points) until it ends or is stopped. */
  runPoints(source: PointsSource): Promise<void> {
    const key: SourceKey = {kind: source.kind, name: source.name}
    return this.register(key, source, (async () => {
      for await (const samples of source.batches()) await this.path.acceptSamples(key, samples)
    })())
  }

  /** Lists a source whose frames arrive elsewhere (the supervisor's callback forwards them). */
  watch(source: StatusOnlySource): void {
    this.running.set(`${source.kind}:${source.name}`, {source})
  }

  /** Decodes and stores one batch from `kind:name` (a source, or the frame route). False when the store dropped it. */
  accept(kind: string, name: string, batch: FrameBatch): Promise<boolean> {
    if (kind === 'forward' && batch.length > 0) this.countForwarded(name, batch.length)
    return this.path.accept({kind, name}, batch)
  }

  /** The frame route's senders taken together, as one source status (the Termux supervisor reports it as its own). */
  forwardedStatus(): Pick<SourceStatus, 'dropped' | 'fps' | 'framesTotal' | 'lastFrameAgeS' | 'missedById'> {
    let fps = 0
    let total = 0
    let age: number | null = null
    for (const f of this.forwarded.values()) {
      fps += f.fps.rate()
      total += f.framesTotal
      const a = f.lastFrameAgeS()
      if (a !== null && (age === null || a < age)) age = a
    }
    return {dropped: {}, fps, framesTotal: total, lastFrameAgeS: age, missedById: {}}
  }

  /** Seed 001 telemetry points (POST /api/ingest): samples of the car's channels, no frames. */
  async acceptPoints(body: unknown, kind = 'bridge', name = 'api/ingest'): Promise<{points: number; samples: number; malformed: boolean}> {
    const before = this.points.stats.points
    const samples = new SampleBatch(64)
    const ok = this.points.decode(Buffer.from(JSON.stringify(body)), samples)
    if (!ok) return {malformed: true, points: 0, samples: 0}
    const n = samples.length
    await this.path.acceptSamples({kind, name}, samples)
    return {malformed: false, points: this.points.stats.points - before, samples: n}
  }

  get pointStats(): PointDecoder['stats'] {
    return this.points.stats
  }

  sourceStatuses(): SourceStatus[] {
    const out = [...this.running.values()].map((r) => r.source.status())
    // Under the Termux supervisor the forwarded frames are its adapter's: it reports them.
    if (!this.hasSource('termux-usb', true)) {
      for (const [name, f] of this.forwarded) {
        const age = f.lastFrameAgeS()
        f.state = age !== null && age < 10 ? 'connected' : 'absent'
        out.push(f.status({kind: 'forward', name}))
      }
    }
    return out
  }

  /** A source of `kind` runs (`listed`: or is listed at all, stopped or not). */
  hasSource(kind: string, listed = false): boolean {
    return [...this.running.values()].some((r) => r.source.kind === kind && (listed || r.source.status().state !== 'stopped'))
  }

  /** Ends the live session (on request or at shutdown): its open lap is stored once; the live view starts over. */
  endSession(reason: string): Promise<void> {
    return this.path.endSession(reason)
  }

  /** Stops every source and waits for their loops to hand over what they read. */
  async stopSources(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.source.stop()))
    await Promise.all([...this.running.values()].map((r) => r.done))
  }

  private register(key: SourceKey, source: CanSource | PointsSource, done: Promise<void>): Promise<void> {
    const logged = done.catch((error: unknown) => this.options.log.error({err: error, source: `${key.kind}:${key.name}`}, 'source failed'))
    this.running.set(`${key.kind}:${key.name}`, {done: logged, source})
    return logged
  }

  private countForwarded(name: string, frames: number): void {
    let f = this.forwarded.get(name)
    if (!f) {
      if (this.forwarded.size >= MAX_FORWARDED_SOURCES) this.forwarded.delete(this.forwarded.keys().next().value!)
      f = new SourceCounters()
      this.forwarded.set(name, f)
    }
    f.count(frames)
  }
}
