/**
 * `pitwall health` against a real serve: the report and the exit code with the bridge up, and
 * with it stopped (not reachable: status down, exit 2, what the live DB says read directly).
 */
import {join} from 'node:path'

import {createElement} from 'react'
import {renderToString} from 'ink'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {HealthReport} from '../../src/lib/bridge/health-report.js'
import {FpsHistory, healthText, healthView, sparkline} from '../../src/lib/ops/index.js'
import {HealthScreen} from '../../src/lib/ops/health-ui/HealthScreen.js'
import {runCli, tempDir} from '../helpers.js'
import {killAll} from '../ingest/helpers.js'
import {CLEAN_ENV, type ServeChild, startServe} from './cli-helpers.js'

const EXIT = {degraded: 1, down: 2, ok: 0} as const

describe('pitwall health (CLI)', () => {
  const dir = tempDir('pitwall-cli-health-')
  const data = join(dir.path, 'data')
  let serve: ServeChild
  const cli = (...args: string[]) => runCli([...args, '--data-dir', data], {env: CLEAN_ENV})

  beforeAll(async () => {
    serve = await startServe(data, ['--simulate'])
    for (let i = 0; i < 100; i++) {
      if ((await serve.request('GET', '/health')).body.can.fps > 0) break
      await new Promise((r) => setTimeout(r, 100))
    }
  }, 120_000)
  afterAll(async () => {
    await serve?.stop()
    killAll()
    dir.cleanup()
  })

  it('bridge up: --json is the report with reachable and url, and the exit code follows the status', async () => {
    const r = await cli('health', '--json')
    const report = JSON.parse(r.stdout)
    expect(report).toMatchObject({reachable: true, url: serve.url, auth: 'on'})
    expect(['ok', 'degraded']).toContain(report.status)
    expect(r.code).toBe(EXIT[report.status as 'ok' | 'degraded'])
    expect(report.can.fps).toBeGreaterThan(0)
    expect(report.can.ids.length).toBeGreaterThan(0)
    expect(report.session.id).toMatch(/bmw_e46_m3$/)
    // The DuckDB driver serve stores through, and its library's version.
    expect(report.db.driver).toBe(process.env['PITWALL_DUCKDB_DRIVER'] || 'node-api')
    expect(report.db.library_version).toMatch(/^v\d+\.\d+\.\d+/)
  }, 60_000)

  it('bridge up, into a pipe: the plain text screen', async () => {
    const r = await cli('health')
    expect([0, 1]).toContain(r.code)
    expect(r.stdout).toMatch(/^pitwall health: (OK|DEGRADED) {2}http:\/\/127\.0\.0\.1:\d+/)
    expect(r.stdout).toMatch(/^source {3}connected {2}simulator:/m)
    expect(r.stdout).toMatch(/^rate {5}\d+ frames\/s/m)
    expect(r.stdout).toMatch(/^session {2}\d{8}T\d{6}Z-bmw_e46_m3/m)
    expect(r.stdout).toContain('ID   MESSAGE')
    expect(r.stdout).toMatch(/^db .*, DuckDB v\d+\.\d+\.\d+ \((node-api|ffi)\)$/m)
  }, 60_000)

  it('--watch into a pipe: a line per read until SIGINT, then the exit code of the last read', async () => {
    const {spawn} = await import('node:child_process')
    const {ROOT} = await import('../helpers.js')
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'health', '--watch', '--interval', '200', '--data-dir', data], {env: {...process.env, ...CLEAN_ENV}})
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
    for (let i = 0; i < 600 && (out.match(/^\d\d:\d\d:\d\d \| /gm) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGINT')
    const code = await exit
    const lines = out.match(/^\d\d:\d\d:\d\d \| (OK|DEGRADED|DOWN) \| .*$/gm) ?? []
    expect(lines.length).toBeGreaterThanOrEqual(2)
    const last = /\| (OK|DEGRADED|DOWN) \|/.exec(lines.at(-1)!)![1]!.toLowerCase() as keyof typeof EXIT
    expect(code).toBe(EXIT[last])
  }, 90_000)

  it('bridge down: reachable false, status down, exit 2, and the live DB read directly', async () => {
    expect(await serve.stop()).toEqual({code: 0, signal: null})
    // The stopped serve's own URL: nothing else may be listening on the default port.
    const r = await cli('health', '--json', '--url', serve.url)
    expect(r.code, r.stderr).toBe(2)
    const report = JSON.parse(r.stdout)
    expect(report).toMatchObject({db: {exists: true, held_by: null, error: null}, reachable: false, status: 'down', url: serve.url})
    expect(report.bridge_error).toContain('ECONNREFUSED')
    expect(report.sessions.total).toBeGreaterThanOrEqual(1)
    expect(report.last_session).toMatchObject({end_reason: 'shutdown', state: 'ended'})
    expect(report.last_session.frames).toBeGreaterThan(0)
    expect(report.reasons[0]).toContain('start it with pitwall serve')
    const text = await cli('health', '--url', serve.url)
    expect(text.code).toBe(2)
    expect(text.stdout).toMatch(/^pitwall health: DOWN/)
    expect(text.stdout).toMatch(/^sessions 1: 0 live, 1 ended, 0 archived$/m)
  }, 90_000)
})

