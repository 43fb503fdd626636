/**
 * The driver contract, part two: appending whole chunks (the store's write path) and streaming a
 * result chunk by chunk (replay's read path), against both drivers with the same assertions.
 */
import {beforeAll, describe, expect, it} from 'vitest'

import type {AppendColumn, DuckConnection, DuckDriver} from '../../../src/lib/store/driver/types.js'
import {useTempDb} from '../temp-db.js'
import {BIG_TS, DRIVERS, FRAMES_TABLE, frameRows, SAMPLES_TABLE, sampleRows} from './drivers.js'

describe.each(DRIVERS)('the %s driver', (_name, load) => {
  let driver: DuckDriver
  beforeAll(async () => {
    driver = await load()
  })
  const db = useTempDb()

  async function withConnection(use: (c: DuckConnection) => Promise<void>): Promise<void> {
    const database = await driver.open(db.path, {})
    const connection = await database.connect()
    try {
      await use(connection)
    } finally {
      connection.close()
      database.close()
    }
  }

  it('appends 2,048-row chunks of frames: timestamps above 2^53, empty to 64-byte payloads', async () => {
    await withConnection(async (c) => {
      await c.run(FRAMES_TABLE)
      const appender = await c.appender('frames')
      const first = frameRows(2048, 0)
      const second = frameRows(1000, 2048)
      appender.append(first.columns, 2048)
      appender.append(second.columns, 1000)
      appender.flush()
      appender.close()
      const rows = await c.query('SELECT * FROM frames ORDER BY ts_us')
      expect(rows.rows).toHaveLength(3048)
      expect(rows.rows).toEqual([...first.expected, ...second.expected])
      expect(rows.rows[0]![2]).toBe(BIG_TS)
    })
  })

  it('stores NaN as NULL, chunk after chunk with and without NULLs', async () => {
    await withConnection(async (c) => {
      await c.run(SAMPLES_TABLE)
      const appender = await c.appender('samples')
      // A reset chunk has no validity mask again: NULLs in the third chunk must not leak from the first.
      const chunks = [sampleRows(2048, 0, (r) => r % 5 === 0), sampleRows(2048, 2048, () => false), sampleRows(2048, 4096, (r) => r % 64 === 63), sampleRows(7, 6144, () => true)]
      for (const chunk of chunks) appender.append(chunk.columns, chunk.expected.length)
      appender.close() // closing flushes
      const rows = await c.query('SELECT * FROM samples ORDER BY ts_us')
      expect(rows.rows).toEqual(chunks.flatMap((chunk) => chunk.expected))
      const [[nulls]] = (await c.query('SELECT count(*) - count(value) FROM samples')).rows as [[bigint]]
      expect(nulls).toBe(BigInt(410 + 0 + 32 + 7))
    })
  })

  it('appends rows [0, n) of each column, wherever in its buffer the column starts', async () => {
    await withConnection(async (c) => {
      await c.run(SAMPLES_TABLE)
      const appender = await c.appender('samples')
      const {columns, expected} = sampleRows(3000, 0, (r) => r === 2001)
      const window = columns.map((column) => ({...column, values: (column as {values: Float64Array}).values.subarray(2000, 2100)}) as AppendColumn)
      appender.append(window, 100)
      appender.close()
      expect((await c.query('SELECT * FROM samples ORDER BY ts_us')).rows).toEqual(expected.slice(2000, 2100))
    })
  })

  it('clears the rows appended since the last flush, so closing never writes them', async () => {
    await withConnection(async (c) => {
      await c.run(SAMPLES_TABLE)
      const appender = await c.appender('samples')
      const kept = sampleRows(100, 0, () => false)
      const dropped = sampleRows(100, 100, () => false)
      appender.append(kept.columns, 100)
      appender.flush()
      appender.append(dropped.columns, 100)
      appender.clear()
      appender.close()
      expect((await c.query('SELECT * FROM samples ORDER BY ts_us')).rows).toEqual(kept.expected)
    })
  })

  it('fails an append that breaks a constraint at flush, with the message, and goes on', async () => {
    await withConnection(async (c) => {
      await c.run('CREATE TABLE strict (session_key INTEGER NOT NULL, ts_us BIGINT NOT NULL, channel_id USMALLINT NOT NULL, value DOUBLE NOT NULL)')
      const appender = await c.appender('strict')
      appender.append(sampleRows(10, 0, (r) => r === 3).columns, 10)
      // (node-api's appender errors lose DuckDB's error type; the ffi driver's keep it: ffi.test.ts.)
      expect(() => appender.flush()).toThrow(expect.objectContaining({code: 'PW_DUCKDB', message: expect.stringMatching(/NOT NULL constraint failed: strict.value/)}))
      appender.clear()
      appender.close()
      await expect(c.appender('no_such_table')).rejects.toMatchObject({code: 'PW_DUCKDB', message: expect.stringMatching(/no_such_table/)})
      expect((await c.query('SELECT count(*) FROM strict')).rows).toEqual([[0n]])
    })
  })

  it('streams a result chunk by chunk, up to 2,048 rows each', async () => {
    await withConnection(async (c) => {
      await c.run(FRAMES_TABLE)
      const appender = await c.appender('frames')
      const {columns, expected} = frameRows(2048)
      for (let i = 0; i < 3; i++) appender.append(columns, 2048)
      appender.close()
      const chunks = []
      for await (const chunk of c.stream('SELECT ts_us, data FROM frames WHERE session_key = ? ORDER BY ts_us, rowid', [7])) chunks.push(chunk)
      const rows = chunks.flatMap((chunk) => Array.from({length: chunk.rowCount}, (_, r) => chunk.columns.map((column) => column[r])))
      expect(chunks.every((chunk) => chunk.rowCount <= 2048 && chunk.columns.length === 2)).toBe(true)
      expect(rows).toHaveLength(3 * 2048)
      expect(rows.filter((_, i) => i % 3 === 0)).toEqual(expected.map((row) => [row[2], row[8]]))
    })
  })

  it('stops a stream half-way and leaves the connection usable', async () => {
    await withConnection(async (c) => {
      let seen = 0
      for await (const chunk of c.stream('SELECT range AS r FROM range(100000)')) {
        seen += chunk.rowCount
        if (seen >= 4096) break
      }
      expect(seen).toBe(4096)
      expect((await c.query('SELECT 42 AS answer')).rows).toEqual([[42]])
      const empty = []
      for await (const chunk of c.stream('SELECT 1 AS one WHERE false')) empty.push(chunk)
      expect(empty).toEqual([])
      await expect(
        (async () => {
          for await (const chunk of c.stream('SELECT * FROM missing')) expect(chunk).toBeUndefined()
        })(),
      ).rejects.toMatchObject({errorType: 'CATALOG'})
    })
  })
})
