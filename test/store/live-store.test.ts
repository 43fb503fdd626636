import {join} from 'node:path'
import {DuckDBInstance} from '@duckdb/node-api'
import {describe, expect, it} from 'vitest'

import {loadBareDbcCar} from '../../src/lib/car/index.js'
import {FrameBatch} from '../../src/lib/can/index.js'
import {CarDecoder, decodeToSamples} from '../../src/lib/decode/index.js'
import {InputDataError} from '../../src/lib/errors.js'
import {LiveStore, SCHEMA_VERSION, SessionManager} from '../../src/lib/store/index.js'
import {SHARED_FIXTURES} from '../helpers.js'
import {useTempDb} from './temp-db.js'

const ROAD_DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')

function frames(n: number, t0: number): FrameBatch {
  const b = new FrameBatch(n)
  for (let i = 0; i < n; i++) b.push({data: [i & 255, 1, 2, 3, 4, 5, 6, 7], id: 0x140, timestampUs: t0 + i * 1000})
  return b
}

describe('LiveStore: the worker-owned live DB', () => {
  const db = useTempDb()

  it('stores frames and their samples in one session, with car, channels, sources and run sheet', async () => {
    const car = (await loadBareDbcCar(ROAD_DBC)).car!
    const {store} = await LiveStore.open(db.path)
    const sessions = new SessionManager(store, car, {runSheet: {driver: 'Alex', track: 'Spa', weather: 'dry'}})
    const decoder = new CarDecoder(car)
    const batch = frames(3000, Date.UTC(2026, 10, 22, 9) * 1000)
    const samples = decodeToSamples(decoder, batch)
    const expectedSamples = samples.length
    let reported = 0
    store.onCommitted((_s, _k, sessionFrames) => (reported = sessionFrames))
    expect(await sessions.append('stdin', 'test', batch, samples)).toBe(true)
    await store.flush()
    expect(reported).toBe(3000)
    await sessions.end('requested')
    const [row] = await store.query('SELECT id, state, end_reason, frames, samples, driver, track, meta, sources, car_hash FROM sessions')
    expect(row).toMatchObject({driver: 'Alex', end_reason: 'requested', frames: 3000, meta: '{"weather":"dry"}', samples: expectedSamples, sources: ['stdin:test'], state: 'ended', track: 'Spa'})
    expect(String(row!['id'])).toMatch(/^\d{8}T\d{6}Z-sample_can_spec$/)
    expect((await store.query('SELECT count(*) AS n FROM cars WHERE content_hash = ?', [car.contentHash]))[0]!['n']).toBe(1)
    const channels = await store.query("SELECT name, unit, kind, message FROM channels WHERE name = 'RPM'")
    expect(channels).toEqual([{kind: 'signal', message: 'ID_140', name: 'RPM', unit: 'rpm'}])
    const first = await store.query('SELECT can_id, len, flags, hex(data) AS data FROM frames ORDER BY ts_us LIMIT 1')
    expect(first).toEqual([{can_id: 0x140, data: '0001020304050607', flags: 0, len: 8}])
    await store.close()
  })

  it('closes a session a dead process left live as unclean, at its last frame', async () => {
    const car = (await loadBareDbcCar(ROAD_DBC)).car!
    const first = await LiveStore.open(db.path)
    const sessions = new SessionManager(first.store, car)
    const t0 = Date.UTC(2026, 10, 22, 9) * 1000
    await sessions.append('stdin', 'x', frames(100, t0))
    await first.store.flush()
    // Close without ending the session, as a killed process would leave it.
    await first.store.close()
    const second = await LiveStore.open(db.path)
    expect(second.unclean).toHaveLength(1)
    const [row] = await second.store.query('SELECT state, end_reason, ended_us, frames FROM sessions')
    expect(row).toEqual({end_reason: 'unclean', ended_us: t0 + 99_000, frames: 100, state: 'ended'})
    await second.store.close()
  })

  it('drops and counts frames past the in-flight bound instead of queueing without end', async () => {
    const car = (await loadBareDbcCar(ROAD_DBC)).car!
    const {store} = await LiveStore.open(db.path, {maxInFlightFrames: 5000})
    const sessions = new SessionManager(store, car)
    const t0 = Date.UTC(2026, 10, 22, 9) * 1000
    const results = []
    for (let k = 0; k < 4; k++) results.push(await sessions.append('stdin', 'x', frames(2000, t0 + k * 2_000_000)))
    expect(results).toEqual([true, true, false, false])
    expect(store.stats.dropped.queue_full).toBe(4000)
    await store.flush()
    expect(store.stats.committedFrames).toBe(4000)
    expect(store.stats.inFlightFrames).toBe(0)
    await store.close()
  })

  it('refuses a file whose schema is newer than this code, touching nothing', async () => {
    const instance = await DuckDBInstance.create(db.path)
    const c = await instance.connect()
    await c.run('CREATE TABLE schema_version (version INTEGER NOT NULL, applied_us BIGINT NOT NULL, note VARCHAR)')
    await c.run(`INSERT INTO schema_version VALUES (${SCHEMA_VERSION + 1}, 0, 'from the future')`)
    c.closeSync()
    instance.closeSync()
    const error = await LiveStore.open(db.path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InputDataError)
    expect((error as InputDataError).code).toBe('PW_DB_TOO_NEW')
    expect((error as InputDataError).exit).toBe(65)
  })
})
