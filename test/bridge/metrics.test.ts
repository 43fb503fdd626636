import {Ajv} from 'ajv'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import WebSocket from 'ws'

import {errorSchema} from '../../src/lib/bridge/http-error.js'
import {type RunningServe, startServe} from '../../src/lib/bridge/index.js'
import {servePlugins} from '../../src/lib/bridge/plugins.js'
import {healthSchema} from '../../src/lib/bridge/schemas/health.js'
import {openCar} from '../../src/lib/car/index.js'
import {DEFAULT_TRACK, openTrack} from '../../src/lib/track/index.js'
import {createLogger} from '../../src/lib/log.js'
import {tempDir} from '../helpers.js'
import {waitFor} from '../ingest/helpers.js'

const ajv = new Ajv({allowUnionTypes: true, strict: false})
const isError = ajv.compile(errorSchema)
const isHealth = ajv.compile(healthSchema)

interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

/** The Prometheus text format, as far as prom-client writes it: `# HELP`, `# TYPE`, and `name{k="v",…} value` lines. */
function parseExposition(text: string): {samples: Sample[]; types: Map<string, string>} {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) types.set(type[1]!, type[2]!)
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    expect(m, `not an exposition line: ${line}`).not.toBeNull()
    const labels: Record<string, string> = {}
    for (const l of (m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    samples.push({labels, name: m![1]!, value: Number(m![3])})
  }
  return {samples, types}
}

function pick(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
}

function one(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = pick(samples, name, labels)
  expect(found.length, `${name} ${JSON.stringify(labels)}`).toBe(1)
  return found[0]!.value
}

async function waitForAsync(test: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await test())) {
    if (Date.now() > until) throw new Error('timed out waiting for live values')
    await new Promise((r) => setTimeout(r, 100))
  }
}

const dirs: Array<() => void> = []
afterAll(() => dirs.forEach((cleanup) => cleanup()))

/**
 * In-process (the WebSocket suite spawns the CLI): a simulator, and a stand-in coach status so
 * the litert series show.
 */
