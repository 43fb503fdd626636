/**
 * The `node-api` driver: @duckdb/node-api and its prebuilt binary. The only module of pitwall that
 * imports @duckdb/*, and only through the dynamic import in ./index.ts: where the binary cannot
 * load (Termux's bionic libc) nothing reaches this file.
 */
import {createRequire} from 'node:module'

import {
  BIGINT,
  BLOB,
  blobValue,
  BOOLEAN,
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  HUGEINT,
  INTEGER,
  JSDuckDBValueConverter,
  LIST,
  listValue,
  SQLNULL,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
  version,
} from '@duckdb/node-api'
import duckdb from '@duckdb/node-bindings'

import {errorTypeFromMessage} from './ffi/error-types.js'
import {type AppendColumn, type DuckAppender, type DuckChunk, type DuckConfig, type DuckConnection, type DuckDatabase, DuckDbError, type DuckDriver, type DuckParam, type DuckRows, type DuckValue} from './types.js'

const CHUNK_ROWS = 2048

export function nodeApiDriver(): DuckDriver {
  const pkg = createRequire(import.meta.url)('@duckdb/node-api/package.json') as {version: string}
  return {
    libraryVersion: () => version(),
    name: 'node-api',
    async open(path: string, config: DuckConfig): Promise<DuckDatabase> {
      const instance = await duck(() => DuckDBInstance.create(path, {...config}))
      return {
        close: () => instance.closeSync(),
        connect: async () => new NodeApiConnection(await duck(() => instance.connect())),
        driver: 'node-api',
        path,
      }
    },
    origin: `@duckdb/node-api ${pkg.version}`,
  }
}

/** Every error out of DuckDB as a DuckDbError with its message (classifyDuckDbError reads it). */
async function duck<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw toDuckDbError(error)
  }
}

function toDuckDbError(error: unknown): DuckDbError {
  if (error instanceof DuckDbError) return error
  const message = error instanceof Error ? error.message : String(error)
  // "IO Error: Could not set lock…": the prefix is DuckDB's error type, named as the ffi driver names it.
  return new DuckDbError(message, errorTypeFromMessage(message))
}

class NodeApiConnection implements DuckConnection {
  private tail: Promise<unknown> = Promise.resolve()

  constructor(private readonly c: DuckDBConnection) {}

  run(sql: string, params?: readonly DuckParam[]): Promise<number> {
    return this.serial(async () => (await this.c.run(sql, ...bound(params))).rowsChanged)
  }

  query(sql: string, params?: readonly DuckParam[]): Promise<DuckRows> {
    return this.serial(async () => {
      const reader = await this.c.runAndReadAll(sql, ...bound(params))
      const columns = reader.columnNames()
      checkTypes(columns, reader.columnTypes())
      return {columns, rows: reader.getRowsJS().map((row) => row.map(plain))}
    })
  }

  async *stream(sql: string, params?: readonly DuckParam[]): AsyncIterable<DuckChunk> {
    // The connection is this stream's until it ends: another statement would cut the result off.
    let release!: () => void
    const done = new Promise<void>((resolve) => (release = resolve))
    const turn = this.tail.then(() => undefined)
    this.tail = turn.then(() => done)
    await turn
    try {
      const result = await duck(() => this.c.stream(sql, ...bound(params)))
      const columns = result.columnNames()
      checkTypes(columns, result.columnTypes())
      for (let chunk = await duck(() => result.fetchChunk()); chunk && chunk.rowCount > 0; chunk = await duck(() => result.fetchChunk())) {
        yield {columns: chunk.convertColumns(JSDuckDBValueConverter).map((column) => column.map(plain)), rowCount: chunk.rowCount}
      }
    } finally {
      release()
    }
  }

  appender(table: string): Promise<DuckAppender> {
    return this.serial(async () => new NodeApiAppender(await this.c.createAppender(table)))
  }

  close(): void {
    this.c.closeSync()
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => duck(work))
    this.tail = run.catch(() => undefined)
    return run
  }
}

/** `?` values typed as types.ts says: safe integers BIGINT, other numbers DOUBLE, INTEGER[] lists. */
function bound(params: readonly DuckParam[] | undefined): [DuckDBValue[] | undefined, DuckDBType[] | undefined] {
  if (params === undefined || params.length === 0) return [undefined, undefined]
  const values: DuckDBValue[] = []
  const types: DuckDBType[] = []
  const push = (value: DuckDBValue, type: DuckDBType): void => {
    values.push(value)
    types.push(type)
  }
  for (const p of params) {
    if (p === null) push(null, SQLNULL)
    else if (typeof p === 'boolean') push(p, BOOLEAN)
    else if (typeof p === 'number') push(Number.isSafeInteger(p) ? BigInt(p) : p, Number.isSafeInteger(p) ? BIGINT : DOUBLE)
    else if (typeof p === 'bigint') push(p, BigInt.asIntN(64, p) === p ? BIGINT : HUGEINT)
    else if (typeof p === 'string') push(p, VARCHAR)
    else if (p instanceof Uint8Array) push(blobValue(p), BLOB)
    else push(listValue(p.values.map((v) => v)), LIST(INTEGER))
  }
  return [values, types]
}

