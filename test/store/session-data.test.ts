import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {loadBareDbcCar} from '../../src/lib/car/index.js'
import type {Car} from '../../src/lib/car/model.js'
import {DATA_STRIDE, FrameBatch} from '../../src/lib/can/index.js'
import {CarDecoder, decodeToSamples} from '../../src/lib/decode/index.js'
import {type FrameCursor, LiveStore, openStoredFrames, readOfflineHealth, SessionManager, WINDOW_LOOKBACK_US} from '../../src/lib/store/index.js'
import {SHARED_FIXTURES, tempDir} from '../helpers.js'

const ROAD_DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')
const T0 = Date.UTC(2026, 10, 22, 9) * 1000

/** `n` RPM frames, four per millisecond (ties on ts_us, told apart by sub_ns and by stored order). */
function frames(n: number, t0: number): FrameBatch {
  const b = new FrameBatch(n)
  for (let i = 0; i < n; i++) b.push({data: [i & 255, (i >> 8) & 255, 2, 3, 4, 5, 6, 7], id: 0x140, subMicroNs: i % 2, timestampUs: t0 + Math.floor(i / 4) * 1000})
  return b
}

/** Every frame as `ts/sub/data`, for comparing orders. */
function keys(batches: Iterable<FrameBatch>): string[] {
  const out: string[] = []
  for (const b of batches) for (let i = 0; i < b.length; i++) out.push(`${b.timestampUs[i]}/${b.subMicroNs[i]}/${Buffer.from(b.data.subarray(i * DATA_STRIDE, i * DATA_STRIDE + b.dataLength[i]!)).toString('hex')}`)
  return out
}

