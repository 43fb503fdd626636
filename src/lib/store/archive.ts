/**
 * `pitwall archive` on the main thread: pick the sessions, clean up after an interrupted run, and
 * archive them one by one through the store worker with a progress line each.
 */
import {createTaskList} from '../progress.js'
import {type PitwallError, UsageError} from '../errors.js'
import {listSessions, type SessionListing} from './archive-list.js'
import type {ArchiveFormat, ArchiveOutcome, ArchiveRecovery} from './archive-types.js'
import type {LiveStore} from './live-store.js'

export interface ArchiveSelection {
  /** Session ids named on the command line. */
  readonly ids: readonly string[]
  /** Every ended session. */
  readonly allEnded: boolean
  /** Only sessions that ended at least this long ago (alone: every such ended session). */
  readonly olderThanMs?: number
}

export interface ArchiveRunOptions extends ArchiveSelection {
  readonly format: ArchiveFormat
  readonly dryRun: boolean
  /** No progress on stderr (`--json` keeps it; tests may not). */
  readonly quiet?: boolean
  /** Now, in ms since the epoch (tests). */
  readonly now?: number
  /** Aborted (SIGTERM, Ctrl-C): the session being archived finishes, the rest are skipped. */
  readonly signal?: AbortSignal
}

export interface ArchiveRunResult {
  readonly dryRun: boolean
  readonly format: ArchiveFormat
  readonly recovery: ArchiveRecovery
  readonly archived: readonly ArchiveOutcome[]
  readonly skipped: ReadonlyArray<{readonly id: string; readonly reason: string}>
  readonly failed: ReadonlyArray<{readonly id: string; readonly code: string; readonly exit: number; readonly message: string}>
}

/**
 * Chooses what to archive. Named sessions must exist and must not be live (a clear refusal,
 * before anything is written); already archived ones are skipped. `--all-ended` and
 * `--older-than` pick ended sessions only, so a live session is never among them.
 */
export function selectSessions(
  listing: readonly SessionListing[],
  selection: ArchiveSelection,
  now = Date.now(),
): {selected: SessionListing[]; skipped: Array<{id: string; reason: string}>} {
  if (selection.ids.length === 0 && !selection.allEnded && selection.olderThanMs === undefined) {
    throw new UsageError('archive what? name sessions, or give --all-ended or --older-than', {
      code: 'PW_NOTHING_SELECTED',
      suggestions: ['pitwall archive --list', 'pitwall archive --all-ended', 'pitwall archive --older-than 7d'],
    })
  }
  const byId = new Map(listing.map((s) => [s.id, s]))
  const skipped: Array<{id: string; reason: string}> = []
  let candidates: SessionListing[]
  if (selection.ids.length > 0) {
    candidates = []
    for (const id of selection.ids) {
      const s = byId.get(id)
      if (!s) throw new UsageError(`no session ${id} in the live DB`, {code: 'PW_SESSION_UNKNOWN', suggestions: ['pitwall archive --list shows the sessions']})
      if (s.state === 'live') {
        throw new UsageError(`session ${id} is live: a live session is never archived`, {
          code: 'PW_SESSION_LIVE',
          suggestions: ['end it first (stop the ingest or serve that writes it), then archive it', 'or pitwall archive --all-ended, which skips live sessions'],
        })
      }
      if (s.state === 'archived') skipped.push({id, reason: `already archived (${s.archivePath ?? 'path unknown'})`})
      else if (!candidates.includes(s)) candidates.push(s)
    }
  } else {
    candidates = listing.filter((s) => s.state === 'ended')
  }
  if (selection.olderThanMs === undefined) return {selected: candidates, skipped}
  const cutoff = now - selection.olderThanMs
  const selected: SessionListing[] = []
  for (const s of candidates) {
    if (s.ended !== null && Date.parse(s.ended) <= cutoff) selected.push(s)
    else if (selection.ids.length > 0) skipped.push({id: s.id, reason: `ended less than the --older-than age ago (${s.ended})`})
  }
  return {selected, skipped}
}

/** Recovers after an interrupted run, then archives the selected sessions one by one. */
export async function runArchive(store: LiveStore, options: ArchiveRunOptions): Promise<ArchiveRunResult> {
  const recovery = await store.recoverArchives({dryRun: options.dryRun})
  const {selected, skipped} = selectSessions(await listSessions(store), options, options.now)
  const archived: ArchiveOutcome[] = []
  const failed: Array<{id: string; code: string; exit: number; message: string}> = []
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`
  const tasks = createTaskList(
    selected.map((s) => ({
      task: async (_ctx: unknown, task: {title: string}): Promise<void> => {
        if (options.signal?.aborted) {
          skipped.push({id: s.id, reason: 'not started: stopped by a signal'})
          task.title = `${s.id}: skipped, stopped by a signal`
          return
        }
        try {
          const o = await store.archive(s.id, {dryRun: options.dryRun, format: options.format})
          archived.push(o)
          task.title = options.dryRun
            ? `${s.id}: would write ${o.path} (${o.frames} frames)`
            : `${s.id} → ${o.path}: ${o.frames} frames, ${mb(o.bytes)}, verified${o.completedEarlierRun ? ' (finished an interrupted run)' : ''}`
        } catch (error) {
          const e = error as PitwallError
          failed.push({code: e.code ?? 'PW_INTERNAL', exit: e.exit ?? 70, id: s.id, message: e.message})
          throw error
        }
      },
      title: `${s.id}: ${s.frames} frames`,
    })),
    {quiet: options.quiet ?? false},
  )
  await tasks.run()
  return {archived, dryRun: options.dryRun, failed, format: options.format, recovery, skipped}
}
