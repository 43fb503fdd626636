/**
 * Every way frames come in is decoded, stored and lap-timed by the same code (issue 11): one log,
 * written by the simulator, goes through serve (forwarded to POST /api/frames), headless ingest,
 * `simulate --to db` (same seed and start) and `replay --to db`; the four stores hold the same
 * frames, the same samples per channel and the same laps. The stamps are the log's own (a fixed
 * start time), so nothing here depends on the host clock.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type ServeProcess, startServeProcess} from '../bridge/serve-process.js'
import {runCli, tempDir} from '../helpers.js'

const dir = tempDir('pitwall-one-path-')
const START = '2026-11-22T09:00:00Z'
const LOG = join(dir.path, 'three-laps.log')
const ENV = {PITWALL_LOG_LEVEL: 'warn', PITWALL_TOKEN: 'one-path-token-0123456789'}
const TRACK = 'pitwall_park'

interface Stored {
  frames: string[]
  samples: Map<string, string[]>
  laps: Array<{lap: number; start_us: number; end_us: number | null; lap_time_ms: number | null; valid: boolean | null; sectors_ms: Array<number | null> | null}>
  sessions: number
}

/** What a data dir's live DB holds, ids and wall-clock columns left out. */
async function stored(dataDir: string): Promise<Stored> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    const rows = async (sql: string): Promise<Array<Record<string, unknown>>> => (await c.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>
    const frames = (await rows('SELECT ts_us, sub_ns, can_id, flags, len, raw_dlc, hex(data) AS data FROM frames ORDER BY ts_us, can_id, data')).map((r) => `${r['ts_us']}.${r['sub_ns']} ${r['can_id']} ${r['flags']} ${r['len']} ${r['raw_dlc']} ${r['data']}`)
    const samples = new Map<string, string[]>()
    for (const r of await rows('SELECT c.name, s.ts_us, s.value FROM samples s JOIN channels c USING (session_key, channel_id) ORDER BY c.name, s.ts_us, s.value')) {
      const name = String(r['name'])
      if (!samples.has(name)) samples.set(name, [])
      samples.get(name)!.push(`${r['ts_us']} ${r['value']}`)
    }
    const laps = (await rows('SELECT lap, start_us, end_us, lap_time_ms, valid, sectors_ms FROM laps ORDER BY lap, start_us')).map((r) => ({
      end_us: r['end_us'] === null ? null : Number(r['end_us']),
      lap: Number(r['lap']),
      lap_time_ms: r['lap_time_ms'] === null ? null : Number(r['lap_time_ms']),
      sectors_ms: r['sectors_ms'] as Array<number | null> | null,
      start_us: Number(r['start_us']),
      valid: r['valid'] as boolean | null,
    }))
    const [count] = await rows('SELECT count(*)::INTEGER AS n FROM sessions')
    return {frames, laps, samples, sessions: Number(count!['n'])}
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

const ok = (r: {code: number; stderr: string}): void => expect(r.code, r.stderr).toBe(0)

let viaServe: Stored
let viaIngest: Stored
let viaSimulate: Stored
let viaReplay: Stored

beforeAll(async () => {
  ok(await runCli(['simulate', '--seed', '1', '--start-time', START, '--speed', 'max', '--laps', '3', '--to', `candump:${LOG}`, '--data-dir', join(dir.path, 'sim-file')], {env: ENV}))
  const text = readFileSync(LOG, 'utf8')

  const serveDir = join(dir.path, 'serve')
  const serve: ServeProcess = await startServeProcess(serveDir, ['--track', TRACK], ENV)
  try {
    ok(await runCli(['ingest', '--forward', '--stdin', '--data-dir', serveDir], {env: ENV, input: text}))
  } finally {
    expect(await serve.stop()).toEqual({code: 0, signal: null})
  }

  const runs = await Promise.all([
    runCli(['ingest', '--stdin', '--track', TRACK, '--data-dir', join(dir.path, 'ingest')], {env: ENV, input: text}),
    runCli(['simulate', '--seed', '1', '--start-time', START, '--speed', 'max', '--laps', '3', '--to', 'db', '--track', TRACK, '--data-dir', join(dir.path, 'simulate')], {env: ENV}),
    runCli(['replay', LOG, '--to', 'db', '--track', TRACK, '--json', '--data-dir', join(dir.path, 'replay')], {env: ENV}),
  ])
  for (const r of runs) ok(r)
  ;[viaServe, viaIngest, viaSimulate, viaReplay] = await Promise.all([serveDir, join(dir.path, 'ingest'), join(dir.path, 'simulate'), join(dir.path, 'replay')].map(stored))
}, 600_000)

afterAll(() => dir.cleanup())

describe('one live path: serve, ingest, simulate --to db and replay --to db store the same', () => {
  it('frames: timestamp, id, flags and data, every one', () => {
    expect(viaIngest.frames.length).toBeGreaterThan(20_000)
    expect(viaServe.frames).toEqual(viaIngest.frames)
    expect(viaSimulate.frames).toEqual(viaIngest.frames)
    expect(viaReplay.frames).toEqual(viaIngest.frames)
  })

  it('samples, channel by channel', () => {
    const channels = [...viaIngest.samples.keys()].sort()
    expect(channels).toEqual(expect.arrayContaining(['lat', 'lon', 'rpm', 'speed_ms']))
    for (const other of [viaServe, viaSimulate, viaReplay]) {
      expect([...other.samples.keys()].sort()).toEqual(channels)
      for (const name of channels) expect(other.samples.get(name), name).toEqual(viaIngest.samples.get(name))
    }
  })

  it('laps: numbers, start and end times, lap and sector times; each lap once', () => {
    const laps = viaIngest.laps
    // Lap 0 (the start to the first crossing), three full laps, and the lap still open at the end.
    expect(laps.map((l) => l.lap)).toEqual([0, 1, 2, 3, 4])
    expect(laps.filter((l) => l.lap >= 1 && l.lap <= 3).every((l) => l.valid && l.lap_time_ms !== null && l.lap_time_ms > 60_000)).toBe(true)
    expect(laps.at(-1)).toMatchObject({end_us: null, lap: 4, lap_time_ms: null})
    for (const [name, other] of [["serve", viaServe], ["simulate", viaSimulate], ["replay", viaReplay]] as const) expect(other.laps, name).toEqual(laps)
    for (const s of [viaServe, viaIngest, viaSimulate, viaReplay]) expect(s.sessions).toBe(1)
  })
})
