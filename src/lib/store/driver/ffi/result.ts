/**
 * Statements in, `duckdb_result`s out, and results read chunk by chunk. A result lives in memory
 * koffi allocated (DuckDB fills the struct); `destroyResult` frees both, after which nothing read
 * from it may be touched again: every value read out is a copy.
 */
import koffi from 'koffi'

import {DuckDbError, type DuckChunk, type DuckParam, type DuckRows, type DuckValue} from '../types.js'
import {allocZeroed, type CApi, callAsync, DUCKDB_STATE, LAYOUT, type Pointer, type ResultStruct} from './capi.js'
import {errorTypeFromMessage} from './error-types.js'
import {resultError} from './errors.js'
import {bindParams} from './params.js'
import {readerFor, type VectorReader} from './read.js'

/**
 * Runs `sql` on koffi's thread pool: as it is without parameters (several statements, ATTACH,
 * COPY), else prepared with them bound. Resolves with the result, which the caller destroys.
 */
export async function execute(api: CApi, connection: Pointer, sql: string, params: readonly DuckParam[] | undefined): Promise<Pointer> {
  const result = allocZeroed('duckdb_result')
  try {
    const state =
      params === undefined || params.length === 0
        ? await callAsync(api.duckdb_query, connection, sql, result)
        : await executePrepared(api, connection, sql, params, result)
    if (state !== DUCKDB_STATE.DuckDBSuccess) throw resultError(api, result, 'run a statement')
    return result
  } catch (error) {
    destroyResult(api, result)
    throw error
  }
}

async function executePrepared(api: CApi, connection: Pointer, sql: string, params: readonly DuckParam[], result: Pointer): Promise<number> {
  const slot = allocZeroed('duckdb_prepared_statement')
  try {
    const state = await callAsync(api.duckdb_prepare, connection, sql, slot)
    const prepared = koffi.decode(slot, 'void *') as Pointer | null
    if (prepared === null) throw new DuckDbError('DuckDB could not allocate a prepared statement')
    try {
      if (state !== DUCKDB_STATE.DuckDBSuccess) throw preparedError(api, prepared)
      bindParams(api, prepared, params)
      const executed = await callAsync(api.duckdb_execute_prepared, prepared, result)
      // A statement that failed before running leaves the result empty: its error is the statement's.
      if (executed !== DUCKDB_STATE.DuckDBSuccess && !hasInternalData(result)) throw preparedError(api, prepared)
      return executed
    } finally {
      api.duckdb_destroy_prepare([prepared])
    }
  } finally {
    koffi.free(slot)
  }
}

function preparedError(api: CApi, prepared: Pointer): DuckDbError {
  const message = api.duckdb_prepare_error(prepared) ?? 'DuckDB could not prepare the statement and gave no reason'
  return new DuckDbError(message, errorTypeFromMessage(message))
}

export function destroyResult(api: CApi, result: Pointer): void {
  if (hasInternalData(result)) api.duckdb_destroy_result(result)
  koffi.free(result)
}

/** The rows a statement changed (0 for DDL and queries). */
export function rowsChanged(api: CApi, result: Pointer): number {
  return Number(api.duckdb_rows_changed(result))
}

/** Every row of a result, in column order. */
export function readRows(api: CApi, result: Pointer): DuckRows {
  const reading = readChunks(api, result)
  const rows: Array<readonly DuckValue[]> = []
  for (const chunk of reading.chunks) {
    for (let r = 0; r < chunk.rowCount; r++) rows.push(chunk.columns.map((column) => column[r] ?? null))
  }
  return {columns: reading.names, rows}
}

/** A result's column names and its chunks, fetched one at a time (`duckdb_fetch_chunk`) and copied out. */
export function readChunks(api: CApi, result: Pointer): {names: string[]; chunks: Generator<DuckChunk>} {
  const count = api.duckdb_column_count(result)
  const names: string[] = []
  const readers: VectorReader[] = []
  for (let c = 0; c < count; c++) {
    names.push(api.duckdb_column_name(result, c) ?? `column${c}`)
    const type = api.duckdb_column_logical_type(result, c)
    if (type === null) throw new DuckDbError(`DuckDB gave no type for result column ${c}`)
    try {
      readers.push(readerFor(api, type))
    } finally {
      api.duckdb_destroy_logical_type([type])
    }
  }
  return {chunks: fetchChunks(api, result, readers), names}
}

function* fetchChunks(api: CApi, result: Pointer, readers: readonly VectorReader[]): Generator<DuckChunk> {
  for (;;) {
    const chunk = api.duckdb_fetch_chunk(koffi.decode(result, 'duckdb_result') as ResultStruct)
    if (chunk === null) return
    let read: DuckChunk
    try {
      const rowCount = api.duckdb_data_chunk_get_size(chunk)
      if (rowCount === 0) return
      read = {columns: readers.map((reader, c) => reader(api, api.duckdb_data_chunk_get_vector(chunk, c), rowCount)), rowCount}
    } finally {
      api.duckdb_destroy_data_chunk([chunk])
    }
    yield read
  }
}

function hasInternalData(result: Pointer): boolean {
  return koffi.decode(result, LAYOUT.duckdb_result.internalDataOffset, 'void *') !== null
}
