/**
 * DuckDB's C API header for the probe: the `duckdb` npm package's tarball carries it
 * (src/duckdb/src/include/duckdb.h; the bindings packages ship none). Fetched once with `npm pack`
 * and cached under node_modules/.cache/pitwall-duckdb-h/<version>/; never copied into the repo.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, renameSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ROOT} from '../../helpers.js'

/** The last release of the `duckdb` npm package (DuckDB's C API is stable across releases). */
export const HEADER_PACKAGE_VERSION = '1.4.4'

const INSIDE_TARBALL = 'package/src/duckdb/src/include/duckdb.h'

/** The folder holding `duckdb.h` of that version (`-I` for gcc). */
export function duckdbHeaderDir(version = HEADER_PACKAGE_VERSION): string {
  const dir = join(ROOT, 'node_modules', '.cache', 'pitwall-duckdb-h', version)
  if (existsSync(join(dir, 'duckdb.h'))) return dir
  const work = mkdtempSync(join(tmpdir(), 'pitwall-duckdb-h-'))
  try {
    const tarball = execFileSync('npm', ['pack', `duckdb@${version}`, '--silent'], {cwd: work, encoding: 'utf8'}).trim().split('\n').at(-1)!
    execFileSync('tar', ['-xzf', tarball, INSIDE_TARBALL], {cwd: work})
    mkdirSync(dir, {recursive: true})
    // A rename, so a test killed half-way never leaves a half-written header in the cache.
    renameSync(join(work, INSIDE_TARBALL), join(dir, 'duckdb.h'))
    return dir
  } finally {
    rmSync(work, {force: true, recursive: true})
  }
}
