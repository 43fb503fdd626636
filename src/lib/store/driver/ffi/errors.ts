/**
 * DuckDB's errors as `DuckDbError`s carrying the error type, so the store can tell a corrupt file
 * from a lock, a permission, a full disk or anything else; and the driver's own refusals.
 */
import koffi from 'koffi'

import {UnavailableError} from '../../../errors.js'
import {DuckDbError} from '../types.js'
import type {CApi, CFunctionName, Pointer} from './capi.js'
import {errorTypeFromMessage, errorTypeName} from './error-types.js'

/** The error held by a `duckdb_result` (owned by the result: read it before destroying that). */
export function resultError(api: CApi, result: Pointer, what: string): DuckDbError {
  const message = api.duckdb_result_error(result)
  if (message === null) return new DuckDbError(`DuckDB failed to ${what} and gave no reason`)
  return new DuckDbError(message, errorTypeName(api.duckdb_result_error_type(result)) ?? errorTypeFromMessage(message))
}

/** The error an appender holds; its error data is copied out and destroyed here. */
export function appenderError(api: CApi, appender: Pointer, what: string): DuckDbError {
  const data = api.duckdb_appender_error_data(appender)
  try {
    const message = api.duckdb_error_data_message(data) ?? `DuckDB failed to ${what} and gave no reason`
    return new DuckDbError(message, errorTypeName(api.duckdb_error_data_error_type(data)) ?? errorTypeFromMessage(message))
  } finally {
    api.duckdb_destroy_error_data([data])
  }
}

/** An error text DuckDB allocated for us (`char **out_error`): read, then freed with `duckdb_free`. */
export function takeErrorText(api: CApi, slot: Pointer, what: string): DuckDbError {
  const pointer = koffi.decode(slot, 'void *') as Pointer | null
  let message = `DuckDB failed to ${what} and gave no reason`
  if (pointer !== null) {
    message = koffi.decode.string(pointer)
    api.duckdb_free(pointer)
  }
  return new DuckDbError(message, errorTypeFromMessage(message))
}

/** The library lacks a function this driver calls: it predates it (or is not DuckDB's). */
export function tooOld(version: string, name: CFunctionName, origin: string): UnavailableError {
  return new UnavailableError(`libduckdb ${version} is too old for ${name} (${origin})`, {
    code: 'PW_DUCKDB_TOO_OLD',
    suggestions: ['on Termux: pkg upgrade libduckdb', 'or point PITWALL_LIBDUCKDB=/path/to/libduckdb.so at a newer library'],
  })
}
