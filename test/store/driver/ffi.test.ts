/**
 * The ffi driver's own rules (src/lib/store/driver/ffi): which library it loads and when it
 * refuses one, lazy binding, validity masks, copies that outlive DuckDB's memory, its error types,
 * and closing with calls still queued.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import koffi from 'koffi'
import {afterEach, describe, expect, it} from 'vitest'

import {UnavailableError} from '../../../src/lib/errors.js'
import {bindCApi, DECLARATIONS, DUCKDB_TYPE} from '../../../src/lib/store/driver/ffi/capi.js'
import {tooOld} from '../../../src/lib/store/driver/ffi/errors.js'
import {checkTestedVersion, errorTypeFromMessage, libraryCandidates, loadFfiDriver, TESTED_LIBRARY_VERSIONS} from '../../../src/lib/store/driver/ffi/index.js'
import {loadLibrary} from '../../../src/lib/store/driver/ffi/library.js'
import {ROOT} from '../../helpers.js'
import {useTempDb} from '../temp-db.js'
import {sampleRows} from './drivers.js'

const BINDINGS_LIBRARY = join(ROOT, 'node_modules', '@duckdb', 'node-bindings-linux-x64', 'libduckdb.so')
const saved = {...process.env}
afterEach(() => {
  for (const key of ['PITWALL_LIBDUCKDB', 'PITWALL_DUCKDB_UNTESTED']) {
    if (saved[key] === undefined) delete process.env[key]
    else process.env[key] = saved[key]
  }
})

describe('which libduckdb the ffi driver loads', () => {
  const db = useTempDb()

  it('PITWALL_LIBDUCKDB or the caller names one; else Termux’s, then the bindings package’s', () => {
    expect(libraryCandidates('/opt/lib/libduckdb.so', {PITWALL_LIBDUCKDB: '/elsewhere.so'})).toEqual({explicit: true, paths: ['/opt/lib/libduckdb.so']})
    expect(libraryCandidates(undefined, {PITWALL_LIBDUCKDB: '/elsewhere.so'})).toEqual({explicit: true, paths: ['/elsewhere.so']})
    expect(libraryCandidates(undefined, {PREFIX: '/data/data/com.termux/files/usr'}).paths).toEqual(['/data/data/com.termux/files/usr/lib/libduckdb.so', BINDINGS_LIBRARY])
    expect(libraryCandidates(undefined, {})).toEqual({explicit: false, paths: [BINDINGS_LIBRARY]})
  })

  it('loads the bindings package’s library and names it', async () => {
    delete process.env['PITWALL_LIBDUCKDB']
    const driver = await loadFfiDriver()
    expect([driver.name, driver.origin, driver.libraryVersion()]).toEqual(['ffi', BINDINGS_LIBRARY, 'v1.5.5'])
    process.env['PITWALL_LIBDUCKDB'] = BINDINGS_LIBRARY
    expect((await loadFfiDriver()).origin).toBe(BINDINGS_LIBRARY)
  })

  it('a missing or unloadable library is exit 69, naming what was tried and what to do', async () => {
    const notElf = join(db.dir, 'libduckdb.so')
    writeFileSync(notElf, 'not a shared library')
    for (const path of [join(db.dir, 'missing.so'), notElf]) {
      const error = await loadFfiDriver({libraryPath: path}).then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(UnavailableError)
      expect(error).toMatchObject({code: 'PW_DUCKDB_UNAVAILABLE', exit: 69, message: expect.stringContaining(path)})
      expect((error as UnavailableError).suggestions.join('\n')).toMatch(/pkg install libduckdb[\s\S]*PITWALL_LIBDUCKDB=\/path\/to\/libduckdb.so/)
    }
    process.env['PITWALL_LIBDUCKDB'] = join(db.dir, 'missing.so')
    await expect(loadFfiDriver()).rejects.toMatchObject({code: 'PW_DUCKDB_UNAVAILABLE', message: expect.stringContaining('missing.so: no such file')})
  })

  it('refuses a library outside the tested versions unless PITWALL_DUCKDB_UNTESTED=1', () => {
    expect(TESTED_LIBRARY_VERSIONS).toEqual({newest: 'v1.5.6', oldest: 'v1.5.5'})
    for (const version of ['v1.5.5', 'v1.5.6']) expect(() => checkTestedVersion(version, 'lib.so', {})).not.toThrow()
    for (const version of ['v1.4.4', 'v1.5.7', 'v2.0.0', 'nonsense']) {
      expect(() => checkTestedVersion(version, '/usr/lib/libduckdb.so', {})).toThrow(
        expect.objectContaining({code: 'PW_DUCKDB_UNTESTED', exit: 69, message: `libduckdb ${version} (/usr/lib/libduckdb.so) is outside the versions pitwall was tested with (v1.5.5 to v1.5.6)`}),
      )
      expect(() => checkTestedVersion(version, 'lib.so', {PITWALL_DUCKDB_UNTESTED: '1'})).not.toThrow()
    }
    const error = (() => {
      try {
        checkTestedVersion('v1.6.0', 'lib.so', {})
      } catch (e) {
        return e as UnavailableError
      }
    })()
    expect(error?.suggestions.join('\n')).toMatch(/apt-mark hold libduckdb[\s\S]*PITWALL_DUCKDB_UNTESTED=1/)
  })

  it('names the error type of a message that carries none', () => {
    const cases: Array<[string, string | undefined]> = [
      ['IO Error: Could not set lock on file "/d/pitwall.duckdb"', 'IO'],
      ['Invalid Input Error: Cannot execute statement of type "INSERT"', 'INVALID_INPUT'],
      ['TransactionContext Error: Conflict on update', 'TRANSACTION'],
      ['Failed to extract statements: Parser Error: syntax error at or near "SELEC"', 'PARSER'],
      ['Invalid Error: nothing to go on', undefined],
      ['Failed to append: NOT NULL constraint failed: strict.value', undefined],
      ['Corrupt database file: computed checksum does not match', undefined],
    ]
    for (const [message, type] of cases) expect(errorTypeFromMessage(message), message).toBe(type)
  })

  it('binds each function on first use: one the library lacks fails that call alone', () => {
    const {path, version} = loadLibrary(undefined)
    const api = bindCApi(koffi.load(path), (name) => tooOld(version, name, path), {...DECLARATIONS, duckdb_vector_size: 'idx_t duckdb_no_such_function()'})
    expect(() => api.duckdb_vector_size()).toThrow(expect.objectContaining({code: 'PW_DUCKDB_TOO_OLD', exit: 69, message: `libduckdb ${version} is too old for duckdb_vector_size (${path})`}))
    expect(api.duckdb_library_version()).toBe(version)
  })
})

describe('the ffi driver at work', () => {
  const db = useTempDb()

  it('finds a validity mask NULL until made writable, and NULL again after a chunk reset', () => {
    const {api} = loadLibrary(undefined)
    const type = api.duckdb_create_logical_type(DUCKDB_TYPE.DOUBLE)
    const chunk = api.duckdb_create_data_chunk([type], 1)!
    try {
      const vector = api.duckdb_data_chunk_get_vector(chunk, 0)
      expect(api.duckdb_vector_get_validity(vector)).toBeNull()
      api.duckdb_vector_ensure_validity_writable(vector)
      expect(typeof api.duckdb_vector_get_validity(vector)).toBe('bigint')
      api.duckdb_data_chunk_reset(chunk)
      expect(api.duckdb_vector_get_validity(vector)).toBeNull()
    } finally {
      api.duckdb_destroy_data_chunk([chunk])
      api.duckdb_destroy_logical_type([type])
    }
  })

  it('hands out copies: values outlive the result and chunk they came from', async () => {
    const database = await (await loadFfiDriver()).open(db.path, {})
    const c = await database.connect()
    const read = (fill: number): Promise<unknown[][]> =>
      c.query(`SELECT repeat(chr(${fill}), 40) AS text, repeat(chr(${fill}), 40)::BLOB AS blob, repeat(chr(${fill}), 5)::BLOB AS short FROM range(500)`).then((r) => r.rows as unknown[][])
    const first = await read(65)
    // Freed memory gets reused by the next results: a view into it would now read other bytes.
    for (let fill = 66; fill < 76; fill++) await read(fill)
    expect(first.every(([text]) => text === 'A'.repeat(40))).toBe(true)
    for (const [, blob, short] of first as Array<[string, Uint8Array, Uint8Array]>) {
      expect(blob).toEqual(new Uint8Array(40).fill(65))
      expect(short).toEqual(new Uint8Array(5).fill(65))
      // Its own buffer, exactly its size: not a window on DuckDB's memory.
      expect([blob.byteOffset, blob.buffer.byteLength, short.buffer.byteLength]).toEqual([0, 40, 5])
    }
    c.close()
    database.close()
  })

  it('keeps DuckDB’s error type for appender errors', async () => {
    const database = await (await loadFfiDriver()).open(db.path, {})
    const c = await database.connect()
    await c.run('CREATE TABLE strict (session_key INTEGER NOT NULL, ts_us BIGINT NOT NULL, channel_id USMALLINT NOT NULL, value DOUBLE NOT NULL)')
    const appender = await c.appender('strict')
    appender.append(sampleRows(4, 0, (r) => r === 2).columns, 4)
    expect(() => appender.flush()).toThrow(expect.objectContaining({errorType: 'CONSTRAINT', message: 'Failed to append: NOT NULL constraint failed: strict.value'}))
    expect(() => appender.append(sampleRows(2049, 0, () => false).columns, 2049)).toThrow(/at most 2048 rows/)
    appender.clear()
    appender.close()
    expect(() => appender.flush()).toThrow(/the appender is closed/)
    await expect(c.appender('missing')).rejects.toMatchObject({errorType: 'CATALOG'})
    c.close()
    database.close()
  })

  it('streams on a connection of its own: the caller’s connection stays free meanwhile', async () => {
    const database = await (await loadFfiDriver()).open(db.path, {})
    const c = await database.connect()
    const stream = c.stream('SELECT range AS r FROM range(10000)')[Symbol.asyncIterator]()
    const first = await stream.next()
    expect(first.value?.rowCount).toBe(2048)
    // Half-way through the stream, its connection's own calls go on.
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([[1]])
    await stream.return?.()
    c.close()
    database.close()
  })

  it('closes a connection after its queued calls, and the database after its connections', async () => {
    const driver = await loadFfiDriver()
    const database = await driver.open(db.path, {threads: '1'})
    const c = await database.connect()
    const queued = [c.query('SELECT count(*) AS n FROM range(50000000)'), c.run('CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)')]
    database.close() // closes c once its calls have run
    await expect(c.query('SELECT 1')).rejects.toMatchObject({errorType: 'CONNECTION'})
    await expect(database.connect()).rejects.toMatchObject({errorType: 'CONNECTION'})
    expect(await queued[0]).toEqual({columns: ['n'], rows: [[50_000_000n]]})
    expect(await queued[1]).toBe(1)
    // The file is free again: the lock went with the last connection.
    await new Promise((resolve) => setImmediate(resolve))
    const again = await driver.open(db.path, {})
    const reader = await again.connect()
    expect((await reader.query('SELECT a FROM t')).rows).toEqual([[1]])
    again.close()
  })
})
