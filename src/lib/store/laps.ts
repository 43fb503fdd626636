/**
 * The `laps` table and its key: a lap number appears once per session. No table has a UNIQUE
 * constraint (schema.ts says why), so the store keeps the key itself: `recordLap` replaces the
 * row of the same (session_key, lap), and schema.ts's `DEDUPE_LAPS` cleans files written before.
 */
import {type DuckConnection, intList} from './driver/index.js'
import {numberOrNull as num} from './rows.js'
import {readSql, sql} from './sql.js'
import type {LapRecord, StoredLap} from './types.js'

/**
 * Stores one lap of a session, replacing an earlier record of the same lap (the open lap, then
 * its closed form: the later record wins). One transaction: a reader sees the old row or the new.
 */
export async function recordLap(c: DuckConnection, sessionKey: number, lap: LapRecord): Promise<void> {
  const int = (v: number | null): number | null => {
    if (v === null) return null
    if (!Number.isFinite(v)) throw new Error(`lap ${lap.lap}: ${v} is not a number`)
    return Math.round(v)
  }
  const key = int(sessionKey)
  const n = int(lap.lap)
  await c.run('BEGIN TRANSACTION')
  try {
    await c.run('DELETE FROM laps WHERE session_key = ? AND lap = ?', [key, n])
    // An INTEGER[] parameter: an empty list of sectors has no element to infer its type from.
    await c.run('INSERT INTO laps VALUES (?, ?, ?, ?, ?, ?, ?)', [key, n, int(lap.startUs), int(lap.endUs), int(lap.lapTimeMs), lap.valid, intList(lap.sectorsMs.map(int))])
    await c.run('COMMIT')
  } catch (error) {
    await c.run('ROLLBACK').catch(() => undefined)
    throw error
  }
}

/** A session's laps in lap order. */
export async function readLaps(c: DuckConnection, sessionKey: number): Promise<StoredLap[]> {
  const rows = await readSql(c, sql`SELECT lap, start_us, end_us, lap_time_ms, valid, sectors_ms FROM laps WHERE session_key = ${sessionKey} ORDER BY lap`)
  return rows.map((r) => ({
    endUs: num(r['end_us']),
    lap: Number(r['lap']),
    lapTimeMs: num(r['lap_time_ms']),
    sectorsMs: Array.isArray(r['sectors_ms']) ? (r['sectors_ms'] as unknown[]).map(num) : [],
    startUs: Number(r['start_us']),
    valid: r['valid'] === null ? null : Boolean(r['valid']),
  }))
}