describe('LiveStore typed reads and writes (the bridge and replay use these, not SQL)', () => {
  let dir: {path: string; cleanup: () => void}
  let car: Car
  let store: LiveStore
  let sessions: SessionManager
  beforeEach(async () => {
    dir = tempDir()
    car = (await loadBareDbcCar(ROAD_DBC)).car!
    store = (await LiveStore.open(join(dir.path, 'pitwall.duckdb'))).store
    sessions = new SessionManager(store, car, {runSheet: {driver: 'Alex', weather: 'dry'}})
  })
  afterEach(async () => {
    await store.close()
    dir.cleanup()
  })

  it('session by id, its detail, run-sheet edits, notes and channel ids', async () => {
    const batch = frames(400, T0)
    await sessions.append('stdin', 'test', batch, decodeToSamples(new CarDecoder(car), batch))
    const {id, key} = sessions.session!
    const live = await store.sessionById(id)
    expect(live).toMatchObject({archivePath: null, id, key, state: 'live'})
    expect(await store.sessionById('20991231T000000Z-nothing')).toBeUndefined()

    expect(await store.updateRunSheet(key, {driver: null, track: "Spa-Francorchamps 'GP'"})).toBe(1)
    await store.addNote(key, {engine: 'user', lap: null, priority: 'high', rule: null, text: 'brake later into "La Source"', tsUs: T0 + 5})
    await store.recordLap(key, {endUs: T0 + 90_000, lap: 1, lapTimeMs: 90, sectorsMs: [30, null, 30], startUs: T0, valid: true})
    await sessions.end('requested')

    const detail = await store.sessionDetail(key)
    expect(detail).toMatchObject({
      archivePath: null,
      carId: car.id,
      endReason: 'requested',
      firstFrameUs: T0,
      id,
      lastFrameUs: T0 + 99_000,
      laps: 1,
      meta: {weather: 'dry'},
      sources: ['stdin:test'],
      state: 'ended',
    })
    expect(detail!.runSheet).toEqual({driver: null, event: null, fuel: null, notes: null, outing: null, track: "Spa-Francorchamps 'GP'", tyres: null})
    expect(await store.sessionDetail(key + 100)).toBeUndefined()
    expect((await store.sessionById(id))?.nowUs).toBe(T0 + 99_000)
    expect(await store.query('SELECT ts_us, lap, engine, rule, priority, text FROM coaching_notes')).toEqual([
      {engine: 'user', lap: null, priority: 'high', rule: null, text: 'brake later into "La Source"', ts_us: T0 + 5},
    ])
    expect(await store.laps(key)).toEqual([{endUs: T0 + 90_000, lap: 1, lapTimeMs: 90, sectorsMs: [30, null, 30], startUs: T0, valid: true}])
    const ids = await store.channelIds(key)
    expect([...ids.keys()]).toEqual(car.channels.map((c) => c.name))
    expect(car.channels.every((c, i) => ids.get(c.name) === i)).toBe(true)
    await expect(store.updateRunSheet(key, {['driver; DROP TABLE sessions' as 'driver']: 'x'})).rejects.toThrow(/not run-sheet columns/)
  })

  it('a sample window: the channels asked for, from the lookback to the end, in time order', async () => {
    const batch = frames(4000, T0)
    const samples = decodeToSamples(new CarDecoder(car), batch)
    const rpm = car.channels.findIndex((c) => c.name === 'RPM')
    const expected: Array<[number, number]> = []
    const fromUs = T0 + WINDOW_LOOKBACK_US + 200_000
    const toUs = T0 + WINDOW_LOOKBACK_US + 600_000
    // Spread the frames over 20 s so the lookback cuts some off.
    const spread = (t: number): number => T0 + (t - T0) * 20
    for (let i = 0; i < batch.length; i++) batch.timestampUs[i] = spread(batch.timestampUs[i]!)
    for (let i = 0; i < samples.length; i++) {
      samples.timestampUs[i] = spread(samples.timestampUs[i]!)
      if (samples.channel[i] === rpm && samples.timestampUs[i]! >= fromUs - WINDOW_LOOKBACK_US && samples.timestampUs[i]! <= toUs) expected.push([samples.timestampUs[i]!, samples.value[i]!])
    }
    await sessions.append('stdin', 'test', batch, samples)
    const window = await store.sampleWindow(sessions.session!.key, [rpm], fromUs, toUs)
    expect(expected.length).toBeGreaterThan(100)
    expect(window.length).toBe(expected.length)
    expect([...window.channel.subarray(0, window.length)].every((c) => c === rpm)).toBe(true)
    const got = [...window.timestampUs.subarray(0, window.length)].map((t, i) => [t, window.value[i]!])
    expect(got.map(([t]) => t)).toEqual(expected.map(([t]) => t).sort((a, b) => a - b))
    expect(new Set(got.map(([t, v]) => `${t}:${v}`))).toEqual(new Set(expected.map(([t, v]) => `${t}:${v}`)))
  })

  it('frames in keyset pages and through openStoredFrames: every frame once, in stored time order', async () => {
    // Two appends out of time order: the second's frames sort first, ties keep their stored order.
    await sessions.append('stdin', 'test', frames(12_000, T0 + 1_000_000))
    await sessions.append('stdin', 'test', frames(8_000, T0))
    const {id, key} = sessions.session!
    const expected = (await store.query(`SELECT ts_us, sub_ns, hex(data) AS d FROM frames WHERE session_key = ${key} ORDER BY ts_us, sub_ns, rowid`)).map(
      (r) => `${String(r['ts_us'])}/${String(r['sub_ns'])}/${String(r['d']).toLowerCase()}`,
    )
    const paged: FrameBatch[] = []
    let after: FrameCursor | null = null
    for (;;) {
      const {frames: f, last} = await store.framesPage(key, after, 3000)
      const b = new FrameBatch(Math.max(f.length, 1))
      for (let i = 0; i < f.length; i++) {
        const j = b.pushHeader(f.timestampUs[i]!, f.id[i]!, f.flags[i]!, f.dataLength[i]!, f.subMicroNs[i]!, f.rawDlc[i]!)
        b.data.set(f.data.subarray(i * DATA_STRIDE, (i + 1) * DATA_STRIDE), j * DATA_STRIDE)
      }
      paged.push(b)
      if (last === null) break
      after = last
    }
    expect(keys(paged)).toEqual(expected)

    await sessions.end('requested')
    await store.close()
    const stored = (await openStoredFrames(id, dir.path))!
    const batches: FrameBatch[] = []
    for await (const b of stored.batches) batches.push(b)
    await stored.close()
    expect(stored.format).toBe('live-db')
    expect(stored.stats.framesRead).toBe(20_000)
    expect(keys(batches)).toEqual(expected)
    store = (await LiveStore.open(join(dir.path, 'pitwall.duckdb'))).store
  })

  it('the offline read for health: counts, the newest session, or why the file cannot be read', async () => {
    await sessions.append('stdin', 'test', frames(100, T0))
    const {id} = sessions.session!
    await sessions.end('requested')
    await store.close()
    const read = await readOfflineHealth(join(dir.path, 'pitwall.duckdb'))
    expect(read).toEqual({
      kind: 'read',
      lastSession: {endReason: 'requested', endedUs: expect.any(Number), frames: 100, id, lastFrameUs: T0 + 24_000, startedUs: expect.any(Number), state: 'ended'},
      recoveries: [],
      sessions: {archived: 0, ended: 1, live: 0, total: 1},
    })
    writeFileSync(join(dir.path, 'garbage.duckdb'), 'not a database at all, not even close'.repeat(200))
    expect(await readOfflineHealth(join(dir.path, 'garbage.duckdb'))).toMatchObject({kind: 'error', message: expect.any(String)})
    store = (await LiveStore.open(join(dir.path, 'pitwall.duckdb'))).store
  })
})
