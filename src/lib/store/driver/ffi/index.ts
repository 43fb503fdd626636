/**
 * The `ffi` DuckDB driver: koffi over a libduckdb.so, for where @duckdb/node-api's prebuilt
 * binary cannot load (Termux: bionic libc). See library.ts for which library it loads.
 */
import type {DuckDriver} from '../types.js'
import {FfiDatabase} from './database.js'
import {loadLibrary} from './library.js'

export interface FfiDriverOptions {
  /** The libduckdb to load. Defaults to PITWALL_LIBDUCKDB, else Termux's, else the bindings package's. */
  readonly libraryPath?: string
}

/** Loads the library (UnavailableError, exit 69, when none loads or its version is untested). */
export async function loadFfiDriver(options: FfiDriverOptions = {}): Promise<DuckDriver> {
  const library = loadLibrary(options.libraryPath)
  return {
    libraryVersion: () => library.version,
    name: 'ffi',
    open: (path, config) => FfiDatabase.open(library.api, path, config),
    origin: library.path,
  }
}

// What the C probe test compares with duckdb.h (test/store/driver/probe.test.ts).
export {DECLARATIONS, DUCKDB_STATE, DUCKDB_TYPE, LAYOUT, NEWER_THAN_PROBE_HEADER} from './capi.js'
export {ERROR_TYPE_NAMES, errorTypeFromMessage} from './error-types.js'
export {checkTestedVersion, libraryCandidates, TESTED_LIBRARY_VERSIONS} from './library.js'