describe('GET /metrics on a serve with the simulator', () => {
  const TOKEN = 'metrics-test-token-0123456789'
  let serve: RunningServe
  const request = async (method: string, path: string, options: {token?: string | null} = {}): Promise<{status: number; body: any}> => {
    const token = options.token === undefined ? TOKEN : options.token
    const r = await fetch(`${serve.url}${path}`, {headers: token ? {'x-pitwall-token': token} : {}, method})
    const text = await r.text()
    try {
      return {body: JSON.parse(text), status: r.status}
    } catch {
      return {body: text, status: r.status}
    }
  }
  beforeAll(async () => {
    const dir = tempDir()
    dirs.push(dir.cleanup)
    const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    const track = await openTrack(DEFAULT_TRACK, {dataDir: dir.path})
    const log = createLogger({level: 'error'})
    serve = await startServe({
      allowRemote: false,
      bus: {bitrateBps: 500_000, listenOnly: true},
      car,
      dataDir: dir.path,
      host: '127.0.0.1',
      log,
      plugins: (bridge) => ({...servePlugins(bridge, {log}), coachStatus: () => ({litert: {configured: true, up: false}})}),
      port: 0,
      sources: {simulate: {}},
      token: TOKEN,
      track,
      version: 'test',
      wakeLock: false,
    })
    await waitForAsync(async () => {
      const health = await request('GET', '/health')
      return health.status === 200 && health.body.can.fps > 0 && health.body.db.committed_frames > 0
    })
  }, 40_000)
  afterAll(async () => serve?.stop('test'))

  const scrape = async (): Promise<{samples: Sample[]; types: Map<string, string>; contentType: string | null}> => {
    const r = await fetch(`${serve.url}/metrics`, {headers: {authorization: `Bearer ${TOKEN}`}})
    expect(r.status).toBe(200)
    return {...parseExposition(await r.text()), contentType: r.headers.get('content-type')}
  }

  it('needs the token', async () => {
    const r = await request('GET', '/metrics', {token: null})
    expect(r.status).toBe(401)
    expect(isError(r.body)).toBe(true)
  })

  it("shows /health's figures", async () => {
    const before = (await request('GET', '/health')).body
    const {contentType, samples, types} = await scrape()
    const after = (await request('GET', '/health')).body
    expect(isHealth(before)).toBe(true)
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/)

    // Frames: between the two /health reads around the scrape.
    const frames = one(samples, 'pitwall_can_frames_total')
    expect(types.get('pitwall_can_frames_total')).toBe('counter')
    expect(frames).toBeGreaterThan(0)
    expect(frames).toBeGreaterThanOrEqual(before.can.frames_total)
    expect(frames).toBeLessThanOrEqual(after.can.frames_total)
    expect(one(samples, 'pitwall_can_fps')).toBeGreaterThan(0)
    expect(one(samples, 'pitwall_can_connected')).toBe(1)
    expect(one(samples, 'pitwall_can_source_state', {kind: 'simulator', state: 'connected'})).toBe(1)
    expect(one(samples, 'pitwall_can_last_frame_age_seconds')).toBeLessThan(5)
    expect(one(samples, 'pitwall_can_reconnects_total')).toBe(0)
    // Drops by reason, the same reasons as /health (all zero here).
    const dropped = pick(samples, 'pitwall_can_frames_dropped_total')
    expect(dropped.map((s) => s.labels['reason']).sort()).toEqual(Object.keys(after.can.frames_dropped).sort())
    for (const s of dropped) expect(s.value).toBe(0)

    // Per CAN id: every id /health lists, with the car's message name and expected rate.
    const ids = pick(samples, 'pitwall_can_id_rate_hz')
    expect(ids.map((s) => s.labels['id']).sort()).toEqual(after.can.ids.map((i: {id: string}) => i.id).sort())
    const smarty = after.can.ids.find((i: {message: string}) => i.message === 'SmartyCam02')
    expect(one(samples, 'pitwall_can_id_expected_hz', {id: smarty.id, message: 'SmartyCam02'})).toBe(smarty.expectedHz)
    expect(one(samples, 'pitwall_can_id_frames_total', {id: smarty.id})).toBeGreaterThan(0)
    expect(one(samples, 'pitwall_can_id_missed_frames_total', {id: smarty.id})).toBeGreaterThanOrEqual(0)

    // Store, DB file, process.
    const committed = one(samples, 'pitwall_store_committed_frames_total')
    expect(committed).toBeGreaterThanOrEqual(before.db.committed_frames)
    expect(committed).toBeLessThanOrEqual(after.db.committed_frames)
    expect(one(samples, 'pitwall_store_committed_samples_total')).toBeGreaterThan(committed)
    expect(one(samples, 'pitwall_store_in_flight_frames')).toBeGreaterThanOrEqual(0)
    expect(one(samples, 'pitwall_store_disk_full')).toBe(0)
    expect(one(samples, 'pitwall_db_bytes', {file: 'db'})).toBeGreaterThan(0)
    expect(one(samples, 'pitwall_db_bytes', {file: 'free_disk'})).toBeGreaterThan(0)
    expect(one(samples, 'pitwall_store_rows_last_5min', {table: 'frames'})).toBeGreaterThan(0)
    const rss = one(samples, 'pitwall_process_resident_memory_bytes')
    expect(rss).toBeGreaterThan(20 * 2 ** 20)
    expect(Math.abs(rss - after.process.rss_bytes)).toBeLessThan(100 * 2 ** 20)
    expect(one(samples, 'pitwall_event_loop_delay_max_seconds')).toBeGreaterThan(0)
    expect(one(samples, 'pitwall_event_loop_delay_p99_seconds')).toBeGreaterThan(0)
    expect(one(samples, 'pitwall_build_info', {version: after.version})).toBe(1)
    // The coach's status.
    expect(one(samples, 'pitwall_litert_configured')).toBe(1)
    expect(one(samples, 'pitwall_litert_up')).toBe(0)
  })

  it('times requests by route pattern and status, never by raw URL', async () => {
    for (let i = 0; i < 3; i++) expect((await request('GET', '/session/_live/signals?names=rpm,speed_ms&from=-2')).status).toBe(200)
    expect((await request('GET', '/session/_live/signals?names=nope')).status).toBe(400)
    expect((await request('GET', '/no/such/route?secret=1')).status).toBe(404)
    const {samples, types} = await scrape()
    expect(types.get('pitwall_http_request_duration_seconds')).toBe('histogram')
    const ok = {method: 'GET', route: '/session/:sid/signals', status_code: '200'}
    expect(one(samples, 'pitwall_http_request_duration_seconds_count', ok)).toBeGreaterThanOrEqual(3)
    expect(one(samples, 'pitwall_http_request_duration_seconds_sum', ok)).toBeGreaterThan(0)
    expect(one(samples, 'pitwall_http_request_duration_seconds_bucket', {...ok, le: '+Inf'})).toBe(one(samples, 'pitwall_http_request_duration_seconds_count', ok))
    expect(one(samples, 'pitwall_http_request_duration_seconds_count', {...ok, status_code: '400'})).toBeGreaterThanOrEqual(1)
    expect(one(samples, 'pitwall_http_request_duration_seconds_count', {method: 'GET', route: 'unmatched', status_code: '404'})).toBeGreaterThanOrEqual(1)
    const routes = new Set(pick(samples, 'pitwall_http_request_duration_seconds_count').map((s) => s.labels['route']))
    for (const route of routes) expect(route).not.toMatch(/_live|\?|no\/such/)
  })

  it('counts WebSocket clients while they are connected', async () => {
    const ws = new WebSocket(`${serve.url.replace(/^http/, 'ws')}/ws/realtime`, ['pitwall', `token.${TOKEN}`])
    let messages = 0
    ws.on('message', () => messages++)
    await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject))
    await waitFor(() => messages > 0, 5000, 'a message')
    const during = (await scrape()).samples
    expect(one(during, 'pitwall_ws_clients')).toBe(1)
    const [client] = pick(during, 'pitwall_ws_client_buffered_bytes')
    expect(client!.labels['client']).toMatch(/^c\d+$/)
    expect(client!.value).toBeGreaterThanOrEqual(0)
    expect(one(during, 'pitwall_ws_client_dropped_messages_total', {client: client!.labels['client']!})).toBe(0)
    expect(one(during, 'pitwall_ws_messages_sent_total', {type: 'telemetry_update'})).toBeGreaterThanOrEqual(1)
    ws.close()
    await new Promise((resolve) => ws.on('close', resolve))
    await new Promise((r) => setTimeout(r, 100))
    const after = (await scrape()).samples
    expect(one(after, 'pitwall_ws_clients')).toBe(0)
    expect(pick(after, 'pitwall_ws_client_buffered_bytes')).toEqual([])
    expect(one(after, 'pitwall_ws_connections_total')).toBeGreaterThanOrEqual(1)
    expect(one(after, 'pitwall_ws_messages_dropped_total', {type: 'telemetry_update'})).toBe(0)
  })
})

describe('GET /metrics before any frame', () => {
  let serve: RunningServe
  const TOKEN = 'metrics-test-token-0123456789'
  beforeAll(async () => {
    const dir = tempDir()
    dirs.push(dir.cleanup)
    const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    const log = createLogger({level: 'error'})
    serve = await startServe({
      allowRemote: false,
      bus: {bitrateBps: 500_000, listenOnly: true},
      car,
      dataDir: dir.path,
      host: '127.0.0.1',
      log,
      plugins: (bridge) => servePlugins(bridge, {log}),
      port: 0,
      sources: {},
      token: TOKEN,
      version: 'test',
      wakeLock: false,
    })
  }, 30_000)
  afterAll(async () => serve?.stop('test'))

  it('shows NaN (not 0) for readings it does not have', async () => {
    const text = await (await fetch(`${serve.url}/metrics`, {headers: {'x-pitwall-token': TOKEN}})).text()
    const {samples} = parseExposition(text)
    // No source, no frame yet: the age is unknown, not zero.
    expect(one(samples, 'pitwall_can_last_frame_age_seconds')).toBeNaN()
    expect(one(samples, 'pitwall_can_frames_total')).toBe(0)
    expect(one(samples, 'pitwall_can_connected')).toBe(0)
  })
})
