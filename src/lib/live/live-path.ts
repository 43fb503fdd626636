import type {Car} from '../car/index.js'
import {FrameBatch} from '../can/index.js'
import {CarDecoder, type DecodeStats, decodeToSamples, type SampleBatch} from '../decode/index.js'
import type {Logger} from '../log.js'
import {type LiveStore, SessionManager, type SessionManagerOptions} from '../store/index.js'
import {type Lap, LapTracker, NO_LAP_EVENTS, type TimedLapEvent, type Track} from '../track/index.js'
import {CanIdTable} from './can-ids.js'
import {LiveView} from './live-view.js'
import {RowCounter} from './row-counter.js'

export interface LivePathOptions {
  readonly car: Car
  readonly store: LiveStore
  /** The live session's settings: run sheet, idle end, archive on end. */
  readonly session?: Omit<SessionManagerOptions, 'beforeEnd'>
  readonly log?: Logger
  /** The track laps are timed on; none: no laps. */
  readonly track?: Track
  /** Keep the live view and the per-id table (serve reads them; a headless run does not need them). */
  readonly view?: false | {readonly ringSize?: number}
}

/** Where a batch came from: the source's kind and name, as stored in the session's `sources`. */
export interface SourceKey {
  readonly kind: string
  readonly name: string
}

/**
 * What observers of the live path get for every batch, after decoding and before the store takes
 * the buffers: the samples, the raw frames (empty for telemetry points), the lap and sector
 * events the session's lap tracker found in them, and the source.
 */
export type SamplesListener = (samples: SampleBatch, frames: FrameBatch, laps: readonly TimedLapEvent[], source: SourceKey) => void

/** Decoders kept per source: forwarding clients come and go, so the table stays bounded. */
const MAX_DECODERS = 32
const NO_FRAMES = new FrameBatch(0)

/**
 * The one live path. Every way frames come in (serve's sources and its frame route, headless
 * ingest, `simulate --to db`, `replay --to db`) hands its batches here, and here alone, in one
 * order, they are: decoded (one decoder per source, from the car compiled once), shown to the
 * live view and the per-id table, timed into laps by the session's one lap tracker, shown to
 * the listeners (the coach, in serve), and appended to the live session. Laps are stored as
 * they close, and the open lap once when the session ends, however it ends.
 */
export class LivePath {
  readonly view: LiveView | undefined
  readonly canIds: CanIdTable | undefined
  readonly rows = new RowCounter()
  /** The live session: opened by the first frames, ended here, by its sources stopping, or idle. */
  readonly sessions: SessionManager
  /** When the live session got its first frames (wall clock), for health. */
  sessionStartedMs: number | undefined
  /** Laps handed to the store, this process. */
  lapsStored = 0
  private readonly decoders = new Map<string, CarDecoder>()
  /** Stats of decoders dropped from the table, so totals stay whole. */
  private readonly retired: DecodeStats = {decoded: 0, frames: 0, short: 0, skipped: 0, unknown: 0}
  private readonly listeners: SamplesListener[] = []
  private readonly lapListeners: Array<(lap: Lap) => void> = []
  private readonly sessionEndListeners: Array<() => void> = []
  private readonly pendingLaps = new Set<Promise<void>>()
  private tracker: LapTracker | undefined
  private sessionId: string | undefined

  constructor(readonly options: LivePathOptions) {
    const view = options.view ?? false
    this.view = view ? new LiveView(options.car.channels, view.ringSize) : undefined
    this.canIds = view ? new CanIdTable(options.car) : undefined
    this.tracker = this.newTracker()
    this.sessions = new SessionManager(options.store, options.car, {...options.session, beforeEnd: () => this.beforeSessionEnd()})
    options.store.onCommitted((stats) => this.rows.commit(stats.committedFrames, stats.committedSamples))
  }

  get car(): Car {
    return this.options.car
  }

  get store(): LiveStore {
    return this.options.store
  }

  get track(): Track | undefined {
    return this.options.track
  }

  onSamples(listener: SamplesListener): void {
    this.listeners.push(listener)
  }

  /** Each lap as it is handed to the store (the open lap too, at the end of a session). */
  onLap(listener: (lap: Lap) => void): void {
    this.lapListeners.push(listener)
  }

  /** Called after the live session ended (the next frames open a new one). */
  onSessionEnd(listener: () => void): void {
    this.sessionEndListeners.push(listener)
  }

