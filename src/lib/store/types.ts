/**
 * The values that cross between `LiveStore` (main thread) and the store worker, and what the
 * store's typed methods answer. Plain data only: no DuckDB type appears here.
 */
import type {FrameBatch} from '../can/frame.js'
import type {SampleBatch} from '../decode/index.js'
import type {Lap} from '../track/index.js'

/** Raw frames of one source: FrameBatch's columns without its methods (only the first `length` rows count). */
export type FrameColumns = Readonly<Pick<FrameBatch, 'length' | 'timestampUs' | 'subMicroNs' | 'id' | 'flags' | 'dataLength' | 'rawDlc' | 'data'>>

/**
 * Decoded samples, one row per channel value a frame produced (the tall layout): SampleBatch's
 * columns. A NaN value is stored as NULL, and a NULL read back is NaN.
 */
export type SampleColumns = Readonly<Pick<SampleBatch, 'length' | 'timestampUs' | 'channel' | 'value'>>

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

export interface SessionInfo {
  readonly id: string
  readonly key: number
}

/** Run-sheet keys that have their own column; any other key goes into `meta` (JSON). */
export const RUN_SHEET_COLUMNS = ['driver', 'track', 'event', 'outing', 'tyres', 'fuel', 'notes'] as const
export type RunSheetColumn = (typeof RUN_SHEET_COLUMNS)[number]
/** A run-sheet edit: the named columns get the value, null clears them. */
export type RunSheetPatch = Partial<Record<RunSheetColumn, string | null>>

/** A stored session as the routes and replay name it. */
export interface StoredSessionRef {
  readonly id: string
  readonly key: number
  readonly state: string
  /** Its last frame, else its end, else its start (µs): what "now" means for a stored session. */
  readonly nowUs: number
  readonly archivePath: string | null
}

/** One session row with its run sheet and lap count (`GET /session/:sid`). Times in µs. */
export interface SessionDetail {
  readonly id: string
  readonly state: string
  readonly carId: string
  readonly carHash: string
  readonly sources: readonly string[]
  readonly startedUs: number
  readonly endedUs: number | null
  readonly endReason: string | null
  readonly firstFrameUs: number | null
  readonly lastFrameUs: number | null
  readonly runSheet: Readonly<Record<RunSheetColumn, string | null>>
  /** Further run-sheet keys (the `meta` JSON), empty when none. */
  readonly meta: Readonly<Record<string, string>>
  readonly archivePath: string | null
  readonly laps: number
}

/** One lap to store: the lap detector's Lap (why it is invalid is not stored). */
export type LapRecord = Omit<Lap, 'invalidReason'>

/** One row of `laps` as read back (`valid` may be NULL in files other code wrote). */
export interface StoredLap extends Omit<LapRecord, 'valid'> {
  readonly valid: boolean | null
}

/** One row of `coaching_notes`. */
export interface CoachingNoteRecord {
  readonly tsUs: number
  readonly lap: number | null
  /** rule | litert | fallback | user */
  readonly engine: string
  readonly rule: string | null
  readonly priority: string | null
  readonly text: string
}

/** One row of `ingest_log` (its time is the store's clock). */
export interface IngestLogEntry {
  readonly sessionKey: number | null
  readonly source: string
  readonly event: string
  readonly frames?: number
  readonly dropped?: number
  readonly reason?: string
  readonly detail?: string
}

/** Where a page of stored frames ended: the next page starts after it. */
export interface FrameCursor {
  readonly tsUs: number
  readonly subNs: number
  readonly rowid: number
}

export type DropReason = 'queue_full' | 'disk_full' | 'write_error'

export type StoreEvent =
  | {kind: 'dropped'; reason: DropReason; frames: number}
  | {kind: 'invalidated'; reopened: boolean}
  | {kind: 'disk-full'; full: boolean}
  | {kind: 'checkpoint'; ms: number}
  | {kind: 'warning'; message: string}

export interface VacuumOptions {
  /** ingest_log rows older than this go. Default 90 days. */
  readonly retentionMs: number
  /** Shrink when free blocks exceed this fraction of all blocks (0..1). */
  readonly minFreeFraction: number
  /** Shrink whatever the free fraction. */
  readonly force: boolean
  /** Measure and decide only: change nothing. */
  readonly dryRun: boolean
}

/** The live file's size, from the file system and from DuckDB's block accounting. */
export interface DbSize {
  readonly fileBytes: number
  readonly walBytes: number
  readonly blockSize: number
  readonly totalBlocks: number
  readonly freeBlocks: number
}

export interface VacuumResult {
  readonly before: DbSize
  readonly after: DbSize
  readonly retention: {readonly cutoff: string; readonly ingestLogRows: number}
  readonly shrink: {readonly done: boolean; readonly reason: string; readonly tables?: Readonly<Record<string, number>>; readonly ms?: number}
  readonly dryRun: boolean
  readonly ms: number
}
