import {dirname, join} from 'node:path'

import {treeBytes} from './archive-fs.js'
import type {LiveStore} from './live-store.js'
import {numberOrNull as num} from './rows.js'

/** One line of `pitwall archive --list`. */
export interface SessionListing {
  readonly id: string
  readonly state: 'live' | 'ended' | 'archived' | string
  readonly car: string
  /** ISO time of the first frame (imported logs: their own time), else when the session started. */
  readonly start: string
  readonly durationS: number
  /** ISO wall-clock time the session ended (null while live). */
  readonly ended: string | null
  /** Every stored frame of the session, decoded or not (archived: as counted when it was archived). */
  readonly frames: number
  readonly samples: number
  /** Live and ended sessions: their share of the live DB's used blocks (an estimate); archived: the archive's size. */
  readonly bytes: number
  readonly bytesEstimated: boolean
  readonly endReason: string | null
  /** Where the archive is, relative to the data dir (archived sessions). */
  readonly archivePath: string | null
}

/**
 * Every session in the live DB, oldest first. Frames of live and ended sessions are counted in
 * the frames table (a live session's counter is only written when it ends).
 */
export async function listSessions(store: LiveStore): Promise<SessionListing[]> {
  const rows = await store.query(`
    WITH f AS (SELECT session_key, count(*) AS n FROM frames GROUP BY session_key),
         s AS (SELECT session_key, count(*) AS n FROM samples GROUP BY session_key)
    SELECT x.id, x.state, x.car_id, x.started_us, x.first_frame_us, x.last_frame_us, x.ended_us, x.end_reason, x.archive_path,
           CASE WHEN x.state = 'archived' THEN x.frames ELSE coalesce(f.n, 0) END AS frames,
           CASE WHEN x.state = 'archived' THEN x.samples ELSE coalesce(s.n, 0) END AS samples
    FROM sessions x LEFT JOIN f USING (session_key) LEFT JOIN s USING (session_key)
    ORDER BY coalesce(x.first_frame_us, x.started_us), x.started_us, x.id`)
  const size = (await store.query(`SELECT block_size, used_blocks FROM pragma_database_size() WHERE database_name = current_database()`))[0] ?? {}
  const usedBytes = Number(size['block_size'] ?? 0) * Number(size['used_blocks'] ?? 0)
  const liveRows = rows.filter((r) => r['state'] !== 'archived').reduce((n, r) => n + Number(r['frames']) + Number(r['samples']), 0)
  const dataDir = dirname(store.path)
  return rows.map((r) => {
    const archived = r['state'] === 'archived'
    const first = num(r['first_frame_us']) ?? Number(r['started_us'])
    const last = num(r['last_frame_us']) ?? num(r['ended_us']) ?? first
    const rowsOf = Number(r['frames']) + Number(r['samples'])
    const path = r['archive_path'] === null ? null : String(r['archive_path'])
    return {
      archivePath: archived ? path : null,
      bytes: archived ? (path ? treeBytes(join(dataDir, path)) : 0) : liveRows > 0 ? Math.round((usedBytes * rowsOf) / liveRows) : 0,
      bytesEstimated: !archived,
      car: String(r['car_id']),
      durationS: Math.max(0, Math.round((last - first) / 1e3) / 1e3),
      ended: num(r['ended_us']) === null ? null : new Date(Math.floor(Number(r['ended_us']) / 1000)).toISOString(),
      endReason: r['end_reason'] === null ? null : String(r['end_reason']),
      frames: Number(r['frames']),
      id: String(r['id']),
      samples: Number(r['samples']),
      start: new Date(Math.floor(first / 1000)).toISOString(),
      state: String(r['state']),
    }
  })
}
