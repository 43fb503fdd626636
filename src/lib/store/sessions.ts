import type {DuckConnection} from './driver/index.js'

import {joinSql, readSql, runSql, sql} from './sql.js'
import {RUN_SHEET_COLUMNS, type SessionInfo, type SessionInit} from './types.js'

/** `20261122T091403Z-bmw_e46_m3`: sorts by start time, says which car. */
export function sessionId(startedUs: number, carId: string): string {
  const iso = new Date(Math.floor(startedUs / 1000)).toISOString()
  return `${iso.slice(0, 19).replaceAll('-', '').replaceAll(':', '')}Z-${carId}`
}

/**
 * Creates a live session: stores the car definition (once per content hash), the channel
 * dictionary the samples refer to, and the session row. One transaction.
 */
export async function createSession(c: DuckConnection, init: SessionInit, pid: number): Promise<SessionInfo> {
  const startedUs = init.startedUs ?? Date.now() * 1000
  const base = sessionId(startedUs, init.carId)
  const taken = (await readSql(c, sql`SELECT id FROM sessions WHERE starts_with(id, ${base})`)).map((r) => String(r['id']))
  let id = base
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`
  const key = Number((await readSql(c, sql`SELECT coalesce(max(session_key), 0) + 1 AS k FROM sessions`))[0]!['k'])
  const sheet = init.runSheet ?? {}
  const extra = Object.fromEntries(Object.entries(sheet).filter(([k]) => !(RUN_SHEET_COLUMNS as readonly string[]).includes(k)))
  await c.run('BEGIN TRANSACTION')
  try {
    const known = (await readSql(c, sql`SELECT count(*) AS n FROM cars WHERE content_hash = ${init.carHash}`))[0]!['n']
    if (Number(known) === 0) {
      await runSql(c, sql`INSERT INTO cars VALUES (${init.carHash}, ${init.carId}, ${init.carFile ?? null}, ${init.yamlText ?? null}, ${init.dbcText}, ${Date.now() * 1000})`)
    }
    const rows = init.channels.map((ch, i) => sql`(${key}, ${i}, ${ch.name}, ${ch.unit}, ${ch.kind}, ${ch.message ?? null}, ${ch.signal ?? null})`)
    for (let i = 0; i < rows.length; i += 500) await runSql(c, sql`INSERT INTO channels VALUES ${joinSql(rows.slice(i, i + 500))}`)
    const sheetValues = joinSql(RUN_SHEET_COLUMNS.map((k) => sql`${sheet[k] ?? null}`))
    const meta = Object.keys(extra).length > 0 ? JSON.stringify(extra) : null
    await runSql(
      c,
      sql`INSERT INTO sessions (id, session_key, car_id, car_hash, state, started_us, pid, driver, track, event, outing, tyres, fuel, notes, meta)
          VALUES (${id}, ${key}, ${init.carId}, ${init.carHash}, 'live', ${startedUs}, ${pid}, ${sheetValues}, ${meta})`,
    )
    await c.run('COMMIT')
  } catch (error) {
    await c.run('ROLLBACK').catch(() => undefined)
    throw error
  }
  return {id, key}
}

/** Registers a source of a session; returns its id (frames.source_id). */
export async function addSource(c: DuckConnection, sessionKey: number, kind: string, name: string): Promise<number> {
  const id = Number((await readSql(c, sql`SELECT coalesce(max(source_id) + 1, 0) AS s FROM sources WHERE session_key = ${sessionKey}`))[0]!['s'])
  await runSql(c, sql`INSERT INTO sources VALUES (${sessionKey}, ${id}, ${kind}, ${name}, ${Date.now() * 1000})`)
  await runSql(c, sql`UPDATE sessions SET sources = list_append(sources, ${`${kind}:${name}`}) WHERE session_key = ${sessionKey}`)
  return id
}

/** Writes a session's counters from the stored rows and closes it (at `endedUs`, else its last frame). */
export async function endSession(c: DuckConnection, sessionKey: number, reason: string, endedUs?: number): Promise<void> {
  await runSql(
    c,
    sql`UPDATE sessions SET
          state = 'ended', end_reason = ${reason},
          frames = (SELECT count(*) FROM frames WHERE session_key = ${sessionKey}),
          samples = (SELECT count(*) FROM samples WHERE session_key = ${sessionKey}),
          first_frame_us = (SELECT min(ts_us) FROM frames WHERE session_key = ${sessionKey}),
          last_frame_us = (SELECT max(ts_us) FROM frames WHERE session_key = ${sessionKey}),
          ended_us = ${endedUs === undefined ? sql`coalesce((SELECT max(ts_us) FROM frames WHERE session_key = ${sessionKey}), started_us)` : sql`${endedUs}`}
        WHERE session_key = ${sessionKey} AND state = 'live'`,
  )
}

/**
 * At open: a session still `live` was left by a process that died (we hold the file's only
 * write lock, so no live writer can own it). Close it as `unclean` at its last frame's time.
 */
export async function closeUncleanSessions(c: DuckConnection): Promise<string[]> {
  const live = await readSql(c, sql`SELECT id, session_key FROM sessions WHERE state = 'live'`)
  for (const row of live) await endSession(c, Number(row['session_key']), 'unclean')
  return live.map((r) => String(r['id']))
}