const READABLE = new Set<DuckDBTypeId>([
  DuckDBTypeId.BOOLEAN,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.VARCHAR,
  DuckDBTypeId.BLOB,
  DuckDBTypeId.SQLNULL,
])

/** The types.ts table, and nothing else: both drivers answer the same values or refuse alike. */
function checkTypes(names: readonly string[], types: readonly DuckDBType[]): void {
  types.forEach((type, i) => {
    let t = type
    while (t.typeId === DuckDBTypeId.LIST) t = (t as DuckDBType & {valueType: DuckDBType}).valueType
    if (!READABLE.has(t.typeId)) throw new DuckDbError(`column "${names[i]}" is ${type.toString()}: the store reads none of that type (cast it in the query)`)
  })
}

/** A node-api JS value as types.ts's: a BLOB as a plain Uint8Array (node-api gives a Buffer, already a copy). */
function plain(v: unknown): DuckValue {
  if (v instanceof Uint8Array) return v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  if (Array.isArray(v)) return v.map(plain)
  return v as DuckValue
}

const VECTOR_TYPES: Record<AppendColumn['type'], DuckDBType> = {BIGINT, BLOB, DOUBLE, INTEGER, UINTEGER, USMALLINT, UTINYINT}

/**
 * Whole columns into a reused data chunk: one memcpy per fixed-width column
 * (`copy_data_to_vector`), BLOB rows one by one (`vector_assign_string_element_len`), a DOUBLE
 * column's NaNs as NULL through its validity mask (writable only after
 * `ensure_validity_writable`, and all-valid again after each reset).
 */
class NodeApiAppender implements DuckAppender {
  private chunk: DuckDBDataChunk | undefined
  private shape = ''
  private readonly validity = new BigUint64Array(CHUNK_ROWS / 64)

  constructor(private readonly a: DuckDBAppender) {}

  append(columns: readonly AppendColumn[], rowCount: number): void {
    const chunk = this.chunkFor(columns)
    chunk.reset()
    const raw = chunk.chunk
    columns.forEach((column, c) => {
      const vector = duckdb.data_chunk_get_vector(raw, c)
      if (column.type === 'BLOB') {
        for (let r = 0; r < rowCount; r++) {
          const at = r * column.strideBytes
          duckdb.vector_assign_string_element_len(vector, r, column.bytes.subarray(at, at + column.lengths[r]!))
        }
        return
      }
      const v = column.values
      duckdb.copy_data_to_vector(vector, 0, v.buffer as ArrayBuffer, v.byteOffset, rowCount * v.BYTES_PER_ELEMENT)
      if (column.type === 'DOUBLE') this.nullsForNaN(vector, column.values, rowCount)
    })
    duckdb.data_chunk_set_size(raw, rowCount)
    try {
      this.a.appendDataChunk(chunk)
    } catch (error) {
      throw toDuckDbError(error)
    }
  }

  flush(): void {
    try {
      this.a.flushSync()
    } catch (error) {
      throw toDuckDbError(error)
    }
  }

  clear(): void {
    this.a.clear()
  }

  close(): void {
    this.a.closeSync()
  }

  private chunkFor(columns: readonly AppendColumn[]): DuckDBDataChunk {
    const shape = columns.map((c) => c.type).join(',')
    if (!this.chunk || shape !== this.shape) {
      this.chunk = DuckDBDataChunk.create(columns.map((c) => VECTOR_TYPES[c.type]), CHUNK_ROWS)
      this.shape = shape
    }
    return this.chunk
  }

  private nullsForNaN(vector: duckdb.Vector, values: Float64Array, rowCount: number): void {
    let nulls = false
    this.validity.fill(0xffff_ffff_ffff_ffffn)
    for (let i = 0; i < rowCount; i++) {
      const v = values[i]!
      if (v !== v) {
        nulls = true
        this.validity[i >> 6] = this.validity[i >> 6]! & ~(1n << BigInt(i & 63))
      }
    }
    if (!nulls) return
    duckdb.vector_ensure_validity_writable(vector)
    duckdb.copy_data_to_vector_validity(vector, 0, this.validity.buffer, 0, Math.ceil(rowCount / 64) * 8)
  }
}
