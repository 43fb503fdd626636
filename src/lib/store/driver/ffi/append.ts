/**
 * Whole columns into a DuckDB data chunk, then the chunk into an appender. Fixed-width columns are
 * copied into the vector's memory through a view in one go; a BLOB column goes in row by row
 * (`duckdb_vector_assign_string_element_len`: DuckDB copies payloads over 12 bytes into the
 * vector's own heap). Appends and flushes run synchronously on the caller's thread, as node-api's do.
 */
import koffi from 'koffi'

import {type AppendColumn, DuckDbError, type DuckAppender} from '../types.js'
import {allocZeroed, type CApi, callAsync, DUCKDB_STATE, DUCKDB_TYPE, type Pointer} from './capi.js'
import {appenderError} from './errors.js'

type ColumnType = AppendColumn['type']
const TYPE_ID: Readonly<Record<ColumnType, number>> = {
  BIGINT: DUCKDB_TYPE.BIGINT,
  BLOB: DUCKDB_TYPE.BLOB,
  DOUBLE: DUCKDB_TYPE.DOUBLE,
  INTEGER: DUCKDB_TYPE.INTEGER,
  UINTEGER: DUCKDB_TYPE.UINTEGER,
  USMALLINT: DUCKDB_TYPE.USMALLINT,
  UTINYINT: DUCKDB_TYPE.UTINYINT,
}
/** Points DuckDB at something for an empty payload (koffi may pass an empty buffer as NULL). */
const EMPTY = new Uint8Array(1)

export class FfiAppender implements DuckAppender {
  /** One chunk per column layout seen (the store's tables each have one). */
  private readonly chunks = new Map<string, Pointer>()
  private handle: Pointer | null

  private constructor(
    private readonly api: CApi,
    handle: Pointer,
    private readonly vectorSize: number,
    private readonly onClose: () => void,
  ) {
    this.handle = handle
  }

  /** An appender on `table` of the connection's current catalog; its lookup runs off the main thread. */
  static async create(api: CApi, connection: Pointer, table: string, onClose: () => void): Promise<FfiAppender> {
    const slot = allocZeroed('duckdb_appender')
    try {
      const state = await callAsync(api.duckdb_appender_create_ext, connection, null, null, table, slot)
      const handle = koffi.decode(slot, 'void *') as Pointer | null
      if (handle === null) throw new DuckDbError(`DuckDB could not allocate an appender on ${table}`)
      if (state !== DUCKDB_STATE.DuckDBSuccess) {
        const error = appenderError(api, handle, `open an appender on ${table}`)
        api.duckdb_appender_destroy([handle]) // even a failed one must be destroyed
        throw error
      }
      return new FfiAppender(api, handle, api.duckdb_vector_size(), onClose)
    } finally {
      koffi.free(slot)
    }
  }

  append(columns: readonly AppendColumn[], rowCount: number): void {
    const handle = this.open()
    if (rowCount > this.vectorSize) throw new DuckDbError(`an appended chunk holds at most ${this.vectorSize} rows, not ${rowCount}`, 'INVALID_INPUT')
    const chunk = this.chunkFor(columns)
    // A reset also drops every validity mask: each column makes its own writable again if it needs one.
    this.api.duckdb_data_chunk_reset(chunk)
    columns.forEach((column, c) => this.fill(this.api.duckdb_data_chunk_get_vector(chunk, c), column, rowCount))
    this.api.duckdb_data_chunk_set_size(chunk, rowCount)
    if (this.api.duckdb_append_data_chunk(handle, chunk) !== DUCKDB_STATE.DuckDBSuccess) throw appenderError(this.api, handle, 'append a chunk')
  }

  flush(): void {
    const handle = this.open()
    if (this.api.duckdb_appender_flush(handle) !== DUCKDB_STATE.DuckDBSuccess) throw appenderError(this.api, handle, 'flush the appender')
  }

  /** Drops the rows appended since the last flush (after a failed transaction: closing must not write them). */
  clear(): void {
    const handle = this.open()
    if (this.api.duckdb_appender_clear(handle) !== DUCKDB_STATE.DuckDBSuccess) throw appenderError(this.api, handle, 'clear the appender')
  }

