import type {DuckDBConnection} from '@duckdb/node-api'

import type {SessionInfo, SessionInit} from './protocol.js'

/** Run-sheet keys that have their own column; any other key goes into `meta` (JSON). */
export const RUN_SHEET_COLUMNS = ['driver', 'track', 'event', 'outing', 'tyres', 'fuel', 'notes'] as const

const q = (s: string): string => `'${s.replaceAll("'", "''")}'`
const qn = (s: string | undefined | null): string => (s === undefined || s === null ? 'NULL' : q(s))

/** `20261122T091403Z-bmw_e46_m3`: sorts by start time, says which car. */
export function sessionId(startedUs: number, carId: string): string {
  const iso = new Date(Math.floor(startedUs / 1000)).toISOString()
  return `${iso.slice(0, 19).replaceAll('-', '').replaceAll(':', '')}Z-${carId}`
}

/**
 * Creates a live session: stores the car definition (once per content hash), the channel
 * dictionary the samples refer to, and the session row. One transaction.
 */
export async function createSession(c: DuckDBConnection, init: SessionInit, pid: number): Promise<SessionInfo> {
  const startedUs = init.startedUs ?? Date.now() * 1000
  const base = sessionId(startedUs, init.carId)
  const taken = (await c.runAndReadAll(`SELECT id FROM sessions WHERE id LIKE ${q(base)} || '%'`)).getRowObjects().map((r) => String(r['id']))
  let id = base
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`
  const key = Number((await c.runAndReadAll('SELECT coalesce(max(session_key), 0) + 1 AS k FROM sessions')).getRowObjects()[0]!['k'])
  const sheet = init.runSheet ?? {}
  const extra = Object.fromEntries(Object.entries(sheet).filter(([k]) => !(RUN_SHEET_COLUMNS as readonly string[]).includes(k)))
  await c.run('BEGIN TRANSACTION')
  try {
    const known = (await c.runAndReadAll(`SELECT count(*) AS n FROM cars WHERE content_hash = ${q(init.carHash)}`)).getRowObjects()[0]!['n']
    if (Number(known) === 0) {
      await c.run(
        `INSERT INTO cars VALUES (${q(init.carHash)}, ${q(init.carId)}, ${qn(init.carFile)}, ${qn(init.yamlText)}, ${q(init.dbcText)}, ${Date.now() * 1000})`,
      )
    }
    const rows = init.channels.map((ch, i) => `(${key}, ${i}, ${q(ch.name)}, ${q(ch.unit)}, ${q(ch.kind)}, ${qn(ch.message)}, ${qn(ch.signal)})`)
    for (let i = 0; i < rows.length; i += 500) await c.run(`INSERT INTO channels VALUES ${rows.slice(i, i + 500).join(', ')}`)
    await c.run(
      `INSERT INTO sessions (id, session_key, car_id, car_hash, state, started_us, pid, ${RUN_SHEET_COLUMNS.join(', ')}, meta)
       VALUES (${q(id)}, ${key}, ${q(init.carId)}, ${q(init.carHash)}, 'live', ${startedUs}, ${pid},
               ${RUN_SHEET_COLUMNS.map((k) => qn(sheet[k])).join(', ')}, ${Object.keys(extra).length > 0 ? q(JSON.stringify(extra)) : 'NULL'})`,
    )
    await c.run('COMMIT')
  } catch (error) {
    await c.run('ROLLBACK').catch(() => undefined)
    throw error
  }
  return {id, key}
}

/** Registers a source of a session; returns its id (frames.source_id). */
export async function addSource(c: DuckDBConnection, sessionKey: number, kind: string, name: string): Promise<number> {
  const id = Number((await c.runAndReadAll(`SELECT coalesce(max(source_id) + 1, 0) AS s FROM sources WHERE session_key = ${sessionKey}`)).getRowObjects()[0]!['s'])
  await c.run(`INSERT INTO sources VALUES (${sessionKey}, ${id}, ${q(kind)}, ${q(name)}, ${Date.now() * 1000})`)
  await c.run(`UPDATE sessions SET sources = list_append(sources, ${q(`${kind}:${name}`)}) WHERE session_key = ${sessionKey}`)
  return id
}

/** Writes a session's counters from the stored rows and closes it. */
export async function endSession(c: DuckDBConnection, sessionKey: number, reason: string, endedUs?: number): Promise<void> {
  await c.run(
    `UPDATE sessions SET
       state = 'ended', end_reason = ${q(reason)},
       frames = (SELECT count(*) FROM frames WHERE session_key = ${sessionKey}),
       samples = (SELECT count(*) FROM samples WHERE session_key = ${sessionKey}),
       first_frame_us = (SELECT min(ts_us) FROM frames WHERE session_key = ${sessionKey}),
       last_frame_us = (SELECT max(ts_us) FROM frames WHERE session_key = ${sessionKey}),
       ended_us = ${endedUs === undefined ? `coalesce((SELECT max(ts_us) FROM frames WHERE session_key = ${sessionKey}), started_us)` : endedUs}
     WHERE session_key = ${sessionKey} AND state = 'live'`,
  )
}

/**
 * At open: a session still `live` was left by a process that died (we hold the file's only
 * write lock, so no live writer can own it). Close it as `unclean` at its last frame's time.
 */
export async function closeUncleanSessions(c: DuckDBConnection): Promise<string[]> {
  const live = (await c.runAndReadAll(`SELECT id, session_key FROM sessions WHERE state = 'live'`)).getRowObjects()
  for (const row of live) await endSession(c, Number(row['session_key']), 'unclean')
  return live.map((r) => String(r['id']))
}
