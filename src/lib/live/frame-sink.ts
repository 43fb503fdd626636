import type {FrameBatch} from '../can/index.js'
import type {ForwardStats} from '../client/index.js'
import type {DecodeStats, SampleBatch} from '../decode/index.js'
import type {LiveStoreStats, RecoveryReport} from '../store/index.js'
import type {Lap} from '../track/index.js'

/** A session this process ended, and what became of its archive when it is archived on end. */
export interface EndedSession {
  readonly id: string
  readonly reason: string
  readonly archive?: {readonly path: string; readonly frames: number}
  readonly archiveError?: string
}

/** What a local sink did: the live DB was this process's. */
export interface LocalSinkResult {
  readonly via: 'local'
  readonly path: string
  readonly sessions: readonly EndedSession[]
  readonly store: LiveStoreStats
  readonly decode: DecodeStats
  /** Laps stored (closed ones, and the open lap at the end). */
  readonly laps: number
  /** Sessions a dead process had left live, closed as unclean at open. */
  readonly unclean: readonly string[]
  /** Set when the live DB was damaged and salvaged at open. */
  readonly recovery?: RecoveryReport
}

/** What a bridge sink did: a running serve stored the frames. */
export interface BridgeSinkResult {
  readonly via: 'bridge'
  readonly forward: ForwardStats
  readonly sessions: readonly string[]
}

export type SinkResult = LocalSinkResult | BridgeSinkResult

/**
 * Where one source's frames go, chosen once by `openFrameSink`: this process's live DB through
 * the live path (`local`), or a running serve's bridge, which holds the DB (`bridge`). Commands
 * write to it and never ask which it is.
 */
export interface FrameSink {
  readonly via: 'local' | 'bridge'
  /** The live DB's path, or the bridge's URL. */
  readonly where: string
  /** Takes one batch (the sink owns it now). False when it could not be kept (counted in the result). */
  write(batch: FrameBatch): Promise<boolean>
  /** Telemetry points (no frames): only a local sink stores them; a bridge sink refuses at open. */
  writeSamples(samples: SampleBatch): Promise<boolean>
  /** The source reconnected: values from before the outage are forgotten. */
  resetSource(): void
  /** After each commit: frames of this source now durable (stored locally, or acknowledged by the bridge). */
  onCommitted(listener: (frames: number) => void): void
  /** Each lap as it is stored (local only: a bridge's laps are serve's). */
  onLap(listener: (lap: Lap) => void): void
  /** Ends the session (local) or drains the forwarder (bridge), and releases everything. */
  close(reason: string): Promise<SinkResult>
}