  /** Flushes what is left and closes; the appender is destroyed even when that flush fails. */
  close(): void {
    if (this.handle === null) return
    const handle = this.handle
    try {
      if (this.api.duckdb_appender_close(handle) !== DUCKDB_STATE.DuckDBSuccess) throw appenderError(this.api, handle, 'close the appender')
    } finally {
      this.abandon()
    }
  }

  /** Destroys it now (its connection is going away); DuckDB flushes what is left on the way. */
  abandon(): void {
    if (this.handle === null) return
    this.api.duckdb_appender_destroy([this.handle])
    this.handle = null
    for (const chunk of this.chunks.values()) this.api.duckdb_destroy_data_chunk([chunk])
    this.chunks.clear()
    this.onClose()
  }

  private open(): Pointer {
    if (this.handle === null) throw new DuckDbError('the appender is closed', 'INVALID_INPUT')
    return this.handle
  }

  private chunkFor(columns: readonly AppendColumn[]): Pointer {
    const key = columns.map((c) => c.type).join()
    const existing = this.chunks.get(key)
    if (existing !== undefined) return existing
    const types = columns.map((c) => this.api.duckdb_create_logical_type(TYPE_ID[c.type]))
    try {
      const chunk = this.api.duckdb_create_data_chunk(types, types.length)
      if (chunk === null) throw new DuckDbError(`DuckDB could not make a chunk of ${key}`)
      this.chunks.set(key, chunk)
      return chunk
    } finally {
      for (const type of types) this.api.duckdb_destroy_logical_type([type])
    }
  }

  private fill(vector: Pointer, column: AppendColumn, rows: number): void {
    if (column.type === 'BLOB') return this.fillBlobs(vector, column, rows)
    const {values} = column
    if (values.length < rows) throw new DuckDbError(`a ${column.type} column holds ${values.length} values, not ${rows}`, 'INVALID_INPUT')
    if (rows === 0) return
    const bytes = rows * values.BYTES_PER_ELEMENT
    new Uint8Array(koffi.view(this.api.duckdb_vector_get_data(vector)!, bytes)).set(new Uint8Array(values.buffer, values.byteOffset, bytes))
    if (column.type === 'DOUBLE') this.nanAsNull(vector, column.values, rows)
  }

  /** NaN is stored as NULL (docs/schema.md): clears those rows' validity bits. */
  private nanAsNull(vector: Pointer, values: Float64Array, rows: number): void {
    let words: Uint32Array | undefined
    for (let i = 0; i < rows; i++) {
      if (values[i] === values[i]) continue
      if (words === undefined) {
        // The mask is NULL (all valid) until made writable; it then starts all valid.
        this.api.duckdb_vector_ensure_validity_writable(vector)
        words = new Uint32Array(koffi.view(this.api.duckdb_vector_get_validity(vector)!, Math.ceil(rows / 64) * 8))
      }
      // 64-bit mask words read as 32-bit halves: the same bits on a little-endian machine.
      words[i >> 5] = words[i >> 5]! & ~(1 << (i & 31))
    }
  }

  private fillBlobs(vector: Pointer, column: Extract<AppendColumn, {type: 'BLOB'}>, rows: number): void {
    const {bytes, lengths, strideBytes} = column
    if (lengths.length < rows) throw new DuckDbError(`a BLOB column holds ${lengths.length} lengths, not ${rows}`, 'INVALID_INPUT')
    const assign = this.api.duckdb_vector_assign_string_element_len
    for (let r = 0; r < rows; r++) {
      const length = lengths[r]!
      const at = r * strideBytes
      // DuckDB reads `length` bytes from where koffi points it: never past the end of `bytes`.
      if (at + length > bytes.length) throw new DuckDbError(`BLOB row ${r} (${length} bytes at ${at}) runs past its ${bytes.length}-byte buffer`, 'INVALID_INPUT')
      assign(vector, r, length === 0 ? EMPTY : bytes.subarray(at, at + length), length)
    }
  }
}
