/**
 * The live DB read directly, for `pitwall health` when no bridge answers: read-only and briefly
 * (DuckDB's shared lock; it fails at once while another process holds the file), never changing
 * it: sessions a dead process left live stay as they are for the next serve or ingest to close.
 */
import {type DuckDatabase, openDuckDatabase} from './driver/index.js'
import {classifyDuckDbError} from './duckdb-errors.js'
import {numberOrNull, stringOrNull} from './rows.js'
import {type RecoveryReport, unacknowledgedRecoveries} from './salvage-report.js'
import {readSql, sql} from './sql.js'

/** The newest session, as health shows it. Times in µs since the epoch. */
export interface OfflineLastSession {
  readonly id: string
  readonly state: string
  readonly startedUs: number
  readonly endedUs: number | null
  readonly endReason: string | null
  /** Live and ended sessions: counted in the frames table (the counter is written at the end); archived: the counter. */
  readonly frames: number
  /** Its newest stored frame (null when none is in the live DB). */
  readonly lastFrameUs: number | null
}

/** What the file says, or why it could not be read. */
export type OfflineDbRead =
  | {
      readonly kind: 'read'
      readonly sessions: {readonly total: number; readonly live: number; readonly ended: number; readonly archived: number}
      readonly lastSession: OfflineLastSession | null
      readonly recoveries: RecoveryReport[]
    }
  /** Another process holds the file (its pid when DuckDB names it). */
  | {readonly kind: 'locked'; readonly pid: number | null}
  | {readonly kind: 'error'; readonly message: string}

/** Reads the live DB at `path` (which exists) read-only: session counts, the newest session, open salvage reports. */
export async function readOfflineHealth(path: string): Promise<OfflineDbRead> {
  let instance: DuckDatabase
  try {
    instance = await openDuckDatabase(path, {access_mode: 'READ_ONLY'})
  } catch (error) {
    const failure = classifyDuckDbError(error)
    if (failure.kind === 'locked') return {kind: 'locked', pid: failure.pid ?? null}
    return {kind: 'error', message: error instanceof Error ? error.message : String(error)}
  }
  const c = await instance.connect()
  try {
    const counts = await readSql(c, sql`SELECT state, count(*) AS n FROM sessions GROUP BY state`)
    const n = (state: string): number => Number(counts.find((r) => r['state'] === state)?.['n'] ?? 0)
    const [last] = await readSql(c, sql`SELECT id, state, session_key, started_us, ended_us, end_reason, frames FROM sessions ORDER BY started_us DESC LIMIT 1`)
    let lastSession: OfflineLastSession | null = null
    if (last) {
      const [inTable] = await readSql(c, sql`SELECT count(*) AS n, max(ts_us) AS last FROM frames WHERE session_key = ${Number(last['session_key'])}`)
      const archived = last['state'] === 'archived'
      lastSession = {
        endedUs: numberOrNull(last['ended_us']),
        endReason: stringOrNull(last['end_reason']),
        frames: archived ? Number(last['frames']) : Number(inTable?.['n'] ?? 0),
        id: String(last['id']),
        lastFrameUs: numberOrNull(inTable?.['last']),
        startedUs: Number(last['started_us']),
        state: String(last['state']),
      }
    }
    const sessions = {archived: n('archived'), ended: n('ended'), live: n('live'), total: counts.reduce((a, r) => a + Number(r['n']), 0)}
    return {kind: 'read', lastSession, recoveries: await unacknowledgedRecoveries(c), sessions}
  } catch (error) {
    return {kind: 'error', message: error instanceof Error ? error.message : String(error)}
  } finally {
    c.close()
    instance.close()
  }
}
