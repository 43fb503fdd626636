/**
 * Result vectors to JS values (the table in ../types.ts). Fixed-width columns and validity masks
 * are read through views of the vector's memory; every value handed out is a copy (a number, a
 * bigint, a string, a fresh Uint8Array), because the memory goes away with the chunk.
 */
import koffi from 'koffi'

import {DuckDbError, type DuckValue} from '../types.js'
import {type CApi, DUCKDB_TYPE, LAYOUT, type Pointer, typeName} from './capi.js'

/** Reads rows `[0, count)` of a vector. */
export type VectorReader = (api: CApi, vector: Pointer, count: number) => DuckValue[]

type View = {readonly [i: number]: number | bigint}
const FIXED: ReadonlyMap<number, {width: number; view: (b: ArrayBuffer) => View; value?: (v: number | bigint) => DuckValue}> = new Map([
  [DUCKDB_TYPE.BOOLEAN, {value: (v: number | bigint) => v !== 0, view: (b: ArrayBuffer) => new Uint8Array(b), width: 1}],
  [DUCKDB_TYPE.TINYINT, {view: (b: ArrayBuffer) => new Int8Array(b), width: 1}],
  [DUCKDB_TYPE.SMALLINT, {view: (b: ArrayBuffer) => new Int16Array(b), width: 2}],
  [DUCKDB_TYPE.INTEGER, {view: (b: ArrayBuffer) => new Int32Array(b), width: 4}],
  // BigInt64Array: koffi would hand an int64 out as a number below 2^53 and a bigint above it.
  [DUCKDB_TYPE.BIGINT, {view: (b: ArrayBuffer) => new BigInt64Array(b), width: 8}],
  [DUCKDB_TYPE.UTINYINT, {view: (b: ArrayBuffer) => new Uint8Array(b), width: 1}],
  [DUCKDB_TYPE.USMALLINT, {view: (b: ArrayBuffer) => new Uint16Array(b), width: 2}],
  [DUCKDB_TYPE.UINTEGER, {view: (b: ArrayBuffer) => new Uint32Array(b), width: 4}],
  [DUCKDB_TYPE.UBIGINT, {view: (b: ArrayBuffer) => new BigUint64Array(b), width: 8}],
  [DUCKDB_TYPE.FLOAT, {view: (b: ArrayBuffer) => new Float32Array(b), width: 4}],
  [DUCKDB_TYPE.DOUBLE, {view: (b: ArrayBuffer) => new Float64Array(b), width: 8}],
])

/** The reader for a column of this logical type (which the caller still owns). */
export function readerFor(api: CApi, type: Pointer): VectorReader {
  const id = api.duckdb_get_type_id(type)
  const fixed = FIXED.get(id)
  if (fixed) {
    const {value, view, width} = fixed
    return (api, vector, count) => eachValid(api, vector, count, width, (bytes) => {
      const values = view(bytes)
      return value ? (i) => value(values[i]!) : (i) => values[i]!
    })
  }
  switch (id) {
    case DUCKDB_TYPE.HUGEINT:
      return (api, vector, count) => eachValid(api, vector, count, LAYOUT.duckdb_hugeint.size, (bytes) => {
        const lower = new BigUint64Array(bytes)
        const upper = new BigInt64Array(bytes)
        return (i) => (upper[2 * i + 1]! << 64n) + lower[2 * i]!
      })
    case DUCKDB_TYPE.VARCHAR:
      return stringReader((raw) => TEXT.decode(raw))
    case DUCKDB_TYPE.BLOB:
      return stringReader((raw) => raw.slice())
    case DUCKDB_TYPE.DECIMAL:
      return decimalReader(api, type)
    case DUCKDB_TYPE.LIST: {
      const child = api.duckdb_list_type_child_type(type)
      try {
        return listReader(readerFor(api, child))
      } finally {
        api.duckdb_destroy_logical_type([child])
      }
    }
    case DUCKDB_TYPE.SQLNULL:
      return (_api, _vector, count) => new Array<DuckValue>(count).fill(null)
    default:
      throw new DuckDbError(`DuckDB returned a ${typeName(id)} column, which the store reads no values of (see src/lib/store/driver/types.ts)`)
  }
}

