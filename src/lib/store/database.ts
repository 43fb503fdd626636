import {accessSync, constants, readFileSync, rmSync} from 'node:fs'
import {dirname} from 'node:path'

import {InputDataError, PitwallError, UnavailableError} from '../errors.js'
import {type DuckConnection, type DuckDatabase, openDuckDatabase} from './driver/index.js'
import {classifyDuckDbError} from './duckdb-errors.js'
import {tooNewRemedy} from './driver-remedy.js'
import {verifyReadable} from './salvage-verify.js'
import {MIGRATIONS, SCHEMA_VERSION} from './schema.js'
import {readSql, runSql, sql} from './sql.js'

/** Raised when the file is damaged: the caller salvages it (the only case that moves a file). */
export class CorruptDatabaseError extends Error {
  readonly code = 'PW_DB_CORRUPT'
}

/** The one DuckDB instance of a live file in this process, with its writer connection. */
export interface OpenDatabase {
  readonly instance: DuckDatabase
  readonly writer: DuckConnection
  readonly path: string
}

/**
 * The DuckDB storage format of every file pitwall creates (the live DB, vacuum's copy, salvage's
 * new file, archives). v1.0.0 is read by every DuckDB since 1.0 (and by 0.10.x), so a newer
 * library (Termux's libduckdb after a `pkg upgrade`) never writes a format that an older one, or
 * the other driver, cannot read; it applies to files created from then on, ATTACHed ones included.
 */
export const STORAGE_VERSION = 'v1.0.0'

/**
 * DuckDB settings for the live file. Automatic checkpoints are raised out of the way: the writer
 * issues CHECKPOINT itself, asynchronously, when ingest is idle. DuckDB's buffer pool defaults to
 * 80 % of RAM and keeps every block it wrote until then: bench/store-write.ts saw RSS grow by
 * about 100 MB per million E46 frames without a limit and stay flat with this one (it spills to
 * `<file>.tmp/` past it). A phone has no RAM to spare for that.
 *
 * One DuckDB thread: ingest commits small transactions a few times a second, and with a thread
 * per core DuckDB's idle workers spin on every commit. At the seed's 350 frames/s that cost the
 * ingest process about 5 % of a core of its 13–20 % (bench/ingest-e2e.ts, docs/perf-baseline.md);
 * the store-write bench wrote as fast with one thread. Queries on the live DB run on one core
 * (a 60 s window of one channel took 25 ms instead of 16 ms); set `PITWALL_DUCKDB_THREADS` for more.
 */
export const LIVE_DB_OPTIONS = {checkpoint_threshold: '1GB', memory_limit: '128MB', storage_compatibility_version: STORAGE_VERSION, threads: '1'} as const

/**
 * LIVE_DB_OPTIONS with `PITWALL_DUCKDB_THREADS` (1 to 64) in place of the one thread and
 * `PITWALL_DUCKDB_MEMORY_LIMIT` (DuckDB's own syntax: 64MB, 1GB) in place of 128 MB. Read in the
 * store worker, which inherits the environment; a malformed value stops the open with a clear error.
 */
export function liveDbOptions(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const options: Record<string, string> = {...LIVE_DB_OPTIONS}
  const threads = env['PITWALL_DUCKDB_THREADS']
  if (threads !== undefined && threads !== '') {
    if (!/^\d+$/.test(threads) || Number(threads) < 1 || Number(threads) > 64) {
      throw new InputDataError(`environment PITWALL_DUCKDB_THREADS="${threads}": give a whole number of threads from 1 to 64`, {
        code: 'PW_BAD_SETTING',
        suggestions: ['unset it for one thread (the default), or give the number of cores for the fastest queries'],
      })
    }
    options['threads'] = String(Number(threads))
  }
  const memory = env['PITWALL_DUCKDB_MEMORY_LIMIT']
  if (memory !== undefined && memory !== '') {
    if (!/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i.test(memory.trim())) {
      throw new InputDataError(`environment PITWALL_DUCKDB_MEMORY_LIMIT="${memory}": give a size like 64MB or 1GB`, {code: 'PW_BAD_SETTING', suggestions: ['unset it for 128MB (the default)']})
    }
    options['memory_limit'] = memory.trim()
  }
  return options
}

/**
 * Opens (or creates) the live DB and brings its schema to this code's version in one
 * transaction. Every failure is typed: a lock held by another process, a file we may not write, a
 * full disk or a newer format stop with a clear message and touch nothing; only a damaged file
 * raises CorruptDatabaseError for the salvage path.
 */
