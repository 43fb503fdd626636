import {existsSync, statSync} from 'node:fs'
import {join} from 'node:path'

import type {DuckConnection} from './driver/index.js'

import {InputDataError, InternalError, UsageError} from '../errors.js'
import {ARCHIVED_TABLES, compareFingerprints, fingerprint, parquetTable, tableIn} from './archive-checksum.js'
import {catalogOf, findSession, sessionFilter} from './archive-session.js'
import type {ArchiveFormat, RestoreOutcome} from './archive-types.js'
import {DEDUPE_LAPS} from './schema.js'
import {rawSql, readSql, runSql, type Sql, sql, sqlString} from './sql.js'
import type {Writer} from './writer.js'

/**
 * Puts an archived session back into the live DB (`archive --restore FILE`), in the store worker.
 * One transaction: every table's rows are inserted under the session's key (its old one when the
 * live DB still has its `archived` row, else a new one), fingerprints are compared with the
 * archive's, and only a match commits. The session comes back as `ended`; the archive file stays.
 * A session id that exists in the live DB with its data is refused.
 */
export async function restoreArchive(writer: Writer, path: string): Promise<RestoreOutcome> {
  const started = performance.now()
  const format = archiveFormatOf(path)
  const outcome = await writer.exclusive(async (db) => {
    const c = db.writer
    const live = await catalogOf(c)
    if (format === 'duckdb') {
      try {
        await c.run(`ATTACH ${sqlString(path)} AS pw_restore (READ_ONLY)`)
      } catch (error) {
        throw new InputDataError(`${path} is not a readable DuckDB archive: ${error instanceof Error ? error.message : String(error)}`, {code: 'PW_ARCHIVE_UNREADABLE'})
      }
    }
    try {
      const from = (table: string): Sql => (format === 'duckdb' ? tableIn('pw_restore', table) : parquetTable(join(path, `${table}.parquet`)))
      const archived = await archivedSession(c, from('sessions'), path)
      const existing = await findSession(c, archived.id)
      if (existing && existing.state !== 'archived') {
        throw new UsageError(`session ${archived.id} is already in the live DB (${existing.state}): nothing was restored`, {
          code: 'PW_SESSION_EXISTS',
          suggestions: [`pitwall replay ${archived.id} reads it from the live DB as it is`],
        })
      }
      const key = existing?.key ?? Number((await readSql(c, sql`SELECT coalesce(max(session_key), 0) + 1 AS k FROM sessions`))[0]!['k'])
      const target = {carHash: archived.carHash, key}
      const source = {carHash: archived.carHash, key: archived.key}
      await c.run('BEGIN TRANSACTION')
      try {
        await runSql(c, sql`DELETE FROM sessions WHERE id = ${archived.id}`)
        const rows: Record<string, number> = {}
        for (const {exclude, table} of ARCHIVED_TABLES) {
          const order = rawSql(format === 'duckdb' ? 'ORDER BY rowid' : '')
          if (table === 'cars') {
            await runSql(c, sql`INSERT INTO cars BY NAME SELECT * FROM ${from('cars')} WHERE content_hash NOT IN (SELECT content_hash FROM cars) ${order}`)
          } else {
            const replace = table === 'sessions' ? sql`${key} AS session_key, 'ended' AS state, NULL::VARCHAR AS archive_path` : sql`${key} AS session_key`
            await runSql(c, sql`INSERT INTO ${tableIn(live, table)} BY NAME SELECT * REPLACE (${replace}) FROM ${from(table)} ${sessionFilter(table, source)} ${order}`)
          }
          // A car the live DB already had is the same definition (same content hash), stored at another time.
          const skip = table === 'cars' ? ['car_id', 'car_file', 'stored_us'] : exclude
          const expected = await fingerprint(c, from(table), sessionFilter(table, source), skip)
          const actual = await fingerprint(c, tableIn(live, table), sessionFilter(table, target), skip)
          const problems = compareFingerprints(table, expected, actual)
          if (problems.length > 0) throw new InternalError(`restoring ${archived.id} did not verify: ${problems.slice(0, 3).join('; ')}; nothing was restored`, {code: 'PW_RESTORE_VERIFY'})
          rows[table] = actual.rows
        }
        // An archive an older pitwall wrote may hold a lap twice: keep one per lap, as the schema migration does.
        rows['laps'] = (rows['laps'] ?? 0) - (await runSql(c, rawSql(DEDUPE_LAPS)))
        await c.run('COMMIT')
        return {format, id: archived.id, ms: 0, path, rows, sessionKey: key}
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined)
        throw error
      }
    } finally {
      if (format === 'duckdb') await c.run('DETACH DATABASE IF EXISTS pw_restore')
    }
  })
  await writer.checkpoint()
  return {...outcome, ms: Math.round(performance.now() - started)}
}

/** A `.duckdb` file, or a parquet session folder (it holds `frames.parquet`). */
export function archiveFormatOf(path: string): ArchiveFormat {
  if (!existsSync(path)) throw new UsageError(`${path}: no such archive`, {code: 'PW_ARCHIVE_NOT_FOUND', suggestions: ['archives are in <data-dir>/archive/']})
  if (!statSync(path).isDirectory()) return 'duckdb'
  if (existsSync(join(path, 'frames.parquet')) && existsSync(join(path, 'sessions.parquet'))) return 'parquet'
  throw new InputDataError(`${path} is a folder without sessions.parquet and frames.parquet: not a parquet session archive`, {
    code: 'PW_ARCHIVE_UNREADABLE',
    suggestions: ['give the session=<id> folder under archive/parquet/car=<car>/date=<day>/'],
  })
}

async function archivedSession(c: DuckConnection, from: Sql, path: string): Promise<{id: string; key: number; carHash: string}> {
  let rows
  try {
    rows = await readSql(c, sql`SELECT id, session_key, car_hash FROM ${from}`)
  } catch (error) {
    throw new InputDataError(`${path} is not a pitwall session archive: ${error instanceof Error ? error.message : String(error)}`, {code: 'PW_ARCHIVE_UNREADABLE'})
  }
  if (rows.length !== 1) {
    throw new InputDataError(`${path} holds ${rows.length} sessions; an archive holds exactly one`, {code: 'PW_ARCHIVE_UNREADABLE'})
  }
  const r = rows[0]!
  return {carHash: String(r['car_hash']), id: String(r['id']), key: Number(r['session_key'])}
}
