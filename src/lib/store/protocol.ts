/**
 * Messages between the main thread (`LiveStore`) and the store worker, which owns the only
 * DuckDB instance of the live file. Frame and sample columns travel as transferred buffers.
 */
import {type ExitCodeValue, InputDataError, InternalError, PitwallError, UnavailableError, UsageError} from '../errors.js'
import type {ArchiveRequest} from './archive-types.js'
import type {VacuumOptions} from './vacuum.js'

/** Raw frames of one source, columns as in FrameBatch (only the first `length` rows count). */
export interface FrameColumns {
  readonly length: number
  readonly timestampUs: Float64Array
  readonly subMicroNs: Uint16Array
  readonly id: Uint32Array
  readonly flags: Uint8Array
  readonly dataLength: Uint8Array
  readonly rawDlc: Uint8Array
  readonly data: Uint8Array
}

/** Decoded samples: one row per channel value a frame produced (the tall layout). */
export interface SampleColumns {
  readonly length: number
  readonly timestampUs: Float64Array
  readonly channel: Uint16Array
  /** NaN is stored as NULL. */
  readonly value: Float64Array
}

export interface SessionInit {
  readonly carId: string
  readonly carHash: string
  readonly carFile?: string
  readonly yamlText?: string
  readonly dbcText: string
  readonly channels: ReadonlyArray<{name: string; unit: string; kind: string; message?: string; signal?: string}>
  readonly runSheet?: Readonly<Record<string, string>>
  /** Seconds since the epoch used for the session id; defaults to now. */
  readonly startedUs?: number
}

/** One row of the `laps` table (the lap detector's Lap, src/lib/track/lap-detector.ts). */
export interface LapRecord {
  readonly lap: number
  readonly startUs: number
  readonly endUs: number | null
  readonly lapTimeMs: number | null
  readonly valid: boolean
  readonly sectorsMs: ReadonlyArray<number | null>
}

export interface SessionInfo {
  readonly id: string
  readonly key: number
}

export type Request =
  | {op: 'open'; path: string}
  | {op: 'startSession'; init: SessionInit}
  | {op: 'addSource'; sessionKey: number; kind: string; name: string}
  | {op: 'append'; sessionKey: number; sourceId: number; frames: FrameColumns; samples?: SampleColumns}
  | {op: 'ackCommit'}
  | {op: 'endSession'; sessionKey: number; reason: string}
  | {op: 'log'; sessionKey: number | null; source: string; event: string; frames?: number; dropped?: number; reason?: string; detail?: string}
  | {op: 'recordLap'; sessionKey: number; lap: LapRecord}
  | {op: 'query'; sql: string; params?: unknown[]}
  | {op: 'execute'; sql: string; params?: unknown[]}
  | {op: 'flush'}
  | {op: 'checkpoint'}
  | {op: 'close'}
  // corruption salvage reports (salvage-report.ts): list the unacknowledged ones, or acknowledge
  | {op: 'recoveries'; acknowledge: boolean; atUs?: number}
  // archive and vacuum (archive-session.ts, archive-restore.ts, vacuum.ts)
  | ({op: 'archive'} & ArchiveRequest)
  | {op: 'archiveRecover'; dataDir: string; dryRun: boolean}
  | {op: 'restore'; path: string}
  | {op: 'vacuum'; options: VacuumOptions}

/** Replies carry the request's `seq`; `committed` and `event` are unsolicited. */
export type Reply =
  | {type: 'result'; seq: number; value?: unknown}
  | {type: 'error'; seq: number; error: SerializedError}
  | {type: 'committed'; frames: number; samples: number; sessionKey: number; sessionFrames: number}
  | {type: 'event'; event: StoreEvent}

export type StoreEvent =
  | {kind: 'dropped'; reason: 'queue_full' | 'disk_full' | 'write_error'; frames: number}
  | {kind: 'invalidated'; reopened: boolean}
  | {kind: 'disk-full'; full: boolean}
  | {kind: 'checkpoint'; ms: number}
  | {kind: 'warning'; message: string}

export interface SerializedError {
  readonly name: string
  readonly message: string
  readonly code: string
  readonly exit: number
  readonly suggestions: readonly string[]
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof PitwallError) {
    return {code: error.code, exit: error.exit, message: error.message, name: error.name, suggestions: error.suggestions}
  }
  const message = error instanceof Error ? error.message : String(error)
  return {code: 'PW_STORE_INTERNAL', exit: 70, message, name: 'InternalError', suggestions: []}
}

/** Rebuilds a typed error on the main thread, so exit codes survive the thread boundary. */
export function reviveError(e: SerializedError): PitwallError {
  const options = {code: e.code, suggestions: e.suggestions}
  const byExit: Record<number, new (m: string, o: typeof options) => PitwallError> = {
    64: UsageError,
    65: InputDataError,
    69: UnavailableError,
  }
  const Ctor = byExit[e.exit as ExitCodeValue] ?? InternalError
  return new Ctor(e.message, options)
}
