import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Ajv} from 'ajv'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import WebSocket from 'ws'

import {errorSchema} from '../../src/lib/bridge/http-error.js'
import {servePlugins} from '../../src/lib/bridge/plugins.js'
import {type Realtime, type RealtimeMessage, realtimeMessageSchema} from '../../src/lib/bridge/routes/realtime.js'
import {type RunningServe, startServe} from '../../src/lib/bridge/index.js'
import {openCar} from '../../src/lib/car/index.js'
import {createLogger} from '../../src/lib/log.js'
import {DEFAULT_TRACK, openTrack} from '../../src/lib/track/index.js'
import {ROOT, tempDir} from '../helpers.js'
import {killAll, track, waitFor} from '../ingest/helpers.js'

const ajv = new Ajv({allowUnionTypes: true, strict: false})
const isMessage = ajv.compile(realtimeMessageSchema)
const isError = ajv.compile(errorSchema)

function conforms(message: unknown): asserts message is RealtimeMessage {
  expect(isMessage(message), JSON.stringify(isMessage.errors)).toBe(true)
}

const dirs: Array<() => void> = []
afterAll(() => dirs.forEach((cleanup) => cleanup()))

/**
 * `pitwall serve --simulate --port 0` as a child process, its URL from serve.json and its token
 * from the token file. Start-up can take half a minute on a loaded CI machine: wait for it.
 */
async function spawnServe(dataDir: string): Promise<{url: string; token: string}> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'serve', '--simulate', '--port', '0', '--no-wake-lock', '--data-dir', dataDir], {
    env: {...process.env, NO_COLOR: '1'},
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const proc = track(child)
  let exited = false
  void proc.exit.then(() => (exited = true))
  let url = ''
  await waitFor(() => {
    if (exited) throw new Error(`serve exited early:\n${proc.stderr}`)
    if (!existsSync(join(dataDir, 'serve.json'))) return false
    try {
      url = JSON.parse(readFileSync(join(dataDir, 'serve.json'), 'utf8')).url
      return true
    } catch {
      return false // written in one call: not yet complete
    }
  }, 90_000, 'serve.json')
  return {token: readFileSync(join(dataDir, 'token'), 'utf8').trim(), url}
}

async function getJson(serve: {url: string; token: string}, path: string): Promise<{status: number; body: any}> {
  const r = await fetch(`${serve.url}${path}`, {headers: {'x-pitwall-token': serve.token}})
  return {body: await r.json(), status: r.status}
}

