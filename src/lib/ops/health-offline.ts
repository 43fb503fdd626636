/**
 * What `pitwall health` can still say when no bridge answers: it reads the live DB itself,
 * read-only and briefly (DuckDB's shared lock; it fails at once while another process holds the
 * file), and never changes it: sessions a dead process left live stay as they are for the next
 * serve or ingest to close.
 */
import {existsSync, readFileSync} from 'node:fs'
import {readFile, stat, statfs} from 'node:fs/promises'
import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'

import {DATA_DIR_LAYOUT} from '../config/index.js'
import {classifyDuckDbError, type RecoveryReport, unacknowledgedRecoveries} from '../store/index.js'

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
}

export async function readLiveDbDirect(dataDir: string): Promise<DirectDbReading> {
  const path = join(dataDir, DATA_DIR_LAYOUT.liveDb)
  const [size, wal, free, stalePid] = await Promise.all([fileSize(path), fileSize(`${path}.wal`), freeBytes(dataDir), staleServePid(dataDir)])
  const base = {exists: size !== null, free_disk_bytes: free, path, size_bytes: size, stale_serve_pid: stalePid, wal_bytes: wal}
  const empty = {error: null, held_by: null, last_session: null, recoveries: [], sessions: null}
  if (size === null) return {...base, ...empty}
  let instance: DuckDBInstance
  try {
    instance = await DuckDBInstance.create(path, {access_mode: 'READ_ONLY'})
  } catch (error) {
    const failure = classifyDuckDbError(error)
    if (failure.kind === 'locked') return {...base, ...empty, held_by: {command: failure.pid ? commandLineOf(failure.pid) : null, pid: failure.pid ?? null}}
    return {...base, ...empty, error: error instanceof Error ? error.message : String(error)}
  }
  const c = await instance.connect()
  try {
    const rows = async (sql: string): Promise<Array<Record<string, unknown>>> => (await c.runAndReadAll(sql)).getRowObjectsJS()
    const counts = await rows('SELECT state, count(*) AS n FROM sessions GROUP BY state')
    const n = (state: string): number => Number(counts.find((r) => r['state'] === state)?.['n'] ?? 0)
    const last = (await rows('SELECT id, state, session_key, started_us, ended_us, end_reason, frames FROM sessions ORDER BY started_us DESC LIMIT 1'))[0]
    let lastSession: DirectDbReading['last_session'] = null
    if (last) {
      // A live or ended session's frames are in the frames table (its counter is written at the end); an archived one's are not.
      const inTable = (await rows(`SELECT count(*) AS n, max(ts_us) AS last FROM frames WHERE session_key = ${Number(last['session_key'])}`))[0] ?? {}
      const archived = last['state'] === 'archived'
      lastSession = {
        end_reason: last['end_reason'] === null ? null : String(last['end_reason']),
        ended: last['ended_us'] === null ? null : iso(Number(last['ended_us'])),
        frames: archived ? Number(last['frames']) : Number(inTable['n'] ?? 0),
        id: String(last['id']),
        last_frame: inTable['last'] === null || inTable['last'] === undefined ? null : iso(Number(inTable['last'])),
        started: iso(Number(last['started_us'])),
        state: String(last['state']),
      }
    }
    const recoveries = (await unacknowledgedRecoveries(c)).map(recoveryJson)
    return {...base, ...empty, last_session: lastSession, recoveries, sessions: {archived: n('archived'), ended: n('ended'), live: n('live'), total: counts.reduce((a, r) => a + Number(r['n']), 0)}}
  } catch (error) {
    return {...base, ...empty, error: error instanceof Error ? error.message : String(error)}
  } finally {
    c.closeSync()
    instance.closeSync()
  }
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