describe('the health screen', () => {
  const report = {
    auth: 'on',
    can: {
      adapter_flags: null,
      connected: true,
      fps: 240,
      frames_dropped: {adapter_overflow: 3, queue_full: 0},
      frames_total: 12_000,
      hints: [],
      ids: [
        {expectedHz: 50, frames: 500, id: '421', lastSeenS: 0.02, message: 'SmartyCam02', missed: 0, rateHz: 49.5, stale: false},
        {expectedHz: 10, frames: 80, id: '420', lastSeenS: 4.2, message: 'SmartyCam01', missed: 2, rateHz: 0, stale: true},
        {expectedHz: 1, frames: 0, id: '456', lastSeenS: null, message: 'AimExtended07', missed: 0, rateHz: 0, stale: true},
      ],
      last_frame_age_s: 0.01,
      reconnects: 0,
      source: 'adapter:/dev/ttyACM0',
      sources: [{fps: 240, frames_total: 12_000, kind: 'adapter', name: '/dev/ttyACM0', reconnects: 0, state: 'connected'}],
      state: 'connected',
    },
    db: {
      committed_frames: 11_990,
      committed_samples: 40_000,
      disk_full: false,
      driver: 'ffi',
      free_disk_bytes: 5e8,
      in_flight_frames: 10,
      invalidations: 0,
      library_version: 'v1.5.5',
      path: '/d/pitwall.duckdb',
      size_bytes: 12e6,
      wal_bytes: 1e6,
    },
    litert: {configured: true, up: false},
    process: {event_loop_max_ms: 12, event_loop_p99_ms: 3, heap_used_bytes: 4e7, rss_bytes: 1.2e8},
    reasons: ['3 frames dropped in the last 5 minutes (adapter overflow 3)', 'CAN ids gone quiet: 420 (SmartyCam01)', 'the local LLM is configured but not answering: coaching falls back to rules'],
    recoveries: [],
    session: {duration_s: 754, id: '20261122T091403Z-bmw_e46_m3', started: '2026-11-22T09:14:03.000Z'},
    signals: [],
    simulator: {running: false},
    status: 'degraded',
    tall_rows: {last_5min: 0},
    track: null,
    uptime_s: 800,
    version: '0.1.0',
    wide_rows: {last_5min: 0},
  } satisfies HealthReport
  const reading = {...report, reachable: true as const, url: 'http://127.0.0.1:8765'}

  it('plain text: every section, stale and missing ids first, warnings with what to do', () => {
    const history = new FpsHistory()
    for (const fps of [0, 120, 240]) history.record(fps)
    const text = healthText(healthView(reading, history))
    expect(text).toContain('pitwall health: DEGRADED  http://127.0.0.1:8765  pitwall 0.1.0')
    expect(text).toContain('rate     240 frames/s   ▅█')
    expect(text).toContain('drops    3: adapter overflow 3')
    expect(text).toContain('db       12.0 MB + 1.0 MB WAL, 500.0 MB free')
    expect(text).toContain('11990 frames stored since start, DuckDB v1.5.5 (ffi)')
    expect(text).toContain('session  20261122T091403Z-bmw_e46_m3  12:34')
    expect(text).toContain('coach    local LLM not answering: rules only')
    const ids = text.split('\n').filter((l) => /^ {2}4\d\d /.test(l))
    expect(ids.map((l) => l.trim().split(/\s+/).at(-1))).toEqual(['stale', 'missing', 'ok'])
    expect(text).toContain('  ! CAN ids gone quiet: 420 (SmartyCam01)\n    → an ECU or sensor stopped sending: check its connector and fuse')
  })

  it('ink: the same screen in colour', () => {
    const out = renderToString(createElement(HealthScreen, {at: new Date(0), view: healthView(reading, new FpsHistory()), watching: true}), {columns: 120})
    expect(out).toContain(' DEGRADED ')
    expect(out).toContain('SmartyCam01')
    expect(out).toContain('Ctrl-C quits')
  })

  it('sparkline: scaled to the largest value, a gap where no frames came', () => {
    expect(sparkline([0, 50, 100])).toBe(' ▅█')
    expect(sparkline([0, 0])).toBe('▁▁')
    const h = new FpsHistory()
    for (let i = 0; i < 10; i++) h.record(i, i * 1000)
    expect(h.values(5)).toEqual([0.5, 2.5, 4.5, 6.5, 8.5])
  })
})
