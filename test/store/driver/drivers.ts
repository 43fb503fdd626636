/**
 * The drivers the contract tests hold to the same assertions, and the columns they append (the
 * shapes of the store's `frames` and `samples` tables).
 */
import type {AppendColumn, DuckDriver} from '../../../src/lib/store/driver/types.js'
import {loadFfiDriver} from '../../../src/lib/store/driver/ffi/index.js'

/** Each driver by name; node-api's through the module the seam imports it from. */
export const DRIVERS: ReadonlyArray<readonly [string, () => Promise<DuckDriver>]> = [
  ['ffi', () => loadFfiDriver()],
  ['node-api', async () => (await import('../../../src/lib/store/driver/node-api.js')).nodeApiDriver()],
]

export const FRAMES_TABLE = `CREATE TABLE frames (session_key INTEGER NOT NULL, source_id UTINYINT NOT NULL, ts_us BIGINT NOT NULL,
  sub_ns USMALLINT NOT NULL, can_id UINTEGER NOT NULL, flags UTINYINT NOT NULL, len UTINYINT NOT NULL, raw_dlc UTINYINT NOT NULL, data BLOB NOT NULL)`
export const SAMPLES_TABLE = 'CREATE TABLE samples (session_key INTEGER NOT NULL, ts_us BIGINT NOT NULL, channel_id USMALLINT NOT NULL, value DOUBLE)'

/** Above 2^53 µs: exact only as bigint. */
export const BIG_TS = 2n ** 53n + 12_345n
const STRIDE = 64
/** Payload lengths cycling through empty, classic, inline-sized (12), just past inline (13) and CAN FD's 64. */
const LENGTHS = [0, 8, 12, 13, 64, 3]

export interface FrameRows {
  readonly columns: AppendColumn[]
  /** What a `SELECT * FROM frames ORDER BY ts_us` gives back, row by row. */
  readonly expected: unknown[][]
}

/** `n` frames starting at row `from` of a run: timestamps above 2^53, every payload length. */
export function frameRows(n: number, from = 0): FrameRows {
  const ts = new BigInt64Array(n)
  const lengths = new Uint8Array(n)
  const bytes = new Uint8Array(n * STRIDE)
  const ids = new Uint32Array(n)
  const flags = new Uint8Array(n)
  const expected: unknown[][] = []
  for (let i = 0; i < n; i++) {
    const row = from + i
    ts[i] = BIG_TS + BigInt(row) * 7n
    ids[i] = row % 3 === 0 ? 0x1abc_def0 : 0x7e0 + (row % 16)
    flags[i] = row % 3 === 0 ? 1 : row % 11 === 0 ? 2 : 8 * (row % 2)
    const remote = (flags[i]! & 2) !== 0
    lengths[i] = remote ? 0 : LENGTHS[row % LENGTHS.length]!
    for (let b = 0; b < lengths[i]!; b++) bytes[i * STRIDE + b] = (row * 31 + b) & 0xff
    const len = remote ? 8 : lengths[i]!
    expected.push([7, 1, ts[i], row % 1000, ids[i], flags[i], len, 0, bytes.slice(i * STRIDE, i * STRIDE + lengths[i]!)])
  }
  const columns: AppendColumn[] = [
    {type: 'INTEGER', values: new Int32Array(n).fill(7)},
    {type: 'UTINYINT', values: new Uint8Array(n).fill(1)},
    {type: 'BIGINT', values: ts},
    {type: 'USMALLINT', values: Uint16Array.from({length: n}, (_, i) => (from + i) % 1000)},
    {type: 'UINTEGER', values: ids},
    {type: 'UTINYINT', values: flags},
    {type: 'UTINYINT', values: Uint8Array.from(expected, (r) => r[6] as number)},
    {type: 'UTINYINT', values: new Uint8Array(n)},
    {type: 'BLOB', bytes, lengths, strideBytes: STRIDE},
  ]
  return {columns, expected}
}

/** `n` samples; the rows `nanAt` says are NaN, which come back NULL. */
export function sampleRows(n: number, from: number, nanAt: (row: number) => boolean): FrameRows {
  const values = Float64Array.from({length: n}, (_, i) => (nanAt(from + i) ? Number.NaN : (from + i) * 0.25 - 100))
  const ts = BigInt64Array.from({length: n}, (_, i) => BIG_TS + BigInt(from + i))
  const channels = Uint16Array.from({length: n}, (_, i) => (from + i) % 40)
  return {
    columns: [
      {type: 'INTEGER', values: new Int32Array(n).fill(7)},
      {type: 'BIGINT', values: ts},
      {type: 'USMALLINT', values: channels},
      {type: 'DOUBLE', values},
    ],
    expected: Array.from({length: n}, (_, i) => [7, ts[i], channels[i], Number.isNaN(values[i]) ? null : values[i]]),
  }
}
