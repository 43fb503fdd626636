/** `DuckParam`s bound to a prepared statement's `?`s (1-based in the C API). */
import koffi from 'koffi'

import {DuckDbError, type DuckParam, type IntList} from '../types.js'
import {type CApi, DUCKDB_STATE, DUCKDB_TYPE, type Pointer} from './capi.js'

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n
/** DuckDB reads `length` bytes; koffi may pass NULL for an empty buffer, so an empty value points here. */
const EMPTY = new Uint8Array(1)

export function bindParams(api: CApi, prepared: Pointer, params: readonly DuckParam[]): void {
  params.forEach((param, i) => {
    const index = i + 1
    if (bindOne(api, prepared, index, param) !== DUCKDB_STATE.DuckDBSuccess) {
      const reason = api.duckdb_prepare_error(prepared)
      throw new DuckDbError(`cannot bind parameter ${index} (${describe(param)})${reason ? `: ${reason}` : ''}`, 'INVALID_INPUT')
    }
  })
}

function bindOne(api: CApi, prepared: Pointer, index: number, param: DuckParam): number {
  if (param === null) return api.duckdb_bind_null(prepared, index)
  switch (typeof param) {
    case 'boolean':
      return api.duckdb_bind_boolean(prepared, index, param)
    case 'number':
      // A safe integer as BIGINT and anything else as DOUBLE: DuckDB casts both to the column's type.
      return Number.isSafeInteger(param) ? api.duckdb_bind_int64(prepared, index, param) : api.duckdb_bind_double(prepared, index, param)
    case 'bigint':
      if (param >= INT64_MIN && param <= INT64_MAX) return api.duckdb_bind_int64(prepared, index, param)
      if (param > INT64_MAX && param <= UINT64_MAX) return api.duckdb_bind_uint64(prepared, index, param)
      throw new DuckDbError(`parameter ${index} (${param}) does not fit a 64-bit integer`, 'OUT_OF_RANGE')
    case 'string': {
      const bytes = Buffer.from(param, 'utf8')
      return api.duckdb_bind_varchar_length(prepared, index, bytes.length > 0 ? bytes : EMPTY, bytes.length)
    }
    default:
      if (param instanceof Uint8Array) return api.duckdb_bind_blob(prepared, index, param.length > 0 ? param : EMPTY, param.length)
      return bindIntList(api, prepared, index, param)
  }
}

/** An INTEGER[] through the duckdb_value API: typed, so an empty list needs no element to infer from. */
function bindIntList(api: CApi, prepared: Pointer, index: number, list: IntList): number {
  const elements = list.values.map((v) => (v === null ? api.duckdb_create_null_value() : api.duckdb_create_int32(v)))
  const array = koffi.alloc('duckdb_value', Math.max(1, elements.length)) as Pointer
  const type = api.duckdb_create_logical_type(DUCKDB_TYPE.INTEGER)
  let value: Pointer | null = null
  try {
    if (elements.length > 0) koffi.encode(array, 'duckdb_value', elements, elements.length)
    value = api.duckdb_create_list_value(type, array, elements.length)
    if (value === null) throw new DuckDbError(`cannot make an INTEGER[] of parameter ${index} (${describe(list)})`, 'INVALID_INPUT')
    return api.duckdb_bind_value(prepared, index, value)
  } finally {
    if (value !== null) api.duckdb_destroy_value([value])
    for (const element of elements) api.duckdb_destroy_value([element])
    api.duckdb_destroy_logical_type([type])
    koffi.free(array)
  }
}

function describe(param: DuckParam): string {
  if (param instanceof Uint8Array) return `${param.length}-byte BLOB`
  if (param !== null && typeof param === 'object') return `INTEGER[${param.values.length}]`
  return typeof param === 'string' ? `a ${param.length}-character string` : String(param)
}