  /** Decodes, observes and stores one batch from `source`; the store takes its buffers. False when the store dropped it. */
  async accept(source: SourceKey, frames: FrameBatch): Promise<boolean> {
    if (frames.length === 0) return true
    const samples = decodeToSamples(this.decoder(source), frames)
    this.observe(samples, frames, source)
    const kept = await this.sessions.append(source.kind, source.name, frames, samples)
    this.noteSession()
    return kept
  }

  /** Samples with no frames (JSON telemetry points): observed and stored like decoded ones. */
  async acceptSamples(source: SourceKey, samples: SampleBatch): Promise<boolean> {
    this.observe(samples, NO_FRAMES, source)
    const kept = await this.sessions.append(source.kind, source.name, new FrameBatch(0), samples)
    this.noteSession()
    return kept
  }

  /** The source reconnected: its decoder forgets the values from before the outage (a derived channel never mixes the two). */
  resetSource(source: SourceKey): void {
    this.decoders.get(keyOf(source))?.reset()
  }

  /** Decoding totals over every source this process saw. */
  decodeStats(): DecodeStats {
    const total = {...this.retired}
    for (const d of this.decoders.values()) addStats(total, d.stats)
    return total
  }

  /** Ends the live session (on request or at shutdown): its open lap is stored once, and the live view starts over. */
  async endSession(reason: string): Promise<void> {
    await this.sessions.end(reason)
    this.noteSession()
  }

  /**
   * What the session manager runs before any session ends (on request, when sources stop, idle):
   * the open lap is recorded once, and the laps still on their way to the store are waited for.
   * The next session gets a lap tracker of its own, numbering from lap 0.
   */
  private async beforeSessionEnd(): Promise<void> {
    const tracker = this.tracker
    this.tracker = this.newTracker()
    // The tracker's own listener records the lap finish() reports: recorded once, not twice.
    tracker?.finish()
    await this.lapsSettled()
  }

  /** Resolves when every lap handed to the store has been written (or failed and was logged). */
  async lapsSettled(): Promise<void> {
    while (this.pendingLaps.size > 0) await Promise.all(this.pendingLaps)
  }

  private observe(samples: SampleBatch, frames: FrameBatch, source: SourceKey): void {
    this.view?.push(samples)
    if (frames.length > 0) this.canIds?.push(frames)
    const laps = this.tracker ? this.tracker.feedSamples(samples) : NO_LAP_EVENTS
    for (const listener of this.listeners) listener(samples, frames, laps, source)
  }

  private noteSession(): void {
    const id = this.sessions.session?.id
    if (id === this.sessionId) return
    const ended = this.sessionId !== undefined
    this.sessionId = id
    this.sessionStartedMs = id === undefined ? undefined : Date.now()
    if (!ended) return
    // The previous session ended (on request, or idle by itself): observers start over.
    this.view?.reset()
    this.canIds?.reset()
    for (const listener of this.sessionEndListeners) listener()
  }

  private decoder(source: SourceKey): CarDecoder {
    const key = keyOf(source)
    let decoder = this.decoders.get(key)
    if (!decoder) {
      if (this.decoders.size >= MAX_DECODERS) {
        const [oldest, gone] = this.decoders.entries().next().value!
        addStats(this.retired, gone.stats)
        this.decoders.delete(oldest)
      }
      decoder = new CarDecoder(this.options.car)
      this.decoders.set(key, decoder)
    }
    return decoder
  }

  private newTracker(): LapTracker | undefined {
    const track = this.options.track
    if (!track) return undefined
    const tracker = new LapTracker(track, this.options.car.channels)
    tracker.detector.onEvent((event) => {
      if (event.kind === 'lap') this.recordLap(event.lap)
    })
    return tracker
  }

  private recordLap(lap: Lap): void {
    this.lapsStored++
    for (const listener of this.lapListeners) listener(lap)
    // The session may still be opening (the first batches of two concurrent requests): wait for it.
    const pending = this.sessions
      .ensure()
      .then((session) => this.options.store.recordLap(session.key, lap))
      .catch((error: unknown) => this.options.log?.warn({err: error, lap: lap.lap}, 'lap not stored'))
    this.pendingLaps.add(pending)
    void pending.finally(() => this.pendingLaps.delete(pending))
  }
}

const keyOf = (source: SourceKey): string => `${source.kind}:${source.name}`

function addStats(into: DecodeStats, from: DecodeStats): void {
  into.decoded += from.decoded
  into.frames += from.frames
  into.short += from.short
  into.skipped += from.skipped
  into.unknown += from.unknown
}
