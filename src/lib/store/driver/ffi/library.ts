/**
 * Which libduckdb the ffi driver loads, and whether it may: `PITWALL_LIBDUCKDB` (or the caller's
 * path) when given, else Termux's `$PREFIX/lib/libduckdb.so`, else the one inside the installed
 * `@duckdb/node-bindings-<platform>-<arch>` package. A library outside the versions this driver
 * was tested with is refused unless `PITWALL_DUCKDB_UNTESTED=1`: `pkg upgrade` can move Termux's
 * to a new DuckDB at any time.
 */
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

import koffi, {type LibraryHandle} from 'koffi'

import {isTermux} from '../../../config/index.js'
import {UnavailableError} from '../../../errors.js'
import {bindCApi, type CApi} from './capi.js'
import {tooOld} from './errors.js'

/** The libduckdb versions the contract tests ran against (test/store/driver), oldest and newest. */
export const TESTED_LIBRARY_VERSIONS = {newest: 'v1.5.6', oldest: 'v1.5.5'} as const

export interface LoadedLibrary {
  readonly api: CApi
  readonly path: string
  readonly version: string
}

/** The paths to try, in order, and whether the user named one (then nothing else is tried). */
export function libraryCandidates(libraryPath: string | undefined, env: NodeJS.ProcessEnv = process.env): {explicit: boolean; paths: string[]} {
  const named = libraryPath ?? env['PITWALL_LIBDUCKDB']
  if (named) return {explicit: true, paths: [named]}
  const paths: string[] = []
  const termux = (process.platform as string) === 'android' || isTermux(env)
  if (termux && env['PREFIX']) paths.push(join(env['PREFIX'], 'lib', 'libduckdb.so'))
  paths.push(...bindingsLibraries())
  return {explicit: false, paths}
}

const LIBRARY_FILE: Readonly<Record<string, string>> = {darwin: 'libduckdb.dylib', win32: 'duckdb.dll'}

/** The library inside each bindings package that may be installed here (glibc, then musl on Linux). */
function bindingsLibraries(): string[] {
  const require = createRequire(import.meta.url)
  const base = `@duckdb/node-bindings-${process.platform}-${process.arch}`
  const packages = process.platform === 'linux' ? [base, `${base}-musl`] : [base]
  const file = LIBRARY_FILE[process.platform] ?? 'libduckdb.so'
  return packages.flatMap((name) => {
    try {
      return [join(dirname(require.resolve(`${name}/package.json`)), file)]
    } catch {
      return [] // not installed for this platform
    }
  })
}

/** Loads the first candidate that loads; names every one tried when none does. */
export function loadLibrary(libraryPath: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedLibrary {
  const {explicit, paths} = libraryCandidates(libraryPath, env)
  const failures: string[] = []
  for (const path of paths) {
    if (!existsSync(path)) {
      failures.push(`${path}: no such file`)
      continue
    }
    let handle: LibraryHandle
    try {
      handle = koffi.load(path)
    } catch (error) {
      failures.push(`${path}: ${error instanceof Error ? error.message : String(error)}`)
      continue
    }
    let version = 'of unknown version'
    const api = bindCApi(handle, (name) => tooOld(version, name, path))
    version = api.duckdb_library_version()
    checkTestedVersion(version, path, env)
    return {api, path, version}
  }
  throw unavailable(explicit, failures)
}

function unavailable(explicit: boolean, failures: readonly string[]): UnavailableError {
  const tried = failures.length > 0 ? failures.join('; ') : 'no libduckdb.so found (no bindings package for this platform, not Termux)'
  return new UnavailableError(`cannot load libduckdb for the ffi DuckDB driver: ${tried}`, {
    code: 'PW_DUCKDB_UNAVAILABLE',
    suggestions: [
      ...(explicit ? ['check PITWALL_LIBDUCKDB: it must name a libduckdb.so built for this system'] : []),
      'on Termux: pkg install libduckdb',
      'elsewhere: PITWALL_LIBDUCKDB=/path/to/libduckdb.so',
    ],
  })
}

/** Refuses a library outside TESTED_LIBRARY_VERSIONS unless PITWALL_DUCKDB_UNTESTED=1. */
export function checkTestedVersion(version: string, origin: string, env: NodeJS.ProcessEnv = process.env): void {
  const parsed = parseVersion(version)
  const inRange =
    parsed !== undefined &&
    compareVersions(parsed, parseVersion(TESTED_LIBRARY_VERSIONS.oldest)!) >= 0 &&
    compareVersions(parsed, parseVersion(TESTED_LIBRARY_VERSIONS.newest)!) <= 0
  if (inRange || env['PITWALL_DUCKDB_UNTESTED'] === '1') return
  const range = `${TESTED_LIBRARY_VERSIONS.oldest} to ${TESTED_LIBRARY_VERSIONS.newest}`
  throw new UnavailableError(`libduckdb ${version} (${origin}) is outside the versions pitwall was tested with (${range})`, {
    code: 'PW_DUCKDB_UNTESTED',
    suggestions: [
      `install a libduckdb from ${range} (Termux: apt-mark hold libduckdb keeps it there)`,
      'or run with PITWALL_DUCKDB_UNTESTED=1 to use it anyway (salvage then never moves a file on an error it cannot classify)',
    ],
  })
}

/** `v1.5.5` (or `v1.5.5-dev12`) as [1, 5, 5]. */
function parseVersion(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}
