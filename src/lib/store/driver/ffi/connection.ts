/**
 * One native connection. Its calls queue, so at most one runs at a time (DuckDB serialises a
 * connection anyway; queueing keeps the waiting in JS, not on a pool thread), while other
 * connections of the same database run theirs meanwhile on koffi's (libuv's) thread pool.
 */
import {DuckDbError, type DuckAppender, type DuckChunk, type DuckConnection, type DuckParam, type DuckRows} from '../types.js'
import type {CApi, Pointer} from './capi.js'
import {FfiAppender} from './append.js'
import {destroyResult, execute, readChunks, readRows, rowsChanged} from './result.js'

/** What a connection needs of its database: a fresh connection for streams, and word when it is gone. */
export interface ConnectionOwner {
  openConnection(): FfiConnection
  disconnected(connection: FfiConnection): void
}

export class FfiConnection implements DuckConnection {
  private tail: Promise<unknown> = Promise.resolve()
  private inFlight = 0
  private closing = false
  private readonly appenders = new Set<FfiAppender>()

  constructor(
    private readonly api: CApi,
    private handle: Pointer | null,
    private readonly owner: ConnectionOwner,
  ) {}

  run(sql: string, params?: readonly DuckParam[]): Promise<number> {
    return this.withResult(sql, params, rowsChanged)
  }

  query(sql: string, params?: readonly DuckParam[]): Promise<DuckRows> {
    return this.withResult(sql, params, readRows)
  }

  /**
   * Runs on a connection of its own, so its chunks never wait behind this connection's calls (it
   * sees committed data only). DuckDB's C API streams only through deprecated functions, so the
   * result is materialised inside DuckDB first and handed out chunk by chunk from there.
   */
  async *stream(sql: string, params?: readonly DuckParam[]): AsyncGenerator<DuckChunk> {
    const own = this.owner.openConnection()
    try {
      const result = await own.enqueue((handle) => execute(own.api, handle, sql, params))
      try {
        yield* readChunks(own.api, result).chunks
      } finally {
        destroyResult(own.api, result)
      }
    } finally {
      own.close()
    }
  }

  appender(table: string): Promise<DuckAppender> {
    return this.enqueue(async (handle) => {
      const appender = await FfiAppender.create(this.api, handle, table, () => this.appenders.delete(appender))
      this.appenders.add(appender)
      return appender
    })
  }

  /** Disconnects once the calls already queued have run; later calls fail. */
  close(): void {
    if (this.closing) return
    this.closing = true
    if (this.inFlight === 0) this.disconnect()
    else void this.tail.then(() => this.disconnect())
  }

  /** Executes in turn, reads what it needs of the result, and destroys the result. */
  private withResult<T>(sql: string, params: readonly DuckParam[] | undefined, read: (api: CApi, result: Pointer) => T): Promise<T> {
    return this.enqueue(async (handle) => {
      const result = await execute(this.api, handle, sql, params)
      try {
        return read(this.api, result)
      } finally {
        destroyResult(this.api, result)
      }
    })
  }

  private enqueue<T>(call: (handle: Pointer) => Promise<T>): Promise<T> {
    if (this.closing || this.handle === null) return Promise.reject(new DuckDbError('Connection Error: the connection is closed', 'CONNECTION'))
    const handle = this.handle
    this.inFlight++
    const done = this.tail.then(() => call(handle))
    this.tail = done.then(
      () => this.inFlight--,
      () => this.inFlight--,
    )
    return done
  }

  private disconnect(): void {
    if (this.handle === null) return
    for (const appender of this.appenders) appender.abandon()
    this.api.duckdb_disconnect([this.handle])
    this.handle = null
    this.owner.disconnected(this)
  }
}