export async function openDatabase(path: string): Promise<OpenDatabase> {
  // DuckDB opens a file in a read-only directory and fails only at the first commit, when it
  // cannot create the WAL beside it: say so now. (Root may write anywhere, and does.)
  try {
    accessSync(dirname(path), constants.W_OK)
  } catch (error) {
    throw new UnavailableError(`cannot write to ${dirname(path)}: ${(error as Error).message}`, {
      code: 'PW_DB_PERMISSION',
      suggestions: ['the live DB needs a writable data dir (it writes pitwall.duckdb.wal beside it)', 'or use another --data-dir'],
    })
  }
  const options = liveDbOptions()
  let instance: DuckDatabase
  try {
    instance = await openDuckDatabase(path, options)
  } catch (error) {
    throw await openError(path, error)
  }
  // Only now, holding the file's lock: a copy left by an interrupted vacuum is never the live file
  // (the swap is a rename), but while another process holds the DB its vacuum may be writing it.
  rmSync(`${path}.vacuum-tmp`, {force: true})
  rmSync(`${path}.vacuum-tmp.wal`, {force: true})
  const writer = await instance.connect()
  try {
    await verifyReadable(writer)
    await migrate(writer)
  } catch (error) {
    // A failed open leaves the file as it found it: closing would otherwise fold a replayed WAL
    // into a file that is about to be moved aside (or that a newer pitwall wrote).
    await writer.run('PRAGMA disable_checkpoint_on_shutdown').catch(() => undefined)
    writer.close()
    instance.close()
    throw error instanceof InputDataError ? error : await openError(path, error)
  }
  return {instance, path, writer}
}

/**
 * Closes `connections` (the reader, say), the writer, then the instance, which frees the file for
 * the next open. Each is tried on its own (an invalidated handle may throw); the first error is
 * rethrown after all were tried.
 */
export function closeDatabase(db: OpenDatabase, ...connections: Array<DuckConnection | undefined>): void {
  let first: unknown
  for (const close of [...connections.map((c) => () => c?.close()), () => db.writer.close(), () => db.instance.close()]) {
    try {
      close()
    } catch (error) {
      first ??= error
    }
  }
  if (first !== undefined) throw first
}

async function migrate(connection: DuckConnection): Promise<void> {
  await connection.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_us BIGINT NOT NULL, note VARCHAR)')
  const rows = await readSql(connection, sql`SELECT coalesce(max(version), 0) AS v FROM schema_version`)
  const current = Number(rows[0]?.['v'] ?? 0)
  if (current > SCHEMA_VERSION) {
    throw new InputDataError(`the live DB has schema version ${current}; this pitwall knows up to ${SCHEMA_VERSION}`, {
      code: 'PW_DB_TOO_NEW',
      suggestions: ['upgrade pitwall (a newer version wrote this file)', 'or point --data-dir at another directory'],
    })
  }
  const pending = MIGRATIONS.filter((m) => m.version > current)
  if (pending.length === 0) return
  await connection.run('BEGIN TRANSACTION')
  try {
    for (const m of pending) {
      await connection.run(m.sql)
      await runSql(connection, sql`INSERT INTO schema_version VALUES (${m.version}, ${Date.now() * 1000}, ${m.note})`)
    }
    await connection.run('COMMIT')
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined)
    throw error
  }
}

async function openError(path: string, error: unknown): Promise<Error> {
  // The seam's own refusals (a bad driver setting, no driver, a file already open) say it all.
  if (error instanceof PitwallError) return error
  const failure = classifyDuckDbError(error)
  const detail = error instanceof Error ? error.message : String(error)
  switch (failure.kind) {
    case 'locked': {
      const holder = failure.pid ? (commandLineOf(failure.pid) ?? failure.holder) : undefined
      const who = failure.pid ? `process ${failure.pid}${holder ? ` (${holder})` : ''}` : 'another process'
      return new UnavailableError(`the live DB ${path} is held by ${who}: DuckDB allows one process per file`, {
        code: 'PW_DB_LOCKED',
        suggestions: [
          failure.pid ? `if that is pitwall serve, talk to it through its HTTP API, or stop it first (kill ${failure.pid})` : 'stop the other pitwall process first',
          'or use another --data-dir',
        ],
      })
    }
    case 'newer-storage': {
      const {about, suggestions} = await tooNewRemedy()
      return new InputDataError(`${path} was written by a newer DuckDB than this pitwall's: ${detail} (${about})`, {code: 'PW_DB_TOO_NEW', suggestions})
    }
    case 'permission':
      return new UnavailableError(`cannot open ${path} for writing: ${detail}`, {code: 'PW_DB_PERMISSION', suggestions: ['check the data dir permissions, or use another --data-dir']})
    case 'disk-full':
      return new UnavailableError(`cannot open ${path}: the disk is full`, {code: 'PW_DB_DISK_FULL', suggestions: ['free some space (pitwall archive, then move archive/ off the phone)']})
    case 'corrupt':
      return new CorruptDatabaseError(detail)
    default:
      return new UnavailableError(`cannot open ${path}: ${detail}`, {code: 'PW_DB_OPEN'})
  }
}

/** `node /…/bin/run.js ingest --stdin` for a PID, where /proc shows it (Linux, our own user on Android). */
function commandLineOf(pid: number): string | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '')
    return args.length > 0 ? args.join(' ') : undefined
  } catch {
    return undefined
  }
}
