import type {BridgeAccess} from '../client/index.js'
import {UsageError} from '../errors.js'
import {type ArchiveFormat, type ArchiveRunResult, describeUnclean, type RestoreOutcome, reviveError, type SessionListing} from '../store/index.js'
import {archiveRunText, restoredText, sessionTable} from './archive-text.js'
import {openLiveDbWork} from './live-db-work.js'

export type ArchiveJobResult = ArchiveRunResult | SessionListing[] | RestoreOutcome

/** `pitwall archive` in the command's words: one field a flag, each value already parsed by it. */
export interface ArchiveJobOptions {
  readonly access: BridgeAccess
  /** Session ids named on the command line. */
  readonly ids: readonly string[]
  readonly list: boolean
  /** An archive (.duckdb file or parquet session folder) to bring back. */
  readonly restore?: string | undefined
  readonly allEnded: boolean
  readonly dryRun: boolean
  readonly format: ArchiveFormat
  readonly olderThanMs?: number | undefined
  /** Aborted: the session being archived finishes (verified, or left intact) and no other starts. */
  readonly signal: AbortSignal
  /** Where the work runs when that is not here: a diagnostic, for stderr also under --json. */
  readonly note: (line: string) => void
  /** Where the report for people goes; undefined under --json (the result is the report). */
  readonly print?: {readonly stdout: (text: string) => void; readonly stderr: (text: string) => void} | undefined
}

/**
 * Lists, restores or archives sessions wherever the live DB is (here, or inside a running serve),
 * prints the report, and fails (after printing it) when any session could not be archived.
 */
export async function runArchiveJob(o: ArchiveJobOptions): Promise<ArchiveJobResult> {
  if ((o.list || o.restore) && o.ids.length > 0) {
    throw new UsageError(`session ids cannot go with --${o.list ? 'list' : 'restore'}`, {code: 'PW_USAGE', suggestions: ['pitwall archive SESSION...', 'pitwall archive --list']})
  }
  const work = await openLiveDbWork(o.access)
  try {
    if (work.note) o.note(work.note)
    for (const id of work.unclean) o.print?.stderr(describeUnclean(id))
    if (o.list) {
      const sessions = await work.listSessions()
      o.print?.stdout(sessionTable(sessions))
      return sessions
    }
    if (o.restore) {
      const restored = await work.restore(o.restore)
      o.print?.stdout(restoredText(restored))
      return restored
    }
    const result = await work.archive({
      allEnded: o.allEnded,
      dryRun: o.dryRun,
      format: o.format,
      ids: o.ids,
      ...(o.olderThanMs === undefined ? {} : {olderThanMs: o.olderThanMs}),
      signal: o.signal,
    })
    o.print?.stderr(archiveRunText(result))
    const first = result.failed[0]
    if (first) {
      const message = `${result.failed.length} of ${result.failed.length + result.archived.length} sessions were not archived (their live data is intact): ${first.id}: ${first.message}`
      throw reviveError({code: first.code, exit: first.exit, message, name: 'ArchiveError', suggestions: []})
    }
    return result
  } finally {
    await work.close()
  }
}
