/**
 * Archiving one session, in the store worker (where the live DB's DuckDB instance is). The order
 * of the steps is the crash-safety argument (docs/archive-vacuum.md): the archive is written under
 * `.partial`, closed, reopened and verified, fsynced, renamed and its directory fsynced; only then
 * are the session's rows removed from the live DB, in one transaction. A kill before the rename
 * leaves the live session intact and a `.partial` the next run removes; a kill after it leaves a
 * verified archive that the next run checks again and finishes.
 */
import {existsSync, rmSync} from 'node:fs'
import {join, relative, sep} from 'node:path'

import type {DuckConnection} from './driver/index.js'

import {InternalError, UsageError} from '../errors.js'
import {durableRename, fsyncTree, treeBytes} from './archive-fs.js'
import {ARCHIVED_TABLES, compareFingerprints, fingerprint, parquetTable, tableIn} from './archive-checksum.js'
import {archiveTarget, type ArchiveTarget, findPartials, mkdirDurable} from './archive-target.js'
import type {ArchiveFormat, ArchiveOutcome, ArchiveRecovery, ArchiveRequest} from './archive-types.js'
import {type OpenDatabase, STORAGE_VERSION} from './database.js'
import {numberOrNull as num, stringOrNull} from './rows.js'
import {MIGRATIONS, SESSION_TABLES} from './schema.js'
import {rawSql, readSql, runSql, type Sql, sql, sqlIdent, sqlString} from './sql.js'
import type {Writer} from './writer.js'

/** A session row, as far as archiving needs it. */
export interface StoredSession {
  readonly id: string
  readonly key: number
  readonly state: string
  readonly carId: string
  readonly carHash: string
  readonly startedUs: number
  readonly firstFrameUs: number | null
  readonly archivePath: string | null
  readonly pid: number | null
}

/**
 * Archives one ended session (see the file comment for the order of the steps). Refuses an
 * unknown, live or already archived session with a UsageError; a verification failure removes
 * the `.partial`, keeps the live session and throws.
 */
export async function archiveSession(writer: Writer, request: ArchiveRequest): Promise<ArchiveOutcome> {
  const started = performance.now()
  const outcome = await writer.exclusive(async (db) => {
    const c = db.writer
    const live = await catalogOf(c)
    const session = await findSession(c, request.sessionId)
    refuseUnarchivable(request.sessionId, session)
    const target = archiveTarget(request.dataDir, session, request.format)
    const completedEarlierRun = existsSync(target.final)
    let rows: Record<string, number>
    if (completedEarlierRun) {
      // An earlier run was stopped after its rename: the archive is complete, check it again.
      const check = await verifyArchive(c, live, session, target.final, target.format)
      if (check.problems.length > 0) {
        throw new InternalError(`${target.relative} exists but does not match session ${session.id}: ${check.problems.slice(0, 3).join('; ')}; nothing was removed`, {
          code: 'PW_ARCHIVE_MISMATCH',
          suggestions: [`move ${target.relative} aside, then archive ${session.id} again`],
        })
      }
      rows = check.rows
    } else if (request.dryRun) {
      rows = await liveCounts(c, live, session)
    } else {
      // The intent, committed first: the next run finishes (or forgets) only what a run started.
      await runSql(c, sql`UPDATE sessions SET archive_path = ${target.relative} WHERE session_key = ${session.key}`)
      try {
        rows = await writeVerified(db, live, session, target, request.dataDir)
      } catch (error) {
        await runSql(c, sql`UPDATE sessions SET archive_path = NULL WHERE session_key = ${session.key}`).catch(() => undefined)
        throw error
      }
    }
    if (!request.dryRun) await removeFromLive(c, session, target.relative)
    return {
      bytes: request.dryRun && !completedEarlierRun ? 0 : treeBytes(target.final),
      completedEarlierRun,
      dryRun: request.dryRun,
      format: request.format,
      frames: rows['frames'] ?? 0,
      id: session.id,
      ms: 0,
      path: target.relative,
      rows,
      samples: rows['samples'] ?? 0,
    }
  })
  // Freed blocks are reused by later appends; giving the space back to the disk is vacuum's job.
  if (!request.dryRun) await writer.checkpoint()
  return {...outcome, ms: Math.round(performance.now() - started)}
}

/**
 * The start of every archive run: removes `.partial` leftovers (never archives: the live session
 * they came from is intact) and finishes sessions whose final archive exists and verifies.
 */
