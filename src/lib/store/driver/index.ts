/**
 * The seam's public face inside the store: which driver this thread uses, opening a database
 * through it (one instance per file per process), and what health and the logs say about it.
 * Neither driver is imported here at load: each comes through a dynamic import when chosen, so
 * on the phone @duckdb/node-api is never loaded and on a laptop koffi need not be.
 */
import {UnavailableError, UsageError} from '../../errors.js'
import {claimOpenFile} from './open-files.js'
import type {DuckConfig, DuckDatabase, DuckDriver, DuckDriverName} from './types.js'

export {OPEN_FILES_KEY, openFilesTable, releaseThreadFiles} from './open-files.js'
export {DuckDbError, intList} from './types.js'
export type {AppendColumn, DuckAppender, DuckChunk, DuckConfig, DuckConnection, DuckDatabase, DuckDriver, DuckDriverName, DuckParam, DuckRows, DuckValue, IntList} from './types.js'

/** Which driver runs DuckDB here, for `/health`, `pitwall health` and the startup log. */
export interface DriverInfo {
  readonly driver: DuckDriverName
  /** `v1.5.5` */
  readonly libraryVersion: string
  /** The package, or the libduckdb.so path. */
  readonly origin: string
}

let chosen: Promise<DuckDriver> | undefined

/** The driver of this thread, chosen once (`chooseDuckDriver`). */
export function duckDriver(): Promise<DuckDriver> {
  chosen ??= chooseDuckDriver().catch((error: unknown) => {
    chosen = undefined
    throw error
  })
  return chosen
}

/**
 * `PITWALL_DUCKDB_DRIVER` (`node-api` or `ffi`) when set; else on Termux the ffi driver, without
 * trying node-api (its binary is built for glibc, not bionic); else node-api where it loads, ffi
 * where it does not.
 */
export async function chooseDuckDriver(env: NodeJS.ProcessEnv = process.env): Promise<DuckDriver> {
  const wanted = env['PITWALL_DUCKDB_DRIVER']
  if (wanted !== undefined && wanted !== '') {
    if (wanted === 'node-api') return loadNodeApi()
    if (wanted === 'ffi') return loadFfi()
    throw new UsageError(`environment PITWALL_DUCKDB_DRIVER="${wanted}": give node-api or ffi`, {
      code: 'PW_BAD_SETTING',
      suggestions: ['unset it to choose by platform (Termux: ffi; elsewhere node-api where it loads)'],
    })
  }
  if (onTermux(env)) return loadFfi()
  try {
    return await loadNodeApi()
  } catch (nodeApiError) {
    try {
      return await loadFfi()
    } catch (ffiError) {
      const why = (e: unknown): string => (e instanceof Error ? e.message : String(e))
      throw new UnavailableError(`no DuckDB driver loads here: node-api: ${why(nodeApiError)}; ffi: ${why(ffiError)}`, {
        code: 'PW_DUCKDB_UNAVAILABLE',
        suggestions: [...(ffiError instanceof UnavailableError ? ffiError.suggestions : []), 'or reinstall pitwall where @duckdb/node-api has a prebuilt binary (npm install)'],
      })
    }
  }
}

/** Termux, from its environment: Android's Node, or the variables Termux sets. */
export function onTermux(env: NodeJS.ProcessEnv = process.env): boolean {
  return (process.platform as string) === 'android' || (env['TERMUX_VERSION'] ?? '') !== '' || (env['PREFIX'] ?? '').includes('com.termux')
}

async function loadNodeApi(): Promise<DuckDriver> {
  try {
    const {nodeApiDriver} = await import('./node-api.js')
    return nodeApiDriver()
  } catch (error) {
    throw new UnavailableError(`@duckdb/node-api does not load here: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'PW_DUCKDB_NODE_API',
      suggestions: ['use the ffi driver over a libduckdb.so: PITWALL_DUCKDB_DRIVER=ffi (on Termux: pkg install libduckdb)'],
    })
  }
}

async function loadFfi(): Promise<DuckDriver> {
  const {loadFfiDriver} = await import('./ffi/index.js')
  return loadFfiDriver()
}

/** The chosen driver's name, library version and origin. */
export async function describeDriver(): Promise<DriverInfo> {
  const driver = await duckDriver()
  return {driver: driver.name, libraryVersion: driver.libraryVersion(), origin: driver.origin}
}

/**
 * Opens `path` through this thread's driver. A file still open in this process (any thread) is
 * refused with InternalError PW_DB_OPEN_TWICE: DuckDB would open it again silently and both
 * instances would write. Closing the database frees its path.
 */
export async function openDuckDatabase(path: string, config: DuckConfig = {}): Promise<DuckDatabase> {
  const driver = await duckDriver()
  const release = claimOpenFile(path)
  let db: DuckDatabase
  try {
    db = await driver.open(path, config)
  } catch (error) {
    release()
    throw error
  }
  return {
    close() {
      try {
        db.close()
      } finally {
        release()
      }
    },
    connect: () => db.connect(),
    driver: db.driver,
    path: db.path,
  }
}
