/**
 * Messages between the main thread (`LiveStore`) and the store worker, which owns the only
 * DuckDB instance of the live file. `StoreOps` maps each request to what the worker answers, so
 * both sides are checked against one table. Frame and sample columns travel as transferred buffers.
 */
import {type ExitCodeValue, InputDataError, InternalError, PitwallError, UnavailableError, UsageError} from '../errors.js'
import type {ArchiveOutcome, ArchiveRecovery, ArchiveRequest, RestoreOutcome} from './archive-types.js'
import type {DriverInfo} from './driver/index.js'
import type {RecoveryReport} from './salvage-report.js'
import type {SqlParam} from './sql.js'
import type * as T from './types.js'

/** Result rows as plain JSON-safe objects (rows.ts). */
export type JsonRow = Record<string, unknown>

/** Every request the worker takes (`request` fields besides `op`) and what it answers. */
export interface StoreOps {
  open: {request: {path: string}; result: {driver: DriverInfo; unclean: string[]; recovery?: RecoveryReport}}
  startSession: {request: {init: T.SessionInit}; result: T.SessionInfo}
  addSource: {request: {sessionKey: number; kind: string; name: string}; result: number}
  /** Fire and forget: bounded on the main thread, answered by `committed` replies. */
  append: {request: {sessionKey: number; sourceId: number; frames: T.FrameColumns; samples?: T.SampleColumns}; result: void}
  /** Fire and forget: the main thread has reported the last commit. */
  ackCommit: {request: object; result: void}
  endSession: {request: {sessionKey: number; reason: string}; result: void}
  log: {request: {entry: T.IngestLogEntry}; result: void}
  recordLap: {request: {sessionKey: number; lap: T.LapRecord}; result: void}
  laps: {request: {sessionKey: number}; result: T.StoredLap[]}
  sessionById: {request: {id: string}; result: T.StoredSessionRef | null}
  sessionDetail: {request: {sessionKey: number}; result: T.SessionDetail | null}
  updateRunSheet: {request: {sessionKey: number; patch: T.RunSheetPatch}; result: number}
  addNote: {request: {sessionKey: number; note: T.CoachingNoteRecord}; result: void}
  channelIds: {request: {sessionKey: number}; result: Array<{name: string; channelId: number}>}
  sampleWindow: {request: {sessionKey: number; channelIds: readonly number[]; fromUs: number; toUs: number}; result: T.SampleColumns}
  framesPage: {request: {sessionKey: number; after: T.FrameCursor | null; limit: number}; result: {frames: T.FrameColumns; last: T.FrameCursor | null}}
  query: {request: {sql: string; params?: readonly SqlParam[]}; result: JsonRow[]}
  flush: {request: object; result: {frames: number; samples: number}}
  checkpoint: {request: object; result: void}
  close: {request: object; result: void}
  // corruption salvage reports (salvage-report.ts)
  recoveries: {request: object; result: RecoveryReport[]}
  acknowledgeRecoveries: {request: {atUs?: number}; result: number}
  // archive and vacuum (archive-session.ts, archive-restore.ts, vacuum.ts)
  archive: {request: ArchiveRequest; result: ArchiveOutcome}
  archiveRecover: {request: {dataDir: string; dryRun: boolean}; result: ArchiveRecovery}
  restore: {request: {path: string}; result: RestoreOutcome}
  vacuum: {request: {options: T.VacuumOptions}; result: T.VacuumResult}
}

export type StoreOp = keyof StoreOps
export type RequestOf<K extends StoreOp> = {readonly op: K} & StoreOps[K]['request']
export type ResultOf<K extends StoreOp> = StoreOps[K]['result']
export type Request = {[K in StoreOp]: RequestOf<K>}[StoreOp]

/** Replies carry the request's `seq`; `committed` and `event` are unsolicited. */
export type Reply =
  | {type: 'result'; seq: number; value?: unknown}
  | {type: 'error'; seq: number; error: SerializedError}
  | {type: 'committed'; frames: number; samples: number; sessionKey: number; sessionFrames: number}
  | {type: 'event'; event: T.StoreEvent}

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