/** Opens a WebSocket; resolves with it, or with the HTTP status and JSON body that refused the upgrade. */
function connect(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<{ws?: WebSocket; status?: number; body?: unknown; openedAt: number; messages: Array<{at: number; data: unknown}>}> {
  return new Promise((resolve, reject) => {
    const messages: Array<{at: number; data: unknown}> = []
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/realtime`, protocols, {headers})
    ws.on('message', (data) => messages.push({at: performance.now(), data: JSON.parse(data.toString())}))
    ws.on('open', () => resolve({messages, openedAt: performance.now(), ws}))
    ws.on('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (d: Buffer) => (text += d.toString()))
      res.on('end', () => resolve({body: JSON.parse(text), messages, openedAt: Number.NaN, status: res.statusCode ?? 0}))
    })
    ws.on('error', reject)
  })
}

describe('GET /ws/realtime on `pitwall serve --simulate`', () => {
  let serve: {url: string; token: string}
  beforeAll(async () => {
    const dir = tempDir()
    dirs.push(dir.cleanup)
    serve = await spawnServe(dir.path)
    // The snapshot a client gets on connect holds what the simulator has sent by then.
    const until = Date.now() + 15_000
    while (Date.now() < until) {
      const r = await getJson(serve, '/signals/registry')
      if (r.status === 200 && r.body.signals.find((s: {name: string}) => s.name === 'rpm').latest !== null) break
      await new Promise((r) => setTimeout(r, 100))
    }
  }, 120_000)
  afterAll(() => killAll())

  it('sends a full telemetry_update at once, then the changed channels every 100 ms, all to the schema', async () => {
    const {messages, openedAt, ws} = await connect(serve.url, ['pitwall', `token.${serve.token}`])
    expect(ws!.protocol).toBe('pitwall') // the token is never echoed back
    await waitFor(() => messages.filter((m) => (m.data as RealtimeMessage).type === 'telemetry_update').length >= 8, 10_000, '8 telemetry updates')
    ws!.close()
    const [first, ...rest] = messages
    // Acceptance: the first telemetry_update within 200 ms of the connection.
    expect(first!.at - openedAt).toBeLessThan(200)
    for (const m of messages) conforms(m.data)
    const snapshot = first!.data as RealtimeMessage
    expect(snapshot.type).toBe('telemetry_update')
    if (snapshot.type !== 'telemetry_update') return
    expect(snapshot.full).toBe(true)
    expect(snapshot.session).toMatch(/bmw_e46_m3/)
    // Every channel of the car, rpm and speed with real values (an E46 idles above 600 rpm).
    expect(Object.keys(snapshot.values).length).toBe(54)
    expect(snapshot.values['rpm']).toBeGreaterThan(600)
    expect(typeof snapshot.values['speed_ms']).toBe('number')
    expect(Math.abs(snapshot.ts - Date.now() / 1000)).toBeLessThan(5)
    // Then partial updates (and the coach's insights, if it has any) with consecutive seq numbers: nothing was dropped for this client.
    for (const [i, m] of rest.entries()) {
      const update = m.data as RealtimeMessage
      expect(update.seq).toBe(snapshot.seq + i + 1)
      if (update.type === 'telemetry_update') {
        expect(update.full).toBe(false)
        expect(Object.keys(update.values).length).toBeGreaterThan(0)
      }
    }
    expect(rest.filter((m) => (m.data as RealtimeMessage).type === 'telemetry_update').length).toBeGreaterThanOrEqual(5)
    expect(rest.some((m) => typeof (m.data as {values?: Record<string, unknown>}).values?.['rpm'] === 'number')).toBe(true)
  })

  it('refuses an upgrade without the token (401), with a wrong one (401), in the query string (401), and from a foreign Origin (403)', async () => {
    const none = await connect(serve.url, ['pitwall'])
    expect(none.status).toBe(401)
    expect(isError(none.body)).toBe(true)
    expect((none.body as {error: {code: string}}).error.code).toBe('PW_UNAUTHORIZED')

    expect((await connect(serve.url, ['pitwall', 'token.not-the-token'])).status).toBe(401)
    const query = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${serve.url.replace(/^http/, 'ws')}/ws/realtime?token=${serve.token}`, ['pitwall'])
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => resolve(101))
    })
    expect(query).toBe(401)

    const foreign = await connect(serve.url, ['pitwall', `token.${serve.token}`], {origin: 'https://evil.example'})
    expect(foreign.status).toBe(403)
    expect((foreign.body as {error: {code: string}}).error.code).toBe('PW_FOREIGN_ORIGIN')
    // The phone's own web app (a loopback origin) is let in.
    const local = await connect(serve.url, ['pitwall', `token.${serve.token}`], {origin: 'http://localhost:5173'})
    expect(local.ws).toBeDefined()
    local.ws!.close()
  })
})

