/**
 * A session stores each lap exactly once however it ends (issue 11's bug: serve stored the last
 * lap twice, once from the lap tracker's listener and once more at session end). Two logs: one
 * that ends mid-lap, one that ends just after a line crossing; each through serve (forwarded)
 * and through headless ingest. The lap times are the simulator's own crossings, read off a
 * separate three-lap run of the same seed and start.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startServeProcess} from '../bridge/serve-process.js'
import {runCli, tempDir} from '../helpers.js'

const dir = tempDir('pitwall-laps-once-')
const START = '2026-11-22T09:00:00Z'
const ENV = {PITWALL_LOG_LEVEL: 'warn', PITWALL_TOKEN: 'laps-once-token-0123456789'}
const TRACK = 'pitwall_park'

interface LapRow {
  lap: number
  start_us: number
  end_us: number | null
  lap_time_ms: number | null
}

/** Laps of each session, in session order. */
async function lapsBySession(dataDir: string): Promise<LapRow[][]> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    const sessions = (await c.runAndReadAll('SELECT session_key FROM sessions ORDER BY started_us, session_key')).getRowObjectsJS()
    const out: LapRow[][] = []
    for (const s of sessions) {
      const rows = (await c.runAndReadAll(`SELECT lap, start_us, end_us, lap_time_ms FROM laps WHERE session_key = ${Number(s['session_key'])} ORDER BY lap, start_us`)).getRowObjectsJS()
      out.push(rows.map((r) => ({end_us: r['end_us'] === null ? null : Number(r['end_us']), lap: Number(r['lap']), lap_time_ms: r['lap_time_ms'] === null ? null : Number(r['lap_time_ms']), start_us: Number(r['start_us'])})))
    }
    return out
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

const ok = (r: {code: number; stderr: string}): void => expect(r.code, r.stderr).toBe(0)
const stampOf = (line: string): number => Math.round(Number(/^\((\d+\.\d+)\)/.exec(line)![1]) * 1e6)

/** The simulator's line crossings, µs: lap k ends at crossings[k]. */
let crossings: number[] = []
let midLap = ''
let onLine = ''

beforeAll(async () => {
  const full = join(dir.path, 'three-laps.log')
  ok(await runCli(['simulate', '--seed', '1', '--start-time', START, '--speed', 'max', '--laps', '3', '--to', `candump:${full}`, '--data-dir', join(dir.path, 'sim')], {env: ENV}))
  const reference = join(dir.path, 'reference')
  ok(await runCli(['ingest', '--stdin', '--track', TRACK, '--data-dir', reference], {env: ENV, input: readFileSync(full, 'utf8')}))
  const [laps] = await lapsBySession(reference)
  crossings = laps!.filter((l) => l.end_us !== null).map((l) => l.end_us!)
  expect(crossings).toHaveLength(4)
  const lines = readFileSync(full, 'utf8').split('\n').filter(Boolean)
  // Mid-lap: 40 s after the second crossing. On the line: one GPS period (50 ms at 20 Hz) past the fourth crossing.
  midLap = lines.filter((l) => stampOf(l) <= crossings[1]! + 40_000_000).join('\n') + '\n'
  onLine = lines.filter((l) => stampOf(l) <= crossings[3]! + 50_000).join('\n') + '\n'
  writeFileSync(join(dir.path, 'mid-lap.log'), midLap)
}, 300_000)

afterAll(() => dir.cleanup())

/** What each session must hold: laps 0..n once, closed ones ending at the crossings, the last one open. */
function expectLapsOnce(laps: LapRow[], closed: number): void {
  expect(laps.map((l) => l.lap)).toEqual(Array.from({length: closed + 1}, (_, k) => k))
  laps.slice(0, closed).forEach((l, k) => {
    expect(l.end_us, `lap ${k}`).toBe(crossings[k])
    if (k > 0) expect(l.start_us, `lap ${k}`).toBe(crossings[k - 1])
    expect(l.lap_time_ms, `lap ${k}`).toBe(Math.round((l.end_us! - l.start_us) / 1000))
  })
  expect(laps[closed]).toMatchObject({end_us: null, lap: closed, lap_time_ms: null, start_us: crossings[closed - 1]})
}

describe('each lap is stored once, however the session ends', () => {
  it('through ingest: a log that ends mid-lap, then one that ends on the line', async () => {
    const data = join(dir.path, 'ingest')
    ok(await runCli(['ingest', '--stdin', '--track', TRACK, '--data-dir', data], {env: ENV, input: midLap}))
    ok(await runCli(['ingest', '--stdin', '--track', TRACK, '--data-dir', data], {env: ENV, input: onLine}))
    const [a, b] = await lapsBySession(data)
    expectLapsOnce(a!, 2)
    expectLapsOnce(b!, 4)
  }, 300_000)

  it('through serve: ended on request mid-lap, then by the stop just after the line', async () => {
    const data = join(dir.path, 'serve')
    const serve = await startServeProcess(data, ['--track', TRACK], ENV)
    try {
      ok(await runCli(['ingest', '--forward', '--stdin', '--data-dir', data], {env: ENV, input: midLap}))
      expect((await serve.request('POST', '/session/_live/end')).status).toBe(202)
      for (let tries = 0; (await serve.request('GET', '/sessions')).body.sessions.some((s: {state: string}) => s.state === 'live'); tries++) {
        if (tries > 600) throw new Error('the session did not end within 60 s')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      ok(await runCli(['ingest', '--forward', '--stdin', '--data-dir', data], {env: ENV, input: onLine}))
    } finally {
      expect(await serve.stop()).toEqual({code: 0, signal: null})
    }
    const [a, b] = await lapsBySession(data)
    expectLapsOnce(a!, 2)
    expectLapsOnce(b!, 4)
  }, 300_000)
})
