/**
 * What `pitwall health` can still say when no bridge answers: the file sizes, the free disk, a
 * stale serve.json, and what the store reads from the live DB itself (read-only, briefly, never
 * changing it: `readOfflineHealth`), in `/health`'s words.
 */
import {existsSync, readFileSync} from 'node:fs'
import {readFile, stat, statfs} from 'node:fs/promises'
import {join} from 'node:path'

import {DATA_DIR_LAYOUT} from '../config/index.js'
import {describeDriver, readOfflineHealth, type RecoveryReport} from '../store/index.js'

export interface DirectDbReading {
  readonly path: string
  readonly exists: boolean
  readonly size_bytes: number | null
  readonly wal_bytes: number | null
  readonly free_disk_bytes: number | null
  /** The process that holds the file, when one does (a serve that does not answer, an ingest). */
  readonly held_by: {readonly pid: number | null; readonly command: string | null} | null
  /** Why the file could not be read, when it could not. */
  readonly error: string | null
  /** serve.json, when it names a process that is gone (serve died without removing it). */
  readonly stale_serve_pid: number | null
  readonly sessions: {readonly total: number; readonly live: number; readonly ended: number; readonly archived: number} | null
  readonly last_session: {
    readonly id: string
    readonly state: string
    readonly started: string
    readonly ended: string | null
    readonly end_reason: string | null
    readonly frames: number
    readonly last_frame: string | null
  } | null
  readonly recoveries: Array<{at: string; moved_to: string; cause: string; tables: Array<{table: string; status: string; rows: number; of: number | null}>}>
  /** The DuckDB driver a serve or ingest here would open the live DB with, or why none loads (the phone without libduckdb). */
  readonly driver: {readonly driver: string; readonly library_version: string; readonly origin: string} | {readonly error: string}
}

export async function readLiveDbDirect(dataDir: string): Promise<DirectDbReading> {
  const path = join(dataDir, DATA_DIR_LAYOUT.liveDb)
  const [size, wal, free, stalePid] = await Promise.all([fileSize(path), fileSize(`${path}.wal`), freeBytes(dataDir), staleServePid(dataDir)])
  const driver = await describeDriver().then(
    (d) => ({driver: d.driver, library_version: d.libraryVersion, origin: d.origin}),
    (error: unknown) => ({error: error instanceof Error ? error.message : String(error)}),
  )
  const base = {driver, exists: size !== null, free_disk_bytes: free, path, size_bytes: size, stale_serve_pid: stalePid, wal_bytes: wal}
  const empty = {error: null, held_by: null, last_session: null, recoveries: [], sessions: null}
  if (size === null) return {...base, ...empty}
  const read = await readOfflineHealth(path)
  if (read.kind === 'locked') return {...base, ...empty, held_by: {command: read.pid ? commandLineOf(read.pid) : null, pid: read.pid}}
  if (read.kind === 'error') return {...base, ...empty, error: read.message}
  const last = read.lastSession
  const lastSession: DirectDbReading['last_session'] = last && {
    end_reason: last.endReason,
    ended: last.endedUs === null ? null : iso(last.endedUs),
    frames: last.frames,
    id: last.id,
    last_frame: last.lastFrameUs === null ? null : iso(last.lastFrameUs),
    started: iso(last.startedUs),
    state: last.state,
  }
  return {...base, ...empty, last_session: lastSession, recoveries: read.recoveries.map(recoveryJson), sessions: read.sessions}
}

/** The same shape as `/health`'s recoveries. */
export function recoveryJson(r: RecoveryReport): DirectDbReading['recoveries'][number] {
  return {at: iso(r.atUs), cause: r.cause, moved_to: r.movedTo, tables: r.tables.map((t) => ({of: t.of ?? null, rows: t.rows, status: t.status, table: t.table}))}
}

function iso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString()
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size
  } catch {
    return null
  }
}

async function freeBytes(dir: string): Promise<number | null> {
  try {
    const s = await statfs(existsSync(dir) ? dir : '/')
    return s.bavail * s.bsize
  } catch {
    return null
  }
}

async function staleServePid(dataDir: string): Promise<number | null> {
  let pid: unknown
  try {
    pid = (JSON.parse(await readFile(join(dataDir, DATA_DIR_LAYOUT.serveInfo), 'utf8')) as {pid?: unknown}).pid
  } catch {
    return null
  }
  if (typeof pid !== 'number') return null
  try {
    process.kill(pid, 0)
    return null
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? null : pid
  }
}

/** `node /…/bin/run.js serve …` for a PID, where /proc shows it. */
function commandLineOf(pid: number): string | null {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '')
    return args.length > 0 ? args.join(' ') : null
  } catch {
    return null
  }
}
