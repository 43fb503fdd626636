import {existsSync, mkdirSync, readdirSync} from 'node:fs'
import {dirname, join, relative, sep} from 'node:path'

import {DATA_DIR_LAYOUT} from '../config/index.js'
import {fsyncPath} from './archive-fs.js'
import type {ArchiveFormat} from './archive-types.js'

/** The suffix of an archive being written: never an archive, removed or redone by the next run. */
export const PARTIAL_SUFFIX = '.partial'

/** Where one session's archive goes. */
export interface ArchiveTarget {
  readonly format: ArchiveFormat
  /** The archive's final name: it exists only once the archive is complete and verified. */
  readonly final: string
  /** The name it is written and verified under first. */
  readonly partial: string
  /** `final` relative to the data dir, as stored in `sessions.archive_path`. */
  readonly relative: string
}

/** The session fields that decide where its archive goes. */
export interface TargetSession {
  readonly id: string
  readonly carId: string
  readonly startedUs: number
  readonly firstFrameUs: number | null
}

/**
 * `archive/<id>.duckdb`, or `archive/parquet/car=<car>/date=<day>/session=<id>/` (one parquet
 * file per table; `day` is the UTC day of the session's first frame, so imported logs land on
 * the day they were recorded). The `key=value` folders let analysis tools read the whole archive
 * as one hive-partitioned data set.
 */
export function archiveTarget(dataDir: string, session: TargetSession, format: ArchiveFormat): ArchiveTarget {
  const root = join(dataDir, DATA_DIR_LAYOUT.archive)
  const id = safeName(session.id)
  let final: string
  if (format === 'duckdb') {
    final = join(root, `${id}.duckdb`)
  } else {
    const day = new Date(Math.floor((session.firstFrameUs ?? session.startedUs) / 1000)).toISOString().slice(0, 10)
    final = join(root, 'parquet', `car=${safeName(session.carId)}`, `date=${day}`, `session=${id}`)
  }
  return {final, format, partial: final + PARTIAL_SUFFIX, relative: relative(dataDir, final).split(sep).join('/')}
}

/** Creates `dir` and its missing parents up to `root`, fsyncing each parent so the new entries are durable. */
export function mkdirDurable(dir: string, root: string): void {
  if (existsSync(dir)) return
  mkdirSync(dir, {recursive: true})
  for (let d = dir; d.startsWith(root) && d !== dirname(d); d = dirname(d)) {
    fsyncPath(dirname(d))
    if (d === root) break
  }
}

/** Every `.partial` leftover under the archive dir (files, their `.wal`, parquet folders). */
export function findPartials(dataDir: string): string[] {
  const root = join(dataDir, DATA_DIR_LAYOUT.archive)
  const found: string[] = []
  const scan = (dir: string, depth: number): void => {
    let entries
    try {
      entries = readdirSync(dir, {withFileTypes: true})
    } catch {
      return
    }
    for (const e of entries) {
      const path = join(dir, e.name)
      if (e.name.endsWith(PARTIAL_SUFFIX) || e.name.endsWith(`${PARTIAL_SUFFIX}.wal`)) found.push(path)
      else if (e.isDirectory() && depth < 3 && (depth > 0 || e.name === 'parquet')) scan(path, depth + 1)
    }
  }
  scan(root, 0)
  return found
}

// Session and car ids are ours and path-safe, but a bare DBC car's id comes from a file name.
function safeName(s: string): string {
  return s.replaceAll(/[^\w.=-]/g, '_')
}
