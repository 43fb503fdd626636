/**
 * Corruption salvage: the only path that moves the live DB. It runs when opening raised
 * CorruptDatabaseError (a checksum failure, a file DuckDB does not recognise, an internal error
 * at open, or a damaged block found by the open-time read of every table), never for a lock, a
 * permission, a full disk or a newer format.
 *
 * 1. Write `pitwall.duckdb.salvaging` (the plan), then rename the file and its WAL to
 *    `pitwall.duckdb.corrupted-<timestamp>` and `…corrupted-<timestamp>.wal` (same directory,
 *    so the move is a rename: nothing is copied or deleted).
 * 2. Create `pitwall.duckdb.salvage-tmp`, attach the damaged file READ_ONLY (DuckDB replays its
 *    WAL in memory, changing nothing on disk) and copy every table it can read (salvage-copy.ts).
 * 3. Record the outcome per table in `recoveries` (and a line in `ingest_log`), checkpoint,
 *    fsync, rename it to `pitwall.duckdb`, fsync the directory, remove the plan.
 * A crash anywhere in between resumes from the plan at the next open.
 */
import {closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import {InputDataError} from '../errors.js'
import {closeDatabase, CorruptDatabaseError, type OpenDatabase, openDatabase} from './database.js'
import {describeDriver} from './driver/index.js'
import {tooNewRemedy} from './driver-remedy.js'
import {copyReadableTables, DAMAGED, type SalvageTarget} from './salvage-copy.js'
import {allRecoveries, recordRecovery, type RecoveryReport, type TableRecovery} from './salvage-report.js'
import {SESSION_TABLES} from './schema.js'
import {sessionId} from './sessions.js'
import {rawSql, readSql, runSql, sql, sqlString} from './sql.js'

export type {RecoveryReport, TableRecovery} from './salvage-report.js'

/** What the salvage will do, written before it starts so that a crash can finish it. */
interface Plan {
  readonly atUs: number
  readonly movedTo: string
  readonly walMovedTo?: string
  readonly cause: string
}

/** Every table of schema v1, for the report when the damaged file cannot be read at all. */
const KNOWN_TABLES = ['sessions', 'cars', ...SESSION_TABLES, 'recoveries'].filter((t, i, all) => all.indexOf(t) === i)

/**
 * Opens the live DB; when it is damaged, moves it aside, salvages it into a fresh file and
 * returns that with the report. Every other failure propagates untouched.
 */
export async function openOrSalvage(path: string, now: () => number = Date.now): Promise<{db: OpenDatabase; recovery?: RecoveryReport}> {
  const planFile = `${path}.salvaging`
  if (existsSync(planFile)) return resume(path, JSON.parse(readFileSync(planFile, 'utf8')) as Plan)
  try {
    return {db: await openDatabase(path)}
  } catch (error) {
    if (!(error instanceof CorruptDatabaseError)) throw error
    await refuseIfWrittenByNewerDuckDb(path, error)
    const atUs = now() * 1000
    const movedTo = freeName(`${path}.corrupted-${stamp(atUs)}`)
    const plan: Plan = {atUs, cause: error.message, movedTo, ...(existsSync(`${path}.wal`) ? {walMovedTo: `${movedTo}.wal`} : {})}
    writeDurably(planFile, JSON.stringify(plan))
    return resume(path, plan)
  }
}

async function resume(path: string, plan: Plan): Promise<{db: OpenDatabase; recovery: RecoveryReport}> {
  const planFile = `${path}.salvaging`
  if (existsSync(plan.movedTo) && existsSync(path)) {
    // The rename into place (the last step) happened; only the plan was left behind.
    rmSync(planFile)
    const db = await openDatabase(path)
    const recovery = (await allRecoveries(db.writer)).find((r) => r.atUs === plan.atUs)
    return {db, recovery: recovery ?? {...plan, tables: []}}
  }
  if (!existsSync(plan.movedTo)) renameSync(path, plan.movedTo)
  if (plan.walMovedTo && existsSync(`${path}.wal`) && !existsSync(plan.walMovedTo)) renameSync(`${path}.wal`, plan.walMovedTo)
  fsyncPath(dirname(path))

  const tmp = `${path}.salvage-tmp`
  // Only our own unfinished copy from an interrupted salvage: its source is still beside it.
  rmSync(tmp, {force: true})
  rmSync(`${tmp}.wal`, {force: true})
  let db = await openDatabase(tmp)
  const target: SalvageTarget = {
    connection: () => db.writer,
    reconnect: async () => {
      closeQuietly(db)
      db = await openDatabase(tmp)
      await db.writer.run(`ATTACH ${sqlString(plan.movedTo)} AS ${DAMAGED} (READ_ONLY)`)
    },
  }
  let tables: TableRecovery[] = []
  let walMovedTo = plan.walMovedTo
  // An empty file (a create that died at once, or on a full disk) holds nothing to copy.
  const empty = statSync(plan.movedTo).size === 0 && !walMovedTo
  const attached = empty ? undefined : await attachDamaged(db, plan)
  if (attached?.ok) {
    tables = await copyReadableTables(target)
    await target.connection().run(`DETACH ${DAMAGED}`)
    if (attached.walSkipped) {
      walMovedTo = attached.walSkipped.keptAs
      tables.push({detail: `not replayed (${attached.walSkipped.error.split('\n')[0]}); kept as ${walMovedTo}`, rows: 0, status: 'lost', table: '(wal)'})
    }
  } else if (attached) {
    tables = KNOWN_TABLES.map((table) => ({detail: `the damaged file cannot be opened: ${attached.error.split('\n')[0]}`, rows: 0, status: 'lost' as const, table}))
  }
  tables = await rebuildOrphanSessions(db, tables, plan.atUs)
  const recovery: RecoveryReport = {atUs: plan.atUs, cause: plan.cause, movedTo: plan.movedTo, tables, ...(walMovedTo ? {walMovedTo} : {})}
  await recordRecovery(db.writer, recovery)
  const summary = tables.map((t) => `${t.table} ${t.status} ${t.rows}`).join(', ')
  await runSql(
    db.writer,
    sql`INSERT INTO ingest_log (session_key, ts_us, source, event, reason, detail) VALUES (NULL, ${plan.atUs}, 'store', 'recovery', 'corrupt', ${`moved to ${plan.movedTo}; ${summary}`})`,
  )
  await db.writer.run('CHECKPOINT')
  closeQuietly(db)
  fsyncPath(tmp)
  renameSync(tmp, path)
  fsyncPath(dirname(path))
  rmSync(planFile)
  fsyncPath(dirname(path))
  return {db: await openDatabase(path), recovery}
}

type Attached = {ok: true; walSkipped?: {error: string; keptAs: string}} | {ok: false; error: string}

/**
 * Attaches the damaged file read-only, with its WAL. If the WAL cannot be replayed, the file is
 * tried without it: the WAL is renamed (never deleted) to `….wal.unreplayed` for that.
 */
async function attachDamaged(db: OpenDatabase, plan: Plan): Promise<Attached> {
  const attach = (): Promise<unknown> => db.writer.run(`ATTACH ${sqlString(plan.movedTo)} AS ${DAMAGED} (READ_ONLY)`)
  try {
    await attach()
    return {ok: true}
  } catch (error) {
    const first = error instanceof Error ? error.message : String(error)
    const wal = `${plan.movedTo}.wal`
    if (!existsSync(wal)) return {error: first, ok: false}
    const keptAs = `${wal}.unreplayed`
    renameSync(wal, keptAs)
    try {
      await attach()
      return {ok: true, walSkipped: {error: first, keptAs}}
    } catch {
      // The main file is what fails: keep the pair as it was.
      renameSync(keptAs, wal)
      return {error: first, ok: false}
    }
  }
}

/**
 * Rows whose session row did not survive would be invisible to every session command. They get a
 * stand-in session (`…-recovered-<key>`, car unknown, ended with reason `recovered`) built from
 * the rows themselves; the sessions entry of the report says how many.
 */
async function rebuildOrphanSessions(db: OpenDatabase, tables: TableRecovery[], atUs: number): Promise<TableRecovery[]> {
  const sessions = tables.find((t) => t.table === 'sessions')
  if (sessions?.status === 'recovered') return tables
  const orphans = await readSql(
    db.writer,
    rawSql(`
      WITH keyed AS (
        SELECT session_key AS k, ts_us AS t, 1 AS f, 0 AS s FROM frames
        UNION ALL SELECT session_key, ts_us, 0, 1 FROM samples
        UNION ALL SELECT session_key, NULL, 0, 0 FROM channels
        UNION ALL SELECT session_key, NULL, 0, 0 FROM sources)
      SELECT k, min(t) AS first_us, max(t) AS last_us, sum(f) AS frames, sum(s) AS samples FROM keyed
      WHERE k IS NOT NULL AND k NOT IN (SELECT session_key FROM sessions)
      GROUP BY k ORDER BY k`),
  )
  for (const o of orphans) {
    const first = o['first_us'] === null ? atUs : Number(o['first_us'])
    const last = o['last_us'] === null ? null : Number(o['last_us'])
    const id = `${sessionId(first, 'recovered')}-${Number(o['k'])}`
    await runSql(
      db.writer,
      sql`INSERT INTO sessions (id, session_key, car_id, car_hash, state, end_reason, started_us, ended_us, first_frame_us, last_frame_us, frames, samples)
          VALUES (${id}, ${Number(o['k'])}, 'unknown', '', 'ended', 'recovered', ${first}, ${last}, ${o['first_us'] === null ? null : first}, ${last}, ${Number(o['frames'])}, ${Number(o['samples'])})`,
    )
  }
  if (orphans.length === 0) return tables
  const note = `${orphans.length} session(s) rebuilt from their surviving rows (car unknown, end reason 'recovered')`
  return tables.map((t) => (t === sessions ? {...t, detail: t.detail ? `${t.detail}; ${note}` : note} : t))
}

/**
 * A file made by a newer DuckDB may fail to load in ways that look like damage. Its header names
 * the DuckDB that created it: if that is newer than ours, refuse instead of moving it aside.
 */
async function refuseIfWrittenByNewerDuckDb(path: string, error: Error): Promise<void> {
  const creator = creatorVersion(path)
  const ours = (await describeDriver()).libraryVersion
  if (creator && compareVersions(creator, ours) > 0) {
    const {about, suggestions} = await tooNewRemedy()
    throw new InputDataError(`${path} was created by DuckDB ${creator}, newer than this pitwall's ${ours}, which cannot read it: ${error.message} (${about})`, {
      code: 'PW_DB_TOO_NEW',
      suggestions,
    })
  }
}

/** The `v1.5.6` DuckDB writes into the main header of a file it creates (bytes 52..84). */
export function creatorVersion(path: string): string | undefined {
  const header = Buffer.alloc(84)
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    if (readSync(fd, header, 0, 84, 0) < 84 || header.toString('latin1', 8, 12) !== 'DUCK') return undefined
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  const text = header.toString('latin1', 52, 84).replace(/\0.*$/s, '')
  return /^v\d+\.\d+\.\d+/.test(text) ? text : undefined
}

function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => (/(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number)
  const [x, y] = [parts(a), parts(b)]
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0)
  return 0
}

/** `20261122T091403Z`: sorts by time, safe in a file name. */
function stamp(atUs: number): string {
  return new Date(Math.floor(atUs / 1000)).toISOString().slice(0, 19).replaceAll('-', '').replaceAll(':', '') + 'Z'
}

function freeName(base: string): string {
  let name = base
  for (let n = 2; existsSync(name) || existsSync(`${name}.wal`); n++) name = `${base}-${n}`
  return name
}

function writeDurably(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text)
  fsyncPath(`${file}.tmp`)
  renameSync(`${file}.tmp`, file)
  fsyncPath(dirname(file))
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function closeQuietly(db: OpenDatabase): void {
  try {
    closeDatabase(db)
  } catch {
    // Already unusable (invalidated): the handles go either way.
  }
}
