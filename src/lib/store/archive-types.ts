/** Types shared by the archive code on both sides of the store worker (they cross as messages). */

/** `duckdb`: one file per session; `parquet`: one folder of parquet files per session. */
export type ArchiveFormat = 'duckdb' | 'parquet'

export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['duckdb', 'parquet']

/** One session to archive (a store request). */
export interface ArchiveRequest {
  readonly sessionId: string
  readonly format: ArchiveFormat
  /** The data dir: archives go to its `archive/`. */
  readonly dataDir: string
  /** Check and count only: write nothing, remove nothing. */
  readonly dryRun: boolean
}

/** What `archive` did (or, with dryRun, would do) with one session. */
export interface ArchiveOutcome {
  readonly id: string
  readonly format: ArchiveFormat
  /** The archive, relative to the data dir (`archive/<id>.duckdb`). */
  readonly path: string
  readonly frames: number
  readonly samples: number
  /** Rows per table written and verified. */
  readonly rows: Readonly<Record<string, number>>
  /** Size of the archive on disk; 0 for a dry run. */
  readonly bytes: number
  /** True when a verified archive from an interrupted run was found and only the removal was left. */
  readonly completedEarlierRun: boolean
  readonly dryRun: boolean
  readonly ms: number
}

/** What the start of an archive run cleaned up after an interrupted one. */
export interface ArchiveRecovery {
  /** `.partial` leftovers removed (relative to the data dir): never archives, always redone. */
  readonly removedPartials: readonly string[]
  /** Sessions whose final archive existed and verified, now removed from the live DB. */
  readonly completed: readonly ArchiveOutcome[]
  /** Final archives that did not verify against the live session: left alone, reported. */
  readonly mismatched: ReadonlyArray<{readonly id: string; readonly path: string; readonly problem: string}>
}

/** What `archive --restore` put back. */
export interface RestoreOutcome {
  readonly id: string
  readonly format: ArchiveFormat
  readonly path: string
  readonly sessionKey: number
  readonly rows: Readonly<Record<string, number>>
  readonly ms: number
}
