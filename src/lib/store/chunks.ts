import {DATA_STRIDE} from '../can/frame.js'
import type {AppendColumn} from './driver/index.js'
import type {FrameColumns, SampleColumns} from './types.js'

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048

/**
 * Our typed arrays as the appender's columns, in table order: views of the batch where the column
 * is stored as it is, and a few reused arrays for what is not (the session key and source, the
 * BIGINT timestamps, the stored payload lengths). The driver copies them into DuckDB's vectors, so
 * the arrays are free again once `append` returns.
 */
export class ColumnBuilder {
  private readonly key = new Int32Array(CHUNK_ROWS)
  private readonly source = new Uint8Array(CHUNK_ROWS)
  private readonly ts = new BigInt64Array(CHUNK_ROWS)
  private readonly stored = new Uint8Array(CHUNK_ROWS)

  /** Rows `[from, from + n)` of `f` as `frames` columns (n ≤ CHUNK_ROWS). */
  frames(sessionKey: number, sourceId: number, f: FrameColumns, from: number, n: number): AppendColumn[] {
    this.key.fill(sessionKey, 0, n)
    this.source.fill(sourceId, 0, n)
    for (let i = 0; i < n; i++) {
      this.ts[i] = BigInt(f.timestampUs[from + i]!)
      // A remote frame's `len` is the requested length, not payload: it stores no bytes.
      this.stored[i] = f.flags[from + i]! & 0x02 ? 0 : f.dataLength[from + i]!
    }
    const rows = <T extends Uint8Array | Uint16Array | Uint32Array>(a: T): T => a.subarray(from, from + n) as T
    return [
      {type: 'INTEGER', values: this.key.subarray(0, n)},
      {type: 'UTINYINT', values: this.source.subarray(0, n)},
      {type: 'BIGINT', values: this.ts.subarray(0, n)},
      {type: 'USMALLINT', values: rows(f.subMicroNs)},
      {type: 'UINTEGER', values: rows(f.id)},
      {type: 'UTINYINT', values: rows(f.flags)},
      {type: 'UTINYINT', values: rows(f.dataLength)},
      {type: 'UTINYINT', values: rows(f.rawDlc)},
      {bytes: f.data.subarray(from * DATA_STRIDE, (from + n) * DATA_STRIDE), lengths: this.stored.subarray(0, n), strideBytes: DATA_STRIDE, type: 'BLOB'},
    ]
  }

  /** Rows `[from, from + n)` of `s` as `samples` columns; the driver stores NaN values as NULL. */
  samples(sessionKey: number, s: SampleColumns, from: number, n: number): AppendColumn[] {
    this.key.fill(sessionKey, 0, n)
    for (let i = 0; i < n; i++) this.ts[i] = BigInt(s.timestampUs[from + i]!)
    return [
      {type: 'INTEGER', values: this.key.subarray(0, n)},
      {type: 'BIGINT', values: this.ts.subarray(0, n)},
      {type: 'USMALLINT', values: s.channel.subarray(from, from + n)},
      {type: 'DOUBLE', values: s.value.subarray(from, from + n)},
    ]
  }
}
