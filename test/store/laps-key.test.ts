import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'
import {describe, expect, it} from 'vitest'

import {loadBareDbcCar} from '../../src/lib/car/index.js'
import {FrameBatch} from '../../src/lib/can/index.js'
import {type LapRecord, LiveStore, MIGRATIONS, SCHEMA_VERSION, SessionManager} from '../../src/lib/store/index.js'
import {SHARED_FIXTURES} from '../helpers.js'
import {useTempDb} from './temp-db.js'

const ROAD_DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')
const T0 = Date.UTC(2026, 10, 22, 9) * 1000

const lap = (n: number, endUs: number | null, lapTimeMs: number | null, sectorsMs: Array<number | null> = []): LapRecord => ({
  endUs,
  lap: n,
  lapTimeMs,
  sectorsMs,
  startUs: T0 + n * 100_000_000,
  valid: endUs !== null,
})

/** Laps as the route reads them, without the start (derived from the lap number above). */
async function lapsOf(store: LiveStore, key: number): Promise<Array<[number, number | null, number | null, Array<number | null>]>> {
  return (await store.laps(key)).map((l) => [l.lap, l.endUs, l.lapTimeMs, [...l.sectorsMs]])
}

describe('laps: one row per (session, lap number)', () => {
  const db = useTempDb()

  it('recordLap replaces an earlier record of the same lap: the later one wins', async () => {
    const {store} = await LiveStore.open(db.path)
    try {
      await store.recordLap(1, lap(1, T0 + 200_000_000, 91_000, [30_000, 31_000, 30_000]))
      await store.recordLap(1, lap(2, null, null))
      await store.recordLap(1, lap(2, T0 + 290_000_000, 90_000, [29_000, 31_000, 30_000]))
      await store.recordLap(2, lap(2, null, null))
      // The same closed lap twice (serve's end of session after the line): still one row.
      await store.recordLap(1, lap(2, T0 + 290_000_000, 90_000, [29_000, 31_000, 30_000]))
      expect(await lapsOf(store, 1)).toEqual([
        [1, T0 + 200_000_000, 91_000, [30_000, 31_000, 30_000]],
        [2, T0 + 290_000_000, 90_000, [29_000, 31_000, 30_000]],
      ])
      expect(await lapsOf(store, 2)).toEqual([[2, null, null, []]])
      expect(await store.query('SELECT count(*) AS n FROM laps')).toEqual([{n: 3}])
    } finally {
      await store.close()
    }
  })

  it('a file written before the key opens migrated: duplicates gone, the closed lap kept over an open one, then the last written', async () => {
    // A schema-1 file as an older pitwall left it, written directly.
    const old = await DuckDBInstance.create(db.path)
    const c = await old.connect()
    await c.run('CREATE TABLE schema_version (version INTEGER NOT NULL, applied_us BIGINT NOT NULL, note VARCHAR)')
    await c.run(MIGRATIONS.find((m) => m.version === 1)!.sql)
    await c.run(`INSERT INTO schema_version VALUES (1, ${T0}, 'initial schema')`)
    const rows: Array<[number, number, number | null, number | null, string]> = [
      // [session, lap, end, lap time, sectors]
      [1, 1, 1000, 91_000, '[30000, 31000, 30000]'],
      [1, 2, null, null, '[]'], // open lap at the line…
      [1, 2, 2000, 90_000, '[29000, 31000, 30000]'], // …then closed: kept
      [1, 3, 3000, 92_000, '[1, 2, 3]'], // closed: kept over the open record written after it
      [1, 3, null, null, '[]'],
      [1, 4, 4000, 93_000, '[1]'],
      [1, 4, 4001, 94_000, '[2]'], // two closed records: the last written is kept
      [2, 1, null, null, '[5]'],
      [2, 1, null, null, '[6]'], // only open records: the last written
      [2, 2, 5000, 95_000, '[7]'], // no duplicate: untouched
    ]
    for (const [s, n, end, time, sectors] of rows) {
      await c.run(`INSERT INTO laps VALUES (${s}, ${n}, ${T0 + n}, ${end ?? 'NULL'}, ${time ?? 'NULL'}, ${end !== null}, ${sectors}::INTEGER[])`)
    }
    c.closeSync()
    old.closeSync()

    const {store} = await LiveStore.open(db.path)
    try {
      expect(SCHEMA_VERSION).toBe(2)
      expect(await store.query('SELECT version, note FROM schema_version ORDER BY version')).toEqual([
        {note: 'initial schema', version: 1},
        {note: 'laps: one row per (session_key, lap)', version: 2},
      ])
      expect(await lapsOf(store, 1)).toEqual([
        [1, 1000, 91_000, [30_000, 31_000, 30_000]],
        [2, 2000, 90_000, [29_000, 31_000, 30_000]],
        [3, 3000, 92_000, [1, 2, 3]],
        [4, 4001, 94_000, [2]],
      ])
      expect(await lapsOf(store, 2)).toEqual([
        [1, null, null, [6]],
        [2, 5000, 95_000, [7]],
      ])
    } finally {
      await store.close()
    }
  })

  it('restoring an archive an older pitwall wrote with a lap twice keeps one row per lap', async () => {
    const car = (await loadBareDbcCar(ROAD_DBC)).car!
    const {store} = await LiveStore.open(db.path)
    try {
      const sessions = new SessionManager(store, car)
      const batch = new FrameBatch(100)
      for (let i = 0; i < 100; i++) batch.push({data: [i, 0, 0, 0, 0, 0, 0, 0], id: 0x140, timestampUs: T0 + i * 1000})
      await sessions.append('stdin', 'test', batch)
      const {id, key} = sessions.session!
      await store.recordLap(key, lap(1, T0 + 50_000, 50))
      await store.recordLap(key, lap(2, null, null))
      await sessions.end('requested')
      const archived = await store.archive(id)
      // The archive as a pitwall before the key would have written it: lap 2 open, then closed.
      const file = await DuckDBInstance.create(join(db.dir, archived.path))
      const c = await file.connect()
      await c.run(`INSERT INTO laps VALUES (${key}, 2, ${T0 + 2}, ${T0 + 99_000}, 49, true, [20, 29])`)
      await c.run('DELETE FROM schema_version WHERE version = 2')
      c.closeSync()
      file.closeSync()

      const restored = await store.restoreArchive(join(db.dir, archived.path))
      expect(restored.rows['laps']).toBe(2)
      expect(await lapsOf(store, restored.sessionKey)).toEqual([
        [1, T0 + 50_000, 50, []],
        [2, T0 + 99_000, 49, [20, 29]],
      ])
    } finally {
      await store.close()
    }
  })
})