export async function recoverArchives(writer: Writer, dataDir: string, dryRun: boolean): Promise<ArchiveRecovery> {
  const partials = findPartials(dataDir)
  if (!dryRun) for (const p of partials) rmSync(p, {force: true, recursive: true})
  // Sessions an interrupted run had started to archive: still `ended`, with the intended path.
  const started = await writer.exclusive(async (db) => {
    const rows = await readSql(db.writer, sql`SELECT id FROM sessions WHERE state = 'ended' AND archive_path IS NOT NULL ORDER BY started_us, id`)
    const sessions: StoredSession[] = []
    for (const r of rows) sessions.push((await findSession(db.writer, String(r['id'])))!)
    return sessions
  })
  const completed: ArchiveOutcome[] = []
  const mismatched: Array<{id: string; path: string; problem: string}> = []
  for (const session of started) {
    const target = (['duckdb', 'parquet'] as const).map((f) => archiveTarget(dataDir, session, f)).find((t) => t.relative === session.archivePath)
    if (target && existsSync(target.final)) {
      try {
        completed.push(await archiveSession(writer, {dataDir, dryRun, format: target.format, sessionId: session.id}))
      } catch (error) {
        mismatched.push({id: session.id, path: target.relative, problem: error instanceof Error ? error.message : String(error)})
      }
    } else if (!dryRun) {
      // Stopped before its rename: no archive exists, the session is whole. Forget the intent.
      await writer.exclusive((db) => runSql(db.writer, sql`UPDATE sessions SET archive_path = NULL WHERE session_key = ${session.key} AND state = 'ended'`))
    }
  }
  return {completed, mismatched, removedPartials: partials.map((p) => relative(dataDir, p).split(sep).join('/'))}
}

/** Reads a session row by id. */
export async function findSession(c: DuckConnection, id: string): Promise<StoredSession | undefined> {
  const rows = await readSql(c, sql`SELECT id, session_key, state, car_id, car_hash, started_us, first_frame_us, archive_path, pid FROM sessions WHERE id = ${id}`)
  const r = rows[0]
  if (!r) return undefined
  return {
    archivePath: stringOrNull(r['archive_path']),
    carHash: String(r['car_hash']),
    carId: String(r['car_id']),
    firstFrameUs: num(r['first_frame_us']),
    id: String(r['id']),
    key: Number(r['session_key']),
    pid: num(r['pid']),
    startedUs: Number(r['started_us']),
    state: String(r['state']),
  }
}

function refuseUnarchivable(id: string, session: StoredSession | undefined): asserts session is StoredSession {
  if (!session) {
    throw new UsageError(`no session ${id} in the live DB`, {code: 'PW_SESSION_UNKNOWN', suggestions: ['pitwall archive --list shows the sessions']})
  }
  if (session.state === 'live') {
    throw new UsageError(`session ${id} is live${session.pid ? ` (process ${session.pid} is writing it)` : ''}: a live session is never archived`, {
      code: 'PW_SESSION_LIVE',
      suggestions: ['end it first (stop the ingest or serve that writes it), then archive it', 'or pitwall archive --all-ended, which skips live sessions'],
    })
  }
  if (session.state === 'archived') {
    throw new UsageError(`session ${id} is already archived${session.archivePath ? ` (${session.archivePath})` : ''}`, {
      code: 'PW_SESSION_ARCHIVED',
      suggestions: ['pitwall archive --restore FILE brings an archive back into the live DB'],
    })
  }
}

/** The catalog name of the live DB on this connection (the file's base name). */
export async function catalogOf(c: DuckConnection): Promise<string> {
  return String((await readSql(c, sql`SELECT current_database() AS d`))[0]!['d'])
}

/** Which rows of `table` belong to the session. */
export function sessionFilter(table: string, session: Pick<StoredSession, 'key' | 'carHash'>): Sql {
  return table === 'cars' ? sql`WHERE content_hash = ${session.carHash}` : sql`WHERE session_key = ${session.key}`
}

async function writeVerified(db: OpenDatabase, live: string, session: StoredSession, target: ArchiveTarget, dataDir: string): Promise<Record<string, number>> {
  rmSync(target.partial, {force: true, recursive: true})
  rmSync(`${target.partial}.wal`, {force: true})
  mkdirDurable(join(target.final, '..'), dataDir)
  try {
    if (target.format === 'duckdb') await writeDuckdb(db, live, session, target.partial)
    else await writeParquet(db.writer, live, session, target.partial)
    if (existsSync(`${target.partial}.wal`)) throw new Error('the archive left a WAL after its checkpoint')
    const check = await verifyArchive(db.writer, live, session, target.partial, target.format)
    if (check.problems.length > 0) throw new Error(`verification failed: ${check.problems.slice(0, 3).join('; ')}`)
    fsyncTree(target.partial)
    durableRename(target.partial, target.final)
    return check.rows
  } catch (error) {
    rmSync(target.partial, {force: true, recursive: true})
    rmSync(`${target.partial}.wal`, {force: true})
    if (error instanceof InternalError || error instanceof UsageError) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new InternalError(`archiving ${session.id} failed, the live session is intact: ${message}`, {code: 'PW_ARCHIVE_FAILED', cause: error})
  }
}

