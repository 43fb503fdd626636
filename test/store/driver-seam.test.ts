/**
 * The store's driver seam (src/lib/store/driver/index.ts): which driver is chosen, one instance
 * per file per process, the values a driver answers, and the storage version of every file
 * pitwall creates. Run with PITWALL_DUCKDB_DRIVER=ffi, the same assertions hold for the ffi driver.
 */
import {closeSync, mkdirSync, openSync, readSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'
import {describe, expect, it} from 'vitest'

import {loadBareDbcCar} from '../../src/lib/car/index.js'
import {FrameBatch} from '../../src/lib/can/index.js'
import {chooseDuckDriver, DuckDbError, intList, openDuckDatabase} from '../../src/lib/store/driver/index.js'
import {LiveStore, SessionManager} from '../../src/lib/store/index.js'
import {SHARED_FIXTURES} from '../helpers.js'
import {useTempDb} from './temp-db.js'

const ROAD_DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')
const T0 = Date.UTC(2026, 10, 22, 9) * 1000

describe('the driver choice', () => {
  it('PITWALL_DUCKDB_DRIVER picks one; anything else is a usage error', async () => {
    expect((await chooseDuckDriver({PITWALL_DUCKDB_DRIVER: 'node-api'})).name).toBe('node-api')
    await expect(chooseDuckDriver({PITWALL_DUCKDB_DRIVER: 'sqlite'})).rejects.toMatchObject({code: 'PW_BAD_SETTING', exit: 64})
  })

  it('elsewhere node-api, where its binary loads; it names its library and package', async () => {
    const driver = await chooseDuckDriver({})
    expect(driver.name).toBe('node-api')
    expect(driver.libraryVersion()).toMatch(/^v\d+\.\d+\.\d+/)
    expect(driver.origin).toMatch(/^@duckdb\/node-api \d+\.\d+\.\d+/)
  })

  it('on Termux the ffi driver, without trying node-api', async () => {
    for (const env of [{TERMUX_VERSION: '0.118.1'}, {PREFIX: '/data/data/com.termux/files/usr'}]) {
      const outcome = await chooseDuckDriver(env).then(
        (d) => d.name,
        (e: {code?: string; message: string}) => e.code,
      )
      // ffi, or the ffi driver's own refusal (no libduckdb.so there): never node-api.
      expect(outcome).not.toBe('node-api')
      expect(outcome).not.toBe('PW_DUCKDB_NODE_API')
    }
  })
})

describe('one DuckDB instance per file per process', () => {
  const db = useTempDb()

  it('a second open of a file still open is refused, by its real path; closing frees it', async () => {
    const first = await openDuckDatabase(db.path)
    const link = join(db.dir, 'link.duckdb')
    symlinkSync(db.path, link)
    await expect(openDuckDatabase(db.path)).rejects.toMatchObject({code: 'PW_DB_OPEN_TWICE', exit: 70})
    await expect(openDuckDatabase(link)).rejects.toMatchObject({code: 'PW_DB_OPEN_TWICE'})
    first.close()
    const again = await openDuckDatabase(link)
    again.close()
    // Every in-memory database is its own.
    const [a, b] = [await openDuckDatabase(':memory:'), await openDuckDatabase(':memory:')]
    a.close()
    b.close()
  })

  it('a file not created yet counts too: the directory real path and the name', async () => {
    mkdirSync(join(db.dir, 'real'))
    symlinkSync(join(db.dir, 'real'), join(db.dir, 'alias'))
    const first = await openDuckDatabase(join(db.dir, 'alias', 'new.duckdb'))
    await expect(openDuckDatabase(join(db.dir, 'real', 'new.duckdb'))).rejects.toMatchObject({code: 'PW_DB_OPEN_TWICE'})
    first.close()
  })

  it('the store worker and the thread that started it share the table', async () => {
    const {store} = await LiveStore.open(db.path)
    try {
      await expect(openDuckDatabase(db.path, {access_mode: 'READ_ONLY'})).rejects.toMatchObject({code: 'PW_DB_OPEN_TWICE'})
    } finally {
      await store.close()
    }
    const after = await openDuckDatabase(db.path, {access_mode: 'READ_ONLY'})
    after.close()
  })
})

describe('values as driver/types.ts says (node-api, or the driver PITWALL_DUCKDB_DRIVER names)', () => {
  it('integers, decimals, blobs (copies), lists with NULLs, text; other types refused', async () => {
    const database = await openDuckDatabase(':memory:')
    const c = await database.connect()
    try {
      const {columns, rows} = await c.query(
        `SELECT 1::BIGINT << 60 AS big, 1::HUGEINT << 70 AS huge, 12.5::DECIMAL(6, 2) AS dec, 7::UTINYINT AS small,
                '\\x00\\xFF'::BLOB AS blob, [1, NULL, 3] AS list, 'Nürburgring' AS text, NULL AS nothing`,
      )
      expect(columns).toEqual(['big', 'huge', 'dec', 'small', 'blob', 'list', 'text', 'nothing'])
      const [big, huge, dec, small, blob, list, text, nothing] = rows[0]!
      expect(big).toBe(2n ** 60n)
      expect(huge).toBe(2n ** 70n)
      expect(dec).toBe(12.5)
      expect(small).toBe(7)
      expect(blob).toBeInstanceOf(Uint8Array)
      expect((blob as Uint8Array).constructor).toBe(Uint8Array)
      expect([...(blob as Uint8Array)]).toEqual([0, 255])
      expect(list).toEqual([1, null, 3])
      expect(text).toBe('Nürburgring')
      expect(nothing).toBeNull()
      const refused = await c.query(`SELECT TIMESTAMP '2026-11-22 09:00:00' AS t`).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(DuckDbError)
      expect((refused as DuckDbError).message).toMatch(/TIMESTAMP/)
    } finally {
      c.close()
      database.close()
    }
  })

  it('parameters: safe integers as BIGINT, other numbers DOUBLE, an empty INTEGER[] typed', async () => {
    const database = await openDuckDatabase(':memory:')
    const c = await database.connect()
    try {
      const [row] = (await c.query('SELECT typeof(?) AS a, typeof(?) AS b, typeof(?) AS c, ? AS d, typeof(?) AS e', [2 ** 40, 0.5, intList([]), intList([1, null]), new Uint8Array([1])])).rows
      expect(row).toEqual(['BIGINT', 'DOUBLE', 'INTEGER[]', [1, null], 'BLOB'])
      await c.run('CREATE TABLE t (k INTEGER, ts BIGINT, v DOUBLE, b BLOB)')
      const appender = await c.appender('t')
      const ts = BigInt64Array.from([2n ** 53n + 1n, 0n, -1n])
      const bytes = new Uint8Array(3 * 64).map((_, i) => i & 255)
      appender.append(
        [
          {type: 'INTEGER', values: Int32Array.from([1, 2, 3])},
          {type: 'BIGINT', values: ts},
          {type: 'DOUBLE', values: Float64Array.from([1.5, NaN, -0])},
          {bytes, lengths: Uint8Array.from([64, 0, 13]), strideBytes: 64, type: 'BLOB'},
        ],
        3,
      )
      appender.flush()
      appender.close()
      const back = (await c.query('SELECT k, ts, v, octet_length(b) AS n, b FROM t ORDER BY k')).rows
      expect(back.map((r) => r.slice(0, 4))).toEqual([
        [1, 2n ** 53n + 1n, 1.5, 64n],
        [2, 0n, null, 0n],
        [3, -1n, -0, 13n],
      ])
      expect([...(back[0]![4] as Uint8Array)]).toEqual([...bytes.subarray(0, 64)])
      expect([...(back[2]![4] as Uint8Array)]).toEqual([...bytes.subarray(128, 141)])
    } finally {
      c.close()
      database.close()
    }
  })
})

/** The storage version number in a DuckDB file's main header (after the checksum and "DUCK"). */
function headerStorageNumber(path: string): bigint {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(20)
    readSync(fd, head, 0, 20, 0)
    expect(head.toString('latin1', 8, 12)).toBe('DUCK')
    return head.readBigUInt64LE(12)
  } finally {
    closeSync(fd)
  }
}

