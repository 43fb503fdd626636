import type {FrameBatch} from '../can/frame.js'
import type {SampleBatch} from '../decode/index.js'

/**
 * What a source is doing: `connected` (frames can flow), `reconnecting` (lost its adapter, trying
 * again with backoff), `absent` (no adapter attached, or a descriptor that cannot be reopened),
 * `waiting_permission` (Termux: the USB permission tap is pending), `stopped` (ended).
 */
export type SourceState = 'connected' | 'reconnecting' | 'absent' | 'waiting_permission' | 'stopped'

/** Why frames were dropped at the source, before the store. */
export type SourceDropReason = 'adapter_overflow' | 'queue_full' | 'bad_line' | 'implausible_time'

/** Everything a source reports; `health` and `/health` show it as is. */
export interface SourceStatus {
  readonly kind: string
  readonly name: string
  readonly state: SourceState
  /** Frames per second over the last few seconds. */
  readonly fps: number
  readonly framesTotal: number
  readonly dropped: Readonly<Partial<Record<SourceDropReason, number>>>
  /** Estimated frames missed per CAN id (hex), from the car's cycle times: CAN has no sequence numbers. */
  readonly missedById: Readonly<Record<string, number>>
  /** Seconds since the last frame; null before the first. */
  readonly lastFrameAgeS: number | null
  readonly reconnects: number
  /** The adapter's status flags (slcan `F`), when it reports them. */
  readonly adapterFlags?: Readonly<Record<string, boolean>>
  /** Plain words for the operator when something looks wrong (silent adapter, wrong bitrate, …). */
  readonly hints: readonly string[]
}

/**
 * What every source has, and all that one has that yields nothing itself: the Termux supervisor,
 * whose adapter's frames come in through the bridge's frame route from its callback.
 */
export interface StatusOnlySource {
  /** Stored with the frames (`adapter`, `stdin`, `simulator`, `replay`, `udp`, …). */
  readonly kind: string
  readonly name: string
  status(): SourceStatus
  /** Stops the source; `batches()`, where it has them, then ends after what was already read. */
  stop(): Promise<void>
}

/** A source that yields batches of `B`. */
export interface BatchSource<B> extends StatusOnlySource {
  /** Batches until the source stops (EOF, stop(), or giving up); each batch belongs to the consumer. */
  batches(): AsyncIterable<B>
}

/**
 * A source of CAN frames: an adapter, a descriptor, stdin, the simulator, a replayed log. It
 * yields frame batches (never one object per frame) and reports its status. `serve`, `ingest`,
 * `replay` and `simulate` consume and produce sources the same way.
 */
export type CanSource = BatchSource<FrameBatch>

/** A source of decoded samples rather than frames (JSON telemetry points over UDP); points count as frames in its status. */
export type PointsSource = BatchSource<SampleBatch>

/** The few logger methods a source uses (pino's Logger has them). */
export interface SourceLog {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** A SourceLog that gives each source its own child (pino's Logger is one). */
export interface SourceLogger extends SourceLog {
  child(bindings: Record<string, unknown>): SourceLog
}

export const silentLog: SourceLog = {error: () => undefined, info: () => undefined, warn: () => undefined}