const TEXT = new TextDecoder('utf-8')

/** Rows `[0, count)`: NULL where the validity mask says so, else `read(view of the data)(row)`. */
function eachValid(api: CApi, vector: Pointer, count: number, width: number, read: (bytes: ArrayBuffer) => (row: number) => DuckValue): DuckValue[] {
  const values = new Array<DuckValue>(count)
  if (count === 0) return values
  const at = read(koffi.view(api.duckdb_vector_get_data(vector)!, count * width))
  // NULL until something made the mask writable: then every row is valid.
  const mask = api.duckdb_vector_get_validity(vector)
  const valid = mask === null ? undefined : new Uint8Array(koffi.view(mask, Math.ceil(count / 64) * 8))
  for (let i = 0; i < count; i++) values[i] = valid === undefined || valid[i >> 3]! & (1 << (i & 7)) ? at(i) : null
  return values
}

/** `duckdb_string_t` rows: 12 bytes or fewer inline, longer ones behind a pointer; `copy` makes them ours. */
function stringReader(copy: (raw: Uint8Array) => DuckValue): VectorReader {
  const {inlinedBytes, inlinedOffset, pointerOffset, size} = LAYOUT.duckdb_string_t
  return (api, vector, count) => eachValid(api, vector, count, size, (bytes) => {
    const raw = new Uint8Array(bytes)
    const lengths = new Uint32Array(bytes)
    const pointers = new BigUint64Array(bytes)
    return (i) => {
      const length = lengths[(i * size) / 4]!
      if (length <= inlinedBytes) return copy(raw.subarray(i * size + inlinedOffset, i * size + inlinedOffset + length))
      return copy(new Uint8Array(koffi.view(pointers[(i * size + pointerOffset) / 8]!, length)))
    }
  })
}

/** Lists: each row is a slice `[offset, offset + length)` of the child vector. */
function listReader(child: VectorReader): VectorReader {
  const {offsetOffset, lengthOffset, size} = LAYOUT.duckdb_list_entry
  return (api, vector, count) => {
    const items = child(api, api.duckdb_list_vector_get_child(vector), api.duckdb_list_vector_get_size(vector))
    return eachValid(api, vector, count, size, (bytes) => {
      const entries = new BigUint64Array(bytes)
      return (i) => {
        const offset = Number(entries[(i * size + offsetOffset) / 8]!)
        return items.slice(offset, offset + Number(entries[(i * size + lengthOffset) / 8]!))
      }
    })
  }
}

/** DECIMAL as a number, converted by DuckDB itself (`duckdb_decimal_to_double`), as the node-api driver does. */
function decimalReader(api: CApi, type: Pointer): VectorReader {
  const width = api.duckdb_decimal_width(type)
  const scale = api.duckdb_decimal_scale(type)
  const internal = api.duckdb_decimal_internal_type(type)
  const toDouble = (lower: bigint, upper: bigint): number => api.duckdb_decimal_to_double({scale, value: {lower, upper}, width})
  if (internal === DUCKDB_TYPE.HUGEINT) {
    return (api, vector, count) => eachValid(api, vector, count, LAYOUT.duckdb_hugeint.size, (bytes) => {
      const lower = new BigUint64Array(bytes)
      const upper = new BigInt64Array(bytes)
      return (i) => toDouble(lower[2 * i]!, upper[2 * i + 1]!)
    })
  }
  const {view, width: bytesWide} = FIXED.get(internal)!
  return (api, vector, count) => eachValid(api, vector, count, bytesWide, (bytes) => {
    const values = view(bytes)
    return (i) => {
      const v = BigInt(values[i]!)
      return toDouble(BigInt.asUintN(64, v), v < 0n ? -1n : 0n)
    }
  })
}