/** One sample of a Prometheus exposition: `name{labels} value`. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('a WebSocket client that stops reading', () => {
  const LIMIT = 64 * 1024
  const TOKEN = 'realtime-test-token-0123456789'
  let serve: RunningServe
  let realtime: Realtime
  beforeAll(async () => {
    const dir = tempDir()
    dirs.push(dir.cleanup)
    const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    const track = await openTrack(DEFAULT_TRACK, {dataDir: dir.path})
    // The slow client's warning is expected: keep test output clean.
    const log = createLogger({level: 'error'})
    serve = await startServe({
      allowRemote: false,
      bus: {bitrateBps: 500_000, listenOnly: true},
      car,
      dataDir: dir.path,
      host: '127.0.0.1',
      log,
      plugins: (bridge) => {
        const extra = servePlugins(bridge, {log, realtime: {slowAfterMs: 1500}})
        realtime = extra.realtime
        return extra
      },
      port: 0,
      // Every channel changes every 10 ms: a full telemetry_update (about 1.6 KB) 100 times a second.
      realtimeIntervalMs: 10,
      sources: {simulate: {fps: 5000}},
      token: TOKEN,
      track,
      version: 'test',
      wakeLock: false,
      wsMaxBufferedBytes: LIMIT,
    })
  }, 40_000)
  afterAll(async () => serve?.stop('test'))
  afterEach(() => killAll())

  const metrics = async (): Promise<string> => (await fetch(`${serve.url}/metrics`, {headers: {'x-pitwall-token': TOKEN}})).text()

  it('keeps its buffered bytes under the limit, counts its drops in /metrics, and is closed; a reading client is not affected', async () => {
    const reader = await connect(serve.url, ['pitwall', `token.${TOKEN}`])
    const slow = await connect(serve.url, ['pitwall', `token.${TOKEN}`])
    const slowId = realtime.stats().clients.at(-1)!.id
    // The client's socket stops reading: what the bridge sends piles up in the kernel, then in the bridge.
    ;(slow.ws as unknown as {_socket: {pause(): void}})._socket.pause()
    let closed: {code: number; reason: string} | undefined
    slow.ws!.on('close', (code, reason) => (closed = {code, reason: reason.toString()}))
    // Telemetry alone (a few KB/s) would take minutes to fill the loopback socket's kernel buffers
    // (about 3.7 MB here) before anything queues in the bridge: bulky insights fill them in seconds.
    const filler = 'x'.repeat(8000)
    const pump = setInterval(() => {
      for (let i = 0; i < 4; i++) realtime.broadcastInsight({filler, kind: 'filler'})
    }, 10)

    let maxBuffered = 0
    let droppedSeen = 0
    let text = ''
    const until = Date.now() + 25_000
    while (Date.now() < until) {
      text = await metrics()
      const buffered = sample(text, 'pitwall_ws_client_buffered_bytes', `client="${slowId}"`)
      if (buffered === undefined) break // disconnected
      maxBuffered = Math.max(maxBuffered, buffered)
      droppedSeen = Math.max(droppedSeen, sample(text, 'pitwall_ws_client_dropped_messages_total', `client="${slowId}"`) ?? 0)
      await new Promise((r) => setTimeout(r, 50))
    }
    clearInterval(pump)
    expect(droppedSeen).toBeGreaterThan(0)
    expect(maxBuffered).toBeGreaterThan(LIMIT / 2)
    expect(maxBuffered).toBeLessThanOrEqual(LIMIT)
    // Gone from the per-client series, counted as a slow disconnect, its drops kept in the total.
    expect(sample(text, 'pitwall_ws_clients')).toBe(1)
    expect(sample(text, 'pitwall_ws_slow_disconnects_total')).toBe(1)
    const droppedTotal = (sample(text, 'pitwall_ws_messages_dropped_total', 'type="telemetry_update"') ?? 0) + (sample(text, 'pitwall_ws_messages_dropped_total', 'type="insight_update"') ?? 0)
    expect(droppedTotal).toBeGreaterThanOrEqual(droppedSeen)
    expect(realtime.stats().clients.map((c) => c.id)).not.toContain(slowId)

    // The reader got everything, in order: its kernel buffers never filled, so nothing queued for it.
    const seqs = reader.messages.map((m) => (m.data as RealtimeMessage).seq)
    expect(seqs.length).toBeGreaterThan(100)
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true)
    expect(realtime.stats().clients[0]!.dropped).toBe(0)

    // The slow client, reading again, finds its connection closed.
    ;(slow.ws as unknown as {_socket: {resume(): void}})._socket.resume()
    await waitFor(() => closed !== undefined, 10_000, 'close')
    expect([1006, 1008]).toContain(closed!.code)

    // Insights go out as they happen, to the schema.
    const before = reader.messages.length
    expect(realtime.broadcastInsight({kind: 'test_note', lap: 3, text: 'brake later into turn 1'})).toBe(1)
    await waitFor(() => reader.messages.slice(before).some((m) => (m.data as RealtimeMessage).type === 'insight_update'), 5000, 'insight_update')
    for (const m of reader.messages) conforms(m.data)
    const insight = reader.messages.map((m) => m.data as RealtimeMessage).find((m) => m.type === 'insight_update' && m.insight.kind === 'test_note')
    expect(insight).toMatchObject({insight: {kind: 'test_note', lap: 3, text: 'brake later into turn 1'}, type: 'insight_update'})
    reader.ws!.close()
    await waitFor(() => realtime.stats().clients.length === 0, 5000, 'reader gone')
  }, 40_000)

  it('lets serve stop promptly while a client that does not read is connected', async () => {
    const stuck = await connect(serve.url, ['pitwall', `token.${TOKEN}`])
    ;(stuck.ws as unknown as {_socket: {pause(): void}})._socket.pause()
    await waitFor(() => realtime.stats().clients.length === 1, 5000, 'client')
    const started = performance.now()
    await serve.stop('test')
    // ws alone would wait 30 s for a close frame this client never reads.
    expect(performance.now() - started).toBeLessThan(5000)
    expect(realtime.stats().clients.length).toBe(0)
  }, 20_000)
})
