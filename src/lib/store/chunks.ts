import {BIGINT, BLOB, DOUBLE, DuckDBDataChunk, INTEGER, UINTEGER, USMALLINT, UTINYINT} from '@duckdb/node-api'
import duckdb from '@duckdb/node-bindings'

import {DATA_STRIDE} from '../can/frame.js'
import type {FrameColumns, SampleColumns} from './types.js'

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048

type Raw = ArrayBufferView & {buffer: ArrayBufferLike}

/**
 * Fills DuckDB data chunks column by column from our typed arrays: one memcpy per column
 * (`copy_data_to_vector`), not one call per value. Only BLOB payloads go in row by row.
 */
export class ChunkBuilder {
  private readonly frameChunk = DuckDBDataChunk.create([INTEGER, UTINYINT, BIGINT, USMALLINT, UINTEGER, UTINYINT, UTINYINT, UTINYINT, BLOB], CHUNK_ROWS)
  private readonly sampleChunk = DuckDBDataChunk.create([INTEGER, BIGINT, USMALLINT, DOUBLE], CHUNK_ROWS)
  private readonly key = new Int32Array(CHUNK_ROWS)
  private readonly source = new Uint8Array(CHUNK_ROWS)
  private readonly ts = new BigInt64Array(CHUNK_ROWS)
  private readonly validity = new BigUint64Array(CHUNK_ROWS / 64)

  /** Rows `[from, from + n)` of `f` as a `frames` chunk (n ≤ CHUNK_ROWS). */
  frames(sessionKey: number, sourceId: number, f: FrameColumns, from: number, n: number): DuckDBDataChunk {
    const chunk = this.frameChunk
    chunk.reset()
    const raw = chunk.chunk
    this.key.fill(sessionKey, 0, n)
    this.source.fill(sourceId, 0, n)
    for (let i = 0; i < n; i++) this.ts[i] = BigInt(f.timestampUs[from + i]!)
    const columns: Raw[] = [this.key, this.source, this.ts, f.subMicroNs, f.id, f.flags, f.dataLength, f.rawDlc]
    columns.forEach((column, c) => copy(raw, c, column, c <= 2 ? 0 : from, n))
    const blob = duckdb.data_chunk_get_vector(raw, 8)
    for (let i = 0; i < n; i++) {
      const at = (from + i) * DATA_STRIDE
      // A remote frame's `len` is the requested length, not payload: it stores no bytes.
      const bytes = f.flags[from + i]! & 0x02 ? 0 : f.dataLength[from + i]!
      duckdb.vector_assign_string_element_len(blob, i, f.data.subarray(at, at + bytes))
    }
    duckdb.data_chunk_set_size(raw, n)
    return chunk
  }

  /** Rows `[from, from + n)` of `s` as a `samples` chunk; NaN values become NULL. */
  samples(sessionKey: number, s: SampleColumns, from: number, n: number): DuckDBDataChunk {
    const chunk = this.sampleChunk
    chunk.reset()
    const raw = chunk.chunk
    this.key.fill(sessionKey, 0, n)
    for (let i = 0; i < n; i++) this.ts[i] = BigInt(s.timestampUs[from + i]!)
    copy(raw, 0, this.key, 0, n)
    copy(raw, 1, this.ts, 0, n)
    copy(raw, 2, s.channel, from, n)
    copy(raw, 3, s.value, from, n)
    let nulls = false
    this.validity.fill(0xffff_ffff_ffff_ffffn)
    for (let i = 0; i < n; i++) {
      const v = s.value[from + i]!
      if (v !== v) {
        nulls = true
        this.validity[i >> 6] = this.validity[i >> 6]! & ~(1n << BigInt(i & 63))
      }
    }
    if (nulls) {
      const vector = duckdb.data_chunk_get_vector(raw, 3)
      duckdb.vector_ensure_validity_writable(vector)
      duckdb.copy_data_to_vector_validity(vector, 0, this.validity.buffer, 0, Math.ceil(n / 64) * 8)
    }
    duckdb.data_chunk_set_size(raw, n)
    return chunk
  }
}

function copy(chunk: duckdb.DataChunk, column: number, source: Raw, from: number, n: number): void {
  const width = (source as unknown as {BYTES_PER_ELEMENT: number}).BYTES_PER_ELEMENT
  const vector = duckdb.data_chunk_get_vector(chunk, column)
  duckdb.copy_data_to_vector(vector, 0, source.buffer as ArrayBuffer, source.byteOffset + from * width, n * width)
}
