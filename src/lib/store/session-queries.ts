/**
 * The small reads and writes the bridge makes about stored sessions: lookup by id, the detail
 * with its run sheet, run-sheet edits, channel ids, coaching notes, the ingest log. They run in
 * the store worker; `LiveStore` has one typed method per function.
 */
import type {DuckConnection} from './driver/index.js'

import {numberOrNull as num, stringOrNull as str} from './rows.js'
import {joinSql, rawSql, readSql, runSql, sql} from './sql.js'
import {type CoachingNoteRecord, type IngestLogEntry, RUN_SHEET_COLUMNS, type RunSheetPatch, type SessionDetail, type StoredSessionRef} from './types.js'

/** The session of that id, or null. */
export async function sessionById(c: DuckConnection, id: string): Promise<StoredSessionRef | null> {
  const [r] = await readSql(c, sql`SELECT session_key, state, archive_path, coalesce(last_frame_us, ended_us, started_us) AS now_us FROM sessions WHERE id = ${id}`)
  if (!r) return null
  return {archivePath: str(r['archive_path']), id, key: Number(r['session_key']), nowUs: Number(r['now_us']), state: String(r['state'])}
}

/** One session row with its run sheet and how many laps it stored, or null. */
export async function sessionDetail(c: DuckConnection, sessionKey: number): Promise<SessionDetail | null> {
  const [r] = await readSql(
    c,
    sql`SELECT id, state, car_id, car_hash, sources, started_us, ended_us, end_reason, first_frame_us, last_frame_us,
               driver, track, event, outing, tyres, fuel, notes, meta, archive_path,
               (SELECT count(*) FROM laps WHERE session_key = ${sessionKey}) AS laps
        FROM sessions WHERE session_key = ${sessionKey}`,
  )
  if (!r) return null
  const meta = typeof r['meta'] === 'string' ? (JSON.parse(r['meta']) as Record<string, string>) : {}
  return {
    archivePath: str(r['archive_path']),
    carHash: String(r['car_hash']),
    carId: String(r['car_id']),
    endedUs: num(r['ended_us']),
    endReason: str(r['end_reason']),
    firstFrameUs: num(r['first_frame_us']),
    id: String(r['id']),
    lastFrameUs: num(r['last_frame_us']),
    laps: Number(r['laps']),
    meta,
    runSheet: Object.fromEntries(RUN_SHEET_COLUMNS.map((k) => [k, str(r[k])])) as Record<(typeof RUN_SHEET_COLUMNS)[number], string | null>,
    sources: Array.isArray(r['sources']) ? (r['sources'] as unknown[]).map(String) : [],
    startedUs: Number(r['started_us']),
    state: String(r['state']),
  }
}

/** Sets the patch's run-sheet columns of a session; resolves with the rows changed (0 or 1). */
export async function updateRunSheet(c: DuckConnection, sessionKey: number, patch: RunSheetPatch): Promise<number> {
  // Column names only from the closed list (a key outside it is refused, never quoted in).
  const entries = Object.entries(patch)
  const unknown = entries.map(([k]) => k).filter((k) => !(RUN_SHEET_COLUMNS as readonly string[]).includes(k))
  if (unknown.length > 0) throw new Error(`not run-sheet columns: ${unknown.join(', ')}`)
  if (entries.length === 0) return 0
  const sets = joinSql(entries.map(([k, v]) => sql`${rawSql(k)} = ${v ?? null}`))
  return runSql(c, sql`UPDATE sessions SET ${sets} WHERE session_key = ${sessionKey}`)
}

/** A session's channel dictionary: name → channel_id of its samples. */
export async function channelIds(c: DuckConnection, sessionKey: number): Promise<Array<{name: string; channelId: number}>> {
  const rows = await readSql(c, sql`SELECT name, channel_id FROM channels WHERE session_key = ${sessionKey}`)
  return rows.map((r) => ({channelId: Number(r['channel_id']), name: String(r['name'])}))
}

/** One row of `coaching_notes` (from the coach, or a note a user posted). */
export async function addNote(c: DuckConnection, sessionKey: number, n: CoachingNoteRecord): Promise<void> {
  await runSql(c, sql`INSERT INTO coaching_notes VALUES (${sessionKey}, ${n.tsUs}, ${n.lap}, ${n.engine}, ${n.rule}, ${n.priority}, ${n.text})`)
}

/** One row of `ingest_log`, stamped with the store's clock. */
export async function addIngestLog(c: DuckConnection, e: IngestLogEntry): Promise<void> {
  await runSql(
    c,
    sql`INSERT INTO ingest_log VALUES (${e.sessionKey}, ${Date.now() * 1000}, ${e.source}, ${e.event}, ${e.frames ?? null}, ${e.dropped ?? null}, ${e.reason ?? null}, ${e.detail ?? null})`,
  )
}