/** What DuckDB itself says of the file's format: `v1.0.0+` is readable by every DuckDB since 1.0. */
async function storageTag(path: string): Promise<string> {
  const instance = await DuckDBInstance.create(path, {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    const rows = (await c.runAndReadAll(`SELECT tags['storage_version'] AS v FROM duckdb_databases() WHERE database_name = current_database()`)).getRowObjectsJS()
    return String(rows[0]!['v'])
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

async function expectV1(path: string): Promise<void> {
  // 64: the storage number of v1.0.0 to v1.1.x (DuckDB's storage_info.cpp); newer formats are 65+.
  expect(headerStorageNumber(path)).toBe(64n)
  expect(await storageTag(path)).toBe('v1.0.0+')
}

describe('storage version v1.0.0 for every file pitwall creates', () => {
  const db = useTempDb()

  async function recordSession(store: LiveStore): Promise<string> {
    const car = (await loadBareDbcCar(ROAD_DBC)).car!
    const sessions = new SessionManager(store, car)
    const batch = new FrameBatch(500)
    for (let i = 0; i < 500; i++) batch.push({data: [i & 255, 1, 2, 3, 4, 5, 6, 7], id: 0x140, timestampUs: T0 + i * 1000})
    await sessions.append('stdin', 'test', batch)
    await store.flush()
    const id = sessions.session!.id
    await sessions.end('requested')
    return id
  }

  it('the live DB, set at open; and an archive of it', async () => {
    const {store} = await LiveStore.open(db.path)
    try {
      expect(await store.query(`SELECT current_setting('storage_compatibility_version') AS v`)).toEqual([{v: 'v1.0.0'}])
      const id = await recordSession(store)
      const archived = await store.archive(id, {format: 'duckdb'})
      await expectV1(join(db.dir, archived.path))
    } finally {
      await store.close()
    }
    await expectV1(db.path)
  })

  it("vacuum's copy, even of a live DB a newer format created", async () => {
    // A live DB as a newer DuckDB's default could have created it (storage number 65+).
    const latest = await DuckDBInstance.create(db.path, {storage_compatibility_version: 'latest'})
    latest.closeSync()
    expect(headerStorageNumber(db.path)).toBeGreaterThan(64n)
    const {store} = await LiveStore.open(db.path)
    try {
      await recordSession(store)
      const result = await store.vacuum({dryRun: false, force: true, minFreeFraction: 0, retentionMs: 90 * 86_400_000})
      expect(result.shrink.done).toBe(true)
    } finally {
      await store.close()
    }
    await expectV1(db.path)
  })

  it("salvage's new file", async () => {
    writeFileSync(db.path, Buffer.alloc(64 * 1024, 0x5a))
    const {recovery, store} = await LiveStore.open(db.path)
    await store.close()
    expect(recovery?.movedTo).toMatch(/pitwall\.duckdb\.corrupted-/)
    await expectV1(db.path)
  })
})
