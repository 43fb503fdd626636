/**
 * The driver contract (src/lib/store/driver/types.ts): the same assertions against both drivers,
 * in one process, on real DuckDB files in a temp dir. Appending and streaming are in
 * contract-append.test.ts.
 */
import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {classifyDuckDbError} from '../../../src/lib/store/duckdb-errors.js'
import {type DuckConnection, type DuckDatabase, DuckDbError, type DuckDriver, intList} from '../../../src/lib/store/driver/types.js'
import {ROOT} from '../../helpers.js'
import {useTempDb} from '../temp-db.js'
import {BIG_TS, DRIVERS} from './drivers.js'

describe.each(DRIVERS)('the %s driver', (_name, load) => {
  let driver: DuckDriver
  beforeAll(async () => {
    driver = await load()
  })
  const db = useTempDb()

  /** Opens the temp DB, hands a connection to `use`, and closes both after. */
  async function withConnection<T>(use: (c: DuckConnection, d: DuckDatabase) => Promise<T>, config: Record<string, string> = {}, path = db.path): Promise<T> {
    const database = await driver.open(path, config)
    const connection = await database.connect()
    try {
      return await use(connection, database)
    } finally {
      connection.close()
      database.close()
    }
  }

  it('names its library version', () => {
    expect(driver.libraryVersion()).toMatch(/^v1\.\d+\.\d+/)
    expect(driver.origin).not.toBe('')
  })

  it('opens with DuckDB settings by name', async () => {
    const rows = await withConnection((c) => c.query(`SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory`), {memory_limit: '64MiB', threads: '2'})
    expect(rows.columns).toEqual(['threads', 'memory'])
    expect(rows.rows).toEqual([[2n, '64.0 MiB']])
  })

  it('refuses an unknown setting, and writes to a file opened READ_ONLY', async () => {
    await expect(driver.open(db.path, {no_such_setting: '1'})).rejects.toBeInstanceOf(DuckDbError)
    await withConnection((c) => c.run('CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)'))
    await withConnection(async (c) => {
      await expect(c.run('INSERT INTO t VALUES (2)')).rejects.toMatchObject({errorType: 'INVALID_INPUT', message: expect.stringMatching(/read-only/)})
      expect((await c.query('SELECT a FROM t')).rows).toEqual([[1]])
    }, {access_mode: 'READ_ONLY'})
  })

  it('runs statements, reporting the rows they changed', async () => {
    await withConnection(async (c) => {
      expect(await c.run('CREATE TABLE t (a INTEGER, b VARCHAR)')).toBe(0)
      expect(await c.run('INSERT INTO t VALUES (1, ?), (2, ?)', ['x', 'y'])).toBe(2)
      // Without parameters the text runs as it is: several statements at once (the last one counts).
      expect(await c.run('INSERT INTO t VALUES (3, NULL); UPDATE t SET b = b || b')).toBe(3)
      expect(await c.run('DELETE FROM t WHERE a > ?', [1])).toBe(2)
      expect((await c.query('SELECT * FROM t')).rows).toEqual([[1, 'xx']])
    })
  })

  it('binds every kind of parameter', async () => {
    const rows = await withConnection((c) =>
      c.query('SELECT ?::BIGINT AS int, ?::DOUBLE AS num, ?::BIGINT AS big, ? AS text, ?::BLOB AS blob, ?::BOOLEAN AS yes, ?::INTEGER AS nothing, ? AS sectors, ? AS empty, ?::UTINYINT AS cast', [
        42,
        0.1,
        BIG_TS,
        'Nürburgring – Döttinger Höhe 🏁',
        new Uint8Array([0, 255, 7]),
        true,
        null,
        intList([31_250, null, 28_004]),
        intList([]),
        200,
      ]),
    )
    expect(rows.rows).toEqual([[42n, 0.1, BIG_TS, 'Nürburgring – Döttinger Höhe 🏁', new Uint8Array([0, 255, 7]), true, null, [31_250, null, 28_004], [], 200]])
  })

  it('reads every type of the table as its JS value', async () => {
    const rows = await withConnection((c) =>
      c.query(`SELECT true AS b, -5::TINYINT AS ti, -300::SMALLINT AS si, 70000::INTEGER AS i, 200::UTINYINT AS ut,
        60000::USMALLINT AS us, 4000000000::UINTEGER AS ui, ${BIG_TS}::BIGINT AS bi, 18446744073709551615::UBIGINT AS ub,
        -170141183460469231731687303715884105727::HUGEINT AS hi, 1.5::FLOAT AS f, 2.25::DOUBLE AS d, 12.345::DECIMAL(10,3) AS dec,
        -1.25::DECIMAL(30,2) AS wide, 'ünï ✓'::VARCHAR AS text, ''::VARCHAR AS empty, 'a string longer than twelve bytes' AS long,
        '\\x00\\xFF'::BLOB AS blob, ''::BLOB AS noblob, [1, NULL, 3]::INTEGER[] AS list, []::INTEGER[] AS nolist,
        ['pits', NULL]::VARCHAR[] AS texts, [[1], [NULL, 2]] AS nested, NULL::VARCHAR AS nulltext, NULL AS nothing`),
    )
    expect(rows.rows).toEqual([
      [
        true, -5, -300, 70_000, 200, 60_000, 4_000_000_000, BIG_TS, 2n ** 64n - 1n, -(2n ** 127n - 1n), 1.5, 2.25, 12.345, -1.25,
        'ünï ✓', '', 'a string longer than twelve bytes', new Uint8Array([0, 255]), new Uint8Array(0), [1, null, 3], [],
        ['pits', null], [[1], [null, 2]], null, null,
      ],
    ])
    const blob = rows.rows[0]![17] as Uint8Array
    expect(blob.constructor).toBe(Uint8Array)
  })

  it('refuses a type outside the table, naming it', async () => {
    await expect(withConnection((c) => c.query(`SELECT TIMESTAMP '2026-11-22 09:00:00' AS t`))).rejects.toMatchObject({
      message: expect.stringMatching(/TIMESTAMP/),
      name: 'DuckDbError',
    })
  })

  it("reports DuckDB's errors with their message and type", async () => {
    await withConnection(async (c) => {
      await c.run('CREATE TABLE t (a INTEGER NOT NULL)')
      const failures: Array<[Promise<unknown>, string, RegExp]> = [
        [c.query('SELEC 1'), 'PARSER', /syntax error at or near "SELEC"/],
        [c.query('SELECT * FROM missing'), 'CATALOG', /Table with name missing does not exist/],
        // The same, prepared: the statement's own error.
        [c.query('SELEC ?', [1]), 'PARSER', /syntax error at or near "SELEC"/],
        [c.query('SELECT * FROM missing WHERE a = ?', [1]), 'CATALOG', /Table with name missing does not exist/],
        [c.query('SELECT ?::INTEGER', ['x']), 'CONVERSION', /Could not convert string 'x' to INT32/],
        [c.run('INSERT INTO t VALUES (NULL)'), 'CONSTRAINT', /NOT NULL constraint failed/],
        [c.run('INSERT INTO t VALUES (?)', [null]), 'CONSTRAINT', /NOT NULL constraint failed/],
      ]
      for (const [failure, errorType, message] of failures) {
        const error = await failure.then(() => undefined, (e: unknown) => e)
        expect(error).toBeInstanceOf(DuckDbError)
        expect(error).toMatchObject({code: 'PW_DUCKDB', errorType, message: expect.stringMatching(message)})
      }
      // The connection goes on after its errors.
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([[1]])
    })
  })

  it('tells a file that is not a database from one it cannot reach', async () => {
    const garbage = join(db.dir, 'garbage.duckdb')
    writeFileSync(garbage, Buffer.alloc(64 * 1024, 0x5a))
    const corrupt = await driver.open(garbage, {}).then(() => undefined, (e: unknown) => e)
    expect(corrupt).toMatchObject({errorType: 'IO', message: expect.stringMatching(/not a valid DuckDB database file/)})
    expect(classifyDuckDbError(corrupt).kind).toBe('corrupt')
    const missing = await driver.open(join(db.dir, 'no', 'such', 'dir.duckdb'), {}).then(() => undefined, (e: unknown) => e)
    expect(missing).toMatchObject({errorType: 'IO', message: expect.stringMatching(/No such file or directory/)})
    expect(classifyDuckDbError(missing).kind).toBe('other')
  })

  it('tells a file another process holds, naming that process', async () => {
    // node-api's CommonJS build holds the file in a plain child process until killed.
    const hold = `require('@duckdb/node-api').DuckDBInstance.create(${JSON.stringify(db.path)})
      .then((held) => { globalThis.held = held; console.log('open'); setInterval(() => {}, 60000) })`
    const holder = spawn(process.execPath, ['-e', hold], {cwd: ROOT})
    try {
      await new Promise((resolve, reject) => {
        holder.stdout.once('data', resolve)
        holder.once('exit', reject)
      })
      const locked = await driver.open(db.path, {}).then(() => undefined, (e: unknown) => e)
      expect(locked).toMatchObject({errorType: 'IO', message: expect.stringMatching(/Could not set lock on file/)})
      expect(classifyDuckDbError(locked)).toMatchObject({kind: 'locked', pid: holder.pid})
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('attaches a second file and checkpoints both', async () => {
    const other = join(db.dir, 'archive.duckdb')
    await withConnection(async (c) => {
      await c.run(`ATTACH '${other}' AS archive (STORAGE_VERSION 'v1.0.0')`)
      await c.run('CREATE TABLE archive.laps (lap INTEGER, sectors INTEGER[])')
      expect(await c.run('INSERT INTO archive.laps VALUES (?, ?)', [1, intList([30_001, null])])).toBe(1)
      await c.run('CHECKPOINT')
      await c.run('CHECKPOINT archive')
      await c.run('DETACH archive')
    })
    await withConnection(async (c) => expect((await c.query('SELECT * FROM laps')).rows).toEqual([[1, [30_001, null]]]), {}, other)
  })

  it('copies a query to a parquet file and reads it back', async () => {
    const file = join(db.dir, 'frames.parquet')
    await withConnection(async (c) => {
      expect(await c.run(`COPY (SELECT range AS ts_us, 'ü' || range AS note FROM range(3)) TO '${file}' (FORMAT parquet)`)).toBe(3)
      expect((await c.query('SELECT * FROM read_parquet(?) ORDER BY ts_us', [file])).rows).toEqual([[0n, 'ü0'], [1n, 'ü1'], [2n, 'ü2']])
    })
  })

  /** A writer connection and a reader connection on one database (threads=1: one core for the long calls). */
  async function withReader(use: (writer: DuckConnection, reader: DuckConnection) => Promise<void>, config: Record<string, string> = {}): Promise<void> {
    await withConnection(async (writer, database) => {
      const reader = await database.connect()
      try {
        await use(writer, reader)
      } finally {
        reader.close()
      }
    }, {threads: '1', ...config})
  }

  it('reads on one connection while another holds a long call', async () => {
    await withReader(async (writer, reader) => {
      await writer.run('CREATE TABLE t AS SELECT range AS a FROM range(1000)')
      await writer.run('BEGIN')
      await writer.run('INSERT INTO t SELECT range FROM range(1000, 2000)')
      const {finished, track} = finishing()
      // Seconds of work on the writer's connection, inside its open transaction.
      const long = track('long', writer.query('SELECT count(*) AS n FROM range(400000000) r1 WHERE r1.range % 7 = 3'))
      const read = track('read', reader.query('SELECT count(*) AS n FROM t'))
      const queued = track('queued', writer.query('SELECT count(*) AS n FROM t'))
      expect((await read).rows).toEqual([[1000n]]) // the writer's rows are not committed
      expect((await long).rows).toEqual([[57_142_857n]])
      expect((await queued).rows).toEqual([[2000n]])
      expect(finished).toEqual(['read', 'long', 'queued'])
      await writer.run('COMMIT')
      expect((await reader.query('SELECT count(*) AS n FROM t')).rows).toEqual([[2000n]])
    })
  })

  it('reads on one connection while another checkpoints', async () => {
    await withReader(async (writer, reader) => {
      await writer.run('CREATE TABLE small AS SELECT 1 AS a')
      await writer.run('CHECKPOINT')
      await writer.run(`CREATE TABLE big AS SELECT range AS a, range * 2 AS b, md5(range::VARCHAR) AS c FROM range(3000000)`)
      const {finished, track} = finishing()
      const checkpoint = track('checkpoint', writer.run('CHECKPOINT'))
      const read = track('read', reader.query('SELECT a FROM small'))
      expect((await read).rows).toEqual([[1]])
      await checkpoint
      expect(finished).toEqual(['read', 'checkpoint'])
    }, {checkpoint_threshold: '1GB'})
  })
})

/** Records the order in which tracked promises settle. */
function finishing(): {finished: string[]; track: <T>(name: string, promise: Promise<T>) => Promise<T>} {
  const finished: string[] = []
  return {
    finished,
    track: (name, promise) =>
      promise.finally(() => {
        finished.push(name)
      }),
  }
}
