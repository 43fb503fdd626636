export {CorruptDatabaseError, LIVE_DB_OPTIONS} from './database.js'
export {LiveStore} from './live-store.js'
export type {LiveStoreOptions, LiveStoreStats, OpenedLiveStore} from './live-store.js'
export {WINDOW_LOOKBACK_US} from './column-reads.js'
export {reviveError} from './protocol.js'
export type {SerializedError} from './protocol.js'
export {RUN_SHEET_COLUMNS} from './types.js'
export type {
  CoachingNoteRecord,
  DbSize,
  DropReason,
  FrameCursor,
  IngestLogEntry,
  LapRecord,
  RunSheetColumn,
  RunSheetPatch,
  SessionDetail,
  SessionInfo,
  SessionInit,
  StoredLap,
  StoredSessionRef,
  StoreEvent,
  VacuumOptions,
  VacuumResult,
} from './types.js'
export {MIGRATIONS, SCHEMA_VERSION, SESSION_TABLES} from './schema.js'
export {sessionId} from './sessions.js'
export {SessionManager} from './session-manager.js'
export type {SessionManagerOptions} from './session-manager.js'
export {openLiveStore} from './open-live-store.js'
export {describeRecovery, describeUnclean} from './salvage-report.js'
export type {RecoveryReport, TableRecovery} from './salvage-report.js'
export {runArchive, selectSessions} from './archive.js'
export type {ArchiveRunOptions, ArchiveRunResult, ArchiveSelection} from './archive.js'
export {listSessions} from './archive-list.js'
export type {SessionListing} from './archive-list.js'
export {ARCHIVE_FORMATS} from './archive-types.js'
export type {ArchiveFormat, ArchiveOutcome, ArchiveRecovery, RestoreOutcome} from './archive-types.js'
export {openStoredFrames} from './stored-frames.js'
export type {StoredFormat, StoredFrames} from './stored-frames.js'
export {readOfflineHealth} from './offline-health.js'
export type {OfflineDbRead} from './offline-health.js'
export {describeDriver} from './driver/index.js'
export type {DriverInfo} from './driver/index.js'