async function writeDuckdb(db: OpenDatabase, live: string, session: StoredSession, path: string): Promise<void> {
  const c = db.writer
  // The storage version is explicit (database.ts): an archive opens in the `duckdb` CLI or Python
  // a crew member already has, not only in a DuckDB as new as ours.
  await c.run(`ATTACH ${sqlString(path)} AS pw_archive (STORAGE_VERSION ${sqlString(STORAGE_VERSION)})`)
  try {
    await createSchema(db, 'pw_archive')
    await c.run('BEGIN TRANSACTION')
    try {
      for (const {table} of ARCHIVED_TABLES) {
        await runSql(c, sql`INSERT INTO ${tableIn('pw_archive', table)} BY NAME SELECT * FROM ${tableIn(live, table)} ${sessionFilter(table, session)} ORDER BY rowid`)
      }
      await c.run('COMMIT')
    } catch (error) {
      await c.run('ROLLBACK').catch(() => undefined)
      throw error
    }
    await c.run('CHECKPOINT pw_archive')
  } finally {
    await c.run('DETACH DATABASE IF EXISTS pw_archive')
  }
}

/** The live schema (every migration, and the schema_version rows) in an attached, empty database. */
async function createSchema(db: OpenDatabase, catalog: string): Promise<void> {
  // USE is per connection: a connection of its own leaves the writer's default catalog alone.
  const c = await db.instance.connect()
  try {
    await c.run(`USE ${sqlIdent(catalog)}`)
    await c.run('CREATE TABLE schema_version (version INTEGER NOT NULL, applied_us BIGINT NOT NULL, note VARCHAR)')
    for (const m of MIGRATIONS) {
      await c.run(m.sql)
      await runSql(c, sql`INSERT INTO schema_version VALUES (${m.version}, ${Date.now() * 1000}, ${m.note})`)
    }
  } finally {
    c.close()
  }
}

async function writeParquet(c: DuckConnection, live: string, session: StoredSession, dir: string): Promise<void> {
  mkdirDurable(dir, join(dir, '..'))
  for (const {table} of ARCHIVED_TABLES) {
    const file = join(dir, `${table}.parquet`)
    await runSql(c, sql`COPY (SELECT * FROM ${tableIn(live, table)} ${sessionFilter(table, session)} ORDER BY rowid) TO ${rawSql(sqlString(file))} (FORMAT parquet, COMPRESSION zstd)`)
  }
}

/** Reopens an archive (read only) and compares every table's fingerprint with the live session's. */
export async function verifyArchive(
  c: DuckConnection,
  live: string,
  session: StoredSession,
  path: string,
  format: ArchiveFormat,
): Promise<{problems: string[]; rows: Record<string, number>}> {
  const problems: string[] = []
  const rows: Record<string, number> = {}
  if (format === 'duckdb') await c.run(`ATTACH ${sqlString(path)} AS pw_verify (READ_ONLY)`)
  try {
    for (const {exclude, table} of ARCHIVED_TABLES) {
      const where = sessionFilter(table, session)
      const expected = await fingerprint(c, tableIn(live, table), where, exclude)
      const from = format === 'duckdb' ? tableIn('pw_verify', table) : parquetTable(join(path, `${table}.parquet`))
      const actual = await fingerprint(c, from, where, exclude)
      problems.push(...compareFingerprints(table, expected, actual))
      rows[table] = actual.rows
    }
  } finally {
    if (format === 'duckdb') await c.run('DETACH DATABASE IF EXISTS pw_verify')
  }
  return {problems, rows}
}

async function liveCounts(c: DuckConnection, live: string, session: StoredSession): Promise<Record<string, number>> {
  const rows: Record<string, number> = {}
  for (const {table} of ARCHIVED_TABLES) {
    const r = await readSql(c, sql`SELECT count(*) AS n FROM ${tableIn(live, table)} ${sessionFilter(table, session)}`)
    rows[table] = Number(r[0]!['n'])
  }
  return rows
}

/** One transaction: the session's rows go, its row stays as `archived` with where the archive is. */
async function removeFromLive(c: DuckConnection, session: StoredSession, archivePath: string): Promise<void> {
  await c.run('BEGIN TRANSACTION')
  try {
    for (const table of SESSION_TABLES) await runSql(c, sql`DELETE FROM ${rawSql(sqlIdent(table))} WHERE session_key = ${session.key}`)
    const marked = await runSql(c, sql`UPDATE sessions SET state = 'archived', archive_path = ${archivePath} WHERE session_key = ${session.key} AND state = 'ended'`)
    if (marked !== 1) throw new InternalError(`session ${session.id} changed while it was archived`, {code: 'PW_ARCHIVE_RACE'})
    await c.run('COMMIT')
  } catch (error) {
    await c.run('ROLLBACK').catch(() => undefined)
    throw error
  }
}
