/**
 * The store's one contact with DuckDB: a driver opens a database file and hands out connections
 * that run SQL with bound parameters, read results as JS values, stream results chunk by chunk,
 * and append whole columns. Two drivers implement it: `node-api` (@duckdb/node-api, where its
 * prebuilt binary loads) and `ffi` (koffi over a libduckdb.so: Termux's, or the one inside the
 * installed bindings package). Nothing outside src/lib/store/driver imports either.
 *
 * Values are the same whichever driver produced them (the contract tests hold both to it):
 *
 * | DuckDB type | JS value |
 * |---|---|
 * | BOOLEAN | boolean |
 * | TINYINT, SMALLINT, INTEGER, UTINYINT, USMALLINT, UINTEGER | number |
 * | BIGINT, UBIGINT, HUGEINT | bigint |
 * | FLOAT, DOUBLE, DECIMAL | number |
 * | VARCHAR | string |
 * | BLOB | Uint8Array (a copy: it outlives the result) |
 * | LIST of any of these | an array of their values |
 * | NULL of any type | null |
 *
 * Any other type in a result is a `DuckDbError` naming it (the store selects none).
 */

/** Which driver: `node-api` (@duckdb/node-api) or `ffi` (koffi over libduckdb.so). */
export type DuckDriverName = 'node-api' | 'ffi'

/** A value in a result row (see the table above). */
export type DuckValue = null | boolean | number | bigint | string | Uint8Array | DuckValue[]

/**
 * A value bound to a `?` parameter. A number that is a safe integer binds as BIGINT, any other
 * number as DOUBLE (DuckDB casts both to the column's type); `IntList` binds an INTEGER[] (typed:
 * an empty list has no element to infer its type from).
 */
export type DuckParam = null | boolean | number | bigint | string | Uint8Array | IntList

/** An INTEGER[] parameter (a lap's sector times). */
export interface IntList {
  readonly kind: 'int-list'
  readonly values: ReadonlyArray<number | null>
}

export const intList = (values: ReadonlyArray<number | null>): IntList => ({kind: 'int-list', values})

/** A query's answer: column names, and rows of values in column order. */
export interface DuckRows {
  readonly columns: readonly string[]
  readonly rows: ReadonlyArray<readonly DuckValue[]>
}

/** One chunk of a streamed result: up to 2,048 rows, as columns of values. */
export interface DuckChunk {
  readonly rowCount: number
  /** `columns[c][r]`: column c of row r. */
  readonly columns: ReadonlyArray<readonly DuckValue[]>
}

/**
 * A column to append, rows `[0, n)` of it (pass subarrays for an offset). Fixed-width columns go
 * into DuckDB's vector memory in bulk; a BLOB column's rows go in one by one: row r is
 * `bytes[r * strideBytes, r * strideBytes + lengths[r])`.
 */
export type AppendColumn =
  | {readonly type: 'INTEGER'; readonly values: Int32Array}
  | {readonly type: 'UTINYINT'; readonly values: Uint8Array}
  | {readonly type: 'USMALLINT'; readonly values: Uint16Array}
  | {readonly type: 'UINTEGER'; readonly values: Uint32Array}
  | {readonly type: 'BIGINT'; readonly values: BigInt64Array}
  /** NaN is stored as NULL (docs/schema.md). */
  | {readonly type: 'DOUBLE'; readonly values: Float64Array}
  | {readonly type: 'BLOB'; readonly bytes: Uint8Array; readonly strideBytes: number; readonly lengths: Uint8Array}

/** Appends whole chunks to one table; rows become visible at `flush()` (inside the caller's transaction). */
export interface DuckAppender {
  /** Appends `rowCount` rows (at most 2,048), one column per table column, in table order. */
  append(columns: readonly AppendColumn[], rowCount: number): void
  flush(): void
  /** Drops rows appended since the last flush: after a failed transaction, so that closing never writes them. */
  clear(): void
  close(): void
}

/**
 * One connection. At most one call runs on it at a time (calls queue); different connections of
 * one database run side by side (the reader reads while the writer commits or checkpoints).
 */
export interface DuckConnection {
  /** Runs a statement with `?` parameters; resolves with the rows it changed (0 for DDL). Without parameters the text runs as it is, not prepared (ATTACH, COPY … TO need that). */
  run(sql: string, params?: readonly DuckParam[]): Promise<number>
  /** Runs a query; resolves with all its rows. */
  query(sql: string, params?: readonly DuckParam[]): Promise<DuckRows>
  /** Runs a query and yields its result chunk by chunk; nothing of a chunk outlives the next fetch but the values handed out. */
  stream(sql: string, params?: readonly DuckParam[]): AsyncIterable<DuckChunk>
  /** An appender on `table` (of the connection's current catalog). */
  appender(table: string): Promise<DuckAppender>
  close(): void
}

/** One open database file (or `:memory:`). */
export interface DuckDatabase {
  readonly path: string
  readonly driver: DuckDriverName
  connect(): Promise<DuckConnection>
  /** Closes the database; its connections must be closed first. */
  close(): void
}

/**
 * DuckDB settings given at open, by DuckDB's names: `threads`, `memory_limit`,
 * `checkpoint_threshold`, `access_mode` (READ_ONLY), `storage_compatibility_version` (v1.0.0, so a
 * newer library never writes a format an older one or the other driver cannot read).
 */
export type DuckConfig = Readonly<Record<string, string>>

export interface DuckDriver {
  readonly name: DuckDriverName
  /** The library's version, `v1.5.5`. */
  libraryVersion(): string
  /** Where the library came from: the package, or the libduckdb.so path. */
  readonly origin: string
  /** Opens (creating) a file. Errors are `DuckDbError`s carrying DuckDB's own message. */
  open(path: string, config: DuckConfig): Promise<DuckDatabase>
}

/** An error DuckDB reported (its message, which classifyDuckDbError reads), from either driver. */
export class DuckDbError extends Error {
  readonly code = 'PW_DUCKDB'
  constructor(
    message: string,
    /** DuckDB's error type where the driver knows it (`IO`, `Corruption`…). */
    readonly errorType?: string,
  ) {
    super(message)
    this.name = 'DuckDbError'
  }
}
