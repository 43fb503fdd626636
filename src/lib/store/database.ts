import {rmSync} from 'node:fs'

import {DuckDBConnection, DuckDBInstance} from '@duckdb/node-api'

import {InputDataError, UnavailableError} from '../errors.js'
import {classifyDuckDbError} from './duckdb-errors.js'
import {MIGRATIONS, SCHEMA_VERSION} from './schema.js'

/** Raised when the file is damaged: the caller salvages it (the only case that moves a file). */
export class CorruptDatabaseError extends Error {
  readonly code = 'PW_DB_CORRUPT'
}

/** The one DuckDB instance of a live file in this process, with its writer connection. */
export interface OpenDatabase {
  readonly instance: DuckDBInstance
  readonly writer: DuckDBConnection
  readonly path: string
}

/**
 * DuckDB settings for the live file. Automatic checkpoints are raised out of the way: the writer
 * issues CHECKPOINT itself, asynchronously, when ingest is idle.
 */
export const LIVE_DB_OPTIONS = {checkpoint_threshold: '1GB'} as const

/**
 * Opens (or creates) the live DB and brings its schema to this code's version in one
 * transaction. Every failure is typed: a lock held by another process, a file we may not write, a
 * full disk or a newer format stop with a clear message and touch nothing; only a damaged file
 * raises CorruptDatabaseError for the salvage path.
 */
export async function openDatabase(path: string): Promise<OpenDatabase> {
  // A copy left by an interrupted vacuum is never the live file: the swap is a rename.
  rmSync(`${path}.vacuum-tmp`, {force: true})
  rmSync(`${path}.vacuum-tmp.wal`, {force: true})
  let instance: DuckDBInstance
  try {
    instance = await DuckDBInstance.create(path, LIVE_DB_OPTIONS)
  } catch (error) {
    throw openError(path, error)
  }
  const writer = await instance.connect()
  try {
    await migrate(writer)
  } catch (error) {
    writer.closeSync()
    instance.closeSync()
    throw error instanceof InputDataError ? error : openError(path, error)
  }
  return {instance, path, writer}
}

async function migrate(connection: DuckDBConnection): Promise<void> {
  await connection.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_us BIGINT NOT NULL, note VARCHAR)')
  const rows = (await connection.runAndReadAll('SELECT coalesce(max(version), 0) AS v FROM schema_version')).getRowObjects()
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
      await connection.run(`INSERT INTO schema_version VALUES (${m.version}, ${Date.now() * 1000}, '${m.note.replaceAll("'", "''")}')`)
    }
    await connection.run('COMMIT')
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined)
    throw error
  }
}

function openError(path: string, error: unknown): Error {
  const failure = classifyDuckDbError(error)
  const detail = error instanceof Error ? error.message : String(error)
  switch (failure.kind) {
    case 'locked': {
      const who = failure.pid ? `process ${failure.pid}${failure.holder ? ` (${failure.holder})` : ''}` : 'another process'
      return new UnavailableError(`the live DB ${path} is held by ${who}: DuckDB allows one process per file`, {
        code: 'PW_DB_LOCKED',
        suggestions: [
          failure.pid ? `if that is pitwall serve, talk to it through its HTTP API, or stop it first (kill ${failure.pid})` : 'stop the other pitwall process first',
          'or use another --data-dir',
        ],
      })
    }
    case 'newer-storage':
      return new InputDataError(`${path} was written by a newer DuckDB than this pitwall's: ${detail}`, {code: 'PW_DB_TOO_NEW', suggestions: ['upgrade pitwall']})
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
