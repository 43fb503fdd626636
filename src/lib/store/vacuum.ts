/**
 * `pitwall vacuum`, in the store worker: CHECKPOINT, retention, and shrinking the file. DuckDB
 * reuses freed blocks but never gives them back to the disk, so shrinking is a copy: the live
 * database is copied into `pitwall.duckdb.vacuum-tmp`, verified table by table, fsynced, and
 * swapped in with a rename (atomic: a crash leaves either the old file or the new one, and a
 * leftover `.vacuum-tmp` is removed at the next open). Nothing else is ever removed.
 */
import {existsSync, rmSync, statfsSync, statSync} from 'node:fs'
import {dirname} from 'node:path'

import {UnavailableError} from '../errors.js'
import {durableRename, fsyncTree} from './archive-fs.js'
import {compareFingerprints, fingerprint, tableIn} from './archive-checksum.js'
import {catalogOf} from './archive-session.js'
import {type OpenDatabase, STORAGE_VERSION} from './database.js'
import {readSql, runSql, sql, sqlIdent, sqlString} from './sql.js'
import type {DbSize, VacuumOptions, VacuumResult} from './types.js'
import type {Writer} from './writer.js'

/** What vacuum needs from the worker that owns the live DB. */
export interface VacuumHost {
  readonly writer: Writer
  /**
   * Drains and closes the writer, runs `copy` on the still open instance (nothing else writes),
   * closes the instance, runs `swap` on the closed files, reopens the live DB and returns its new
   * writer with what `copy` returned. The DB is reopened even when `copy` or `swap` fail; their
   * error is rethrown.
   */
  closeAround<T>(copy: (db: OpenDatabase) => Promise<T>, swap: (copied: T) => void): Promise<{writer: Writer; copied: T}>
}

/** The suffix of the copy a shrink writes before it swaps it in. */
export const VACUUM_TMP_SUFFIX = '.vacuum-tmp'

export async function vacuum(host: VacuumHost, options: VacuumOptions): Promise<VacuumResult> {
  const started = performance.now()
  const w = host.writer
  await w.checkpoint()
  const cutoffUs = (Date.now() - options.retentionMs) * 1000
  const ingestLogRows = await w.exclusive(async (db) => {
    if (options.dryRun) return Number((await readSql(db.writer, sql`SELECT count(*) AS n FROM ingest_log WHERE ts_us < ${cutoffUs}`))[0]!['n'])
    return runSql(db.writer, sql`DELETE FROM ingest_log WHERE ts_us < ${cutoffUs}`)
  })
  if (ingestLogRows > 0 && !options.dryRun) await w.checkpoint()
  const before = await sizeOf(w)
  const retention = {cutoff: new Date(cutoffUs / 1000).toISOString(), ingestLogRows}
  const result = (shrink: VacuumResult['shrink'], after: DbSize = before): VacuumResult => ({
    after,
    before,
    dryRun: options.dryRun,
    ms: Math.round(performance.now() - started),
    retention,
    shrink,
  })

  const free = before.totalBlocks > 0 ? before.freeBlocks / before.totalBlocks : 0
  const pct = `${Math.round(free * 100)}% of the blocks are free`
  if (!options.force && free <= options.minFreeFraction) return result({done: false, reason: `${pct}, threshold ${Math.round(options.minFreeFraction * 100)}%`})
  const path = w.database.path
  const disk = statfsSync(dirname(path))
  const available = Number(disk.bavail) * Number(disk.bsize)
  if (available < before.fileBytes) {
    const reason = `${pct}, but the disk has ${available} bytes free and the copy needs up to ${before.fileBytes}`
    if (options.force) throw new UnavailableError(`cannot shrink ${path}: ${reason}`, {code: 'PW_VACUUM_NO_SPACE', suggestions: ['free some disk space (move archive/ off the device), then vacuum again']})
    return result({done: false, reason})
  }
  if (options.dryRun) return result({done: false, reason: `${pct}: would shrink (dry run)`})

  const shrinkStarted = performance.now()
  const tmp = path + VACUUM_TMP_SUFFIX
  const reopened = await host.closeAround(
    (db) => copyVerified(db, tmp),
    () => swapIn(tmp, path),
  )
  const after = await sizeOf(reopened.writer)
  return result({done: true, ms: Math.round(performance.now() - shrinkStarted), reason: pct, tables: reopened.copied}, after)
}

/** Copies the whole live DB into `tmp` and verifies every table (rows and checksums). */
async function copyVerified(db: OpenDatabase, tmp: string): Promise<Record<string, number>> {
  removeTmp(tmp)
  const c = db.writer
  const live = await catalogOf(c)
  try {
    await c.run(`ATTACH ${sqlString(tmp)} AS pw_vacuum (STORAGE_VERSION ${sqlString(STORAGE_VERSION)})`)
    try {
      await c.run(`COPY FROM DATABASE ${sqlIdent(live)} TO pw_vacuum`)
      const tables = await readSql(c, sql`SELECT table_name FROM duckdb_tables() WHERE database_name = ${live} ORDER BY table_name`)
      const problems: string[] = []
      const copied: Record<string, number> = {}
      for (const t of tables) {
        const name = String(t['table_name'])
        const expected = await fingerprint(c, tableIn(live, name), sql``, [])
        const actual = await fingerprint(c, tableIn('pw_vacuum', name), sql``, [])
        problems.push(...compareFingerprints(name, expected, actual))
        copied[name] = actual.rows
      }
      if (problems.length > 0) throw new Error(`the copy did not verify: ${problems.slice(0, 3).join('; ')}`)
      await c.run('CHECKPOINT pw_vacuum')
      return copied
    } finally {
      await c.run('DETACH DATABASE IF EXISTS pw_vacuum')
      if (existsSync(`${tmp}.wal`)) throw new Error('the copy left a WAL after its checkpoint')
    }
  } catch (error) {
    removeTmp(tmp)
    throw error
  }
}

/** With the live DB closed: fsync the verified copy, then rename it over the live file. */
function swapIn(tmp: string, path: string): void {
  // A WAL left beside the old file would be replayed into the new one at the next open.
  if (existsSync(`${path}.wal`)) {
    removeTmp(tmp)
    throw new Error(`${path}.wal is still there after the close: the file was not swapped`)
  }
  fsyncTree(tmp)
  durableRename(tmp, path)
}

function removeTmp(tmp: string): void {
  rmSync(tmp, {force: true})
  rmSync(`${tmp}.wal`, {force: true})
}

/** The live file's size on disk and DuckDB's count of total and free blocks. */
export async function sizeOf(w: Writer): Promise<DbSize> {
  return w.exclusive(async (db) => {
    const live = await catalogOf(db.writer)
    const rows = await readSql(db.writer, sql`CALL pragma_database_size()`)
    const r = rows.find((x) => x['database_name'] === live) ?? {}
    const bytes = (p: string): number => (existsSync(p) ? statSync(p).size : 0)
    return {
      blockSize: Number(r['block_size'] ?? 0),
      fileBytes: bytes(db.path),
      freeBlocks: Number(r['free_blocks'] ?? 0),
      totalBlocks: Number(r['total_blocks'] ?? 0),
      walBytes: bytes(`${db.path}.wal`),
    }
  })
}
