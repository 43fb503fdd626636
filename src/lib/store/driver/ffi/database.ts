/**
 * One open database file: the native `duckdb_database`, opened with its settings through a
 * `duckdb_config`, and the connections made on it. Closing waits for those connections to finish
 * what they have queued.
 */
import koffi from 'koffi'

import {DuckDbError, type DuckConfig, type DuckConnection, type DuckDatabase} from '../types.js'
import {allocZeroed, type CApi, callAsync, DUCKDB_STATE, type Pointer} from './capi.js'
import {type ConnectionOwner, FfiConnection} from './connection.js'
import {takeErrorText} from './errors.js'

export class FfiDatabase implements DuckDatabase, ConnectionOwner {
  readonly driver = 'ffi' as const
  private readonly connections = new Set<FfiConnection>()
  private closing = false

  private constructor(
    private readonly api: CApi,
    private handle: Pointer | null,
    readonly path: string,
  ) {}

  /** Opens (creating) `path` with DuckDB settings by name; the open itself runs off the main thread. */
  static async open(api: CApi, path: string, config: DuckConfig): Promise<FfiDatabase> {
    const configSlot = allocZeroed('duckdb_config')
    const databaseSlot = allocZeroed('duckdb_database')
    const errorSlot = allocZeroed('void *')
    try {
      const created = api.duckdb_create_config(configSlot)
      const native = koffi.decode(configSlot, 'void *') as Pointer | null
      try {
        if (created !== DUCKDB_STATE.DuckDBSuccess || native === null) throw new DuckDbError('DuckDB could not allocate a configuration')
        for (const [name, value] of Object.entries(config)) {
          if (api.duckdb_set_config(native, name, value) !== DUCKDB_STATE.DuckDBSuccess) {
            throw new DuckDbError(`Invalid Configuration Error: DuckDB refused the setting ${name} = '${value}'`, 'INVALID_CONFIGURATION')
          }
        }
        const state = await callAsync(api.duckdb_open_ext, path, databaseSlot, native, errorSlot)
        if (state !== DUCKDB_STATE.DuckDBSuccess) throw takeErrorText(api, errorSlot, `open ${path}`)
      } finally {
        if (native !== null) api.duckdb_destroy_config([native]) // even after a failure, says the header
      }
      return new FfiDatabase(api, koffi.decode(databaseSlot, 'void *') as Pointer, path)
    } finally {
      for (const slot of [configSlot, databaseSlot, errorSlot]) koffi.free(slot)
    }
  }

  connect(): Promise<DuckConnection> {
    try {
      return Promise.resolve(this.openConnection())
    } catch (error) {
      return Promise.reject(error)
    }
  }

  openConnection(): FfiConnection {
    if (this.closing || this.handle === null) throw new DuckDbError(`Connection Error: the database ${this.path} is closed`, 'CONNECTION')
    const slot = allocZeroed('duckdb_connection')
    try {
      if (this.api.duckdb_connect(this.handle, slot) !== DUCKDB_STATE.DuckDBSuccess) throw new DuckDbError(`Connection Error: cannot connect to ${this.path}`, 'CONNECTION')
      const connection = new FfiConnection(this.api, koffi.decode(slot, 'void *') as Pointer, this)
      this.connections.add(connection)
      return connection
    } finally {
      koffi.free(slot)
    }
  }

  disconnected(connection: FfiConnection): void {
    this.connections.delete(connection)
    if (this.closing && this.connections.size === 0) this.release()
  }

  /** Closes every connection still open (after their queued calls), then the database. */
  close(): void {
    if (this.closing) return
    this.closing = true
    for (const connection of [...this.connections]) connection.close()
    if (this.connections.size === 0) this.release()
  }

  private release(): void {
    if (this.handle === null) return
    this.api.duckdb_close([this.handle])
    this.handle = null
  }
}
