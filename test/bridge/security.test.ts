import {request as httpRequest} from 'node:http'
import {Writable} from 'node:stream'

import {Ajv} from 'ajv'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import WebSocket from 'ws'

import {type RunningServe, startServe} from '../../src/lib/bridge/index.js'
import {errorSchema} from '../../src/lib/bridge/http-error.js'
import {openCar} from '../../src/lib/car/index.js'
import {createLogger} from '../../src/lib/log.js'
import {runCli, tempDir, unwrapOclifError} from '../helpers.js'

const TOKEN = 'test-token-0123456789abcdef'
const ajv = new Ajv({allowUnionTypes: true, strict: false})
const isError = ajv.compile(errorSchema)

let serve: RunningServe
let logText = ''
const dir = tempDir()

beforeAll(async () => {
  const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
  const sink = new Writable({write: (chunk, _enc, done) => ((logText += chunk.toString()), done())})
  serve = await startServe({
    allowRemote: false,
    bus: {bitrateBps: 500_000, listenOnly: true},
    car,
    dataDir: dir.path,
    host: '127.0.0.1',
    log: createLogger({destination: sink, level: 'debug'}),
    port: 0,
    rateLimitPerS: 5,
    sources: {},
    token: TOKEN,
    version: 'test',
    wakeLock: false,
  })
  // Something to read: one telemetry point.
  const r = await call('POST', '/api/ingest', {body: JSON.stringify({rpm: 3000, speed_kmh: 100}), headers: {'content-type': 'application/json', 'x-pitwall-token': TOKEN}})
  expect(r.status).toBe(202)
}, 30_000)
afterAll(async () => {
  await serve?.stop('test')
  dir.cleanup()
})

/** A raw HTTP request (fetch would not let us set Host). */
function call(method: string, path: string, options: {headers?: Record<string, string>; body?: string | Buffer} = {}): Promise<{status: number; headers: Record<string, string | string[] | undefined>; body: any}> {
  const url = new URL(serve.url)
  return new Promise((resolve, reject) => {
    const req = httpRequest({headers: options.headers, host: url.hostname, method, path, port: url.port}, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => (text += d.toString()))
      res.on('end', () => {
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {}
        resolve({body, headers: res.headers, status: res.statusCode ?? 0})
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const auth = {'x-pitwall-token': TOKEN}

describe('bridge security controls (a real listening server)', () => {
  it('answers 401 without the token on every route but /health, which then says only status, version, can.fps and litert.up', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/metrics'],
      ['GET', '/signals/registry'],
      ['GET', '/sessions'],
      ['GET', '/session/_live'],
      ['PATCH', '/session/_live'],
      ['GET', '/session/_live/capabilities'],
      ['GET', '/session/_live/signals?names=rpm'],
      ['GET', '/session/_live/laps'],
      ['POST', '/session/_live/notes'],
      ['POST', '/session/_live/end'],
      ['POST', '/api/ingest'],
      ['GET', '/api/recent/5'],
      ['POST', '/api/frames'],
      ['GET', '/ws/realtime'],
      ['POST', '/admin/vacuum'],
      ['POST', '/admin/archive'],
      ['POST', '/analyze'],
      ['POST', '/coach/brief'],
      ['POST', '/coach/ask'],
      ['GET', '/no/such/route'],
    ]
    for (const [method, path] of routes) {
      for (const headers of [{}, {'x-pitwall-token': 'wrong-token-0123456789'}, {authorization: `Basic ${TOKEN}`}]) {
        const r = await call(method, path, {headers})
        expect(r.status, `${method} ${path}`).toBe(401)
        expect(isError(r.body), JSON.stringify(r.body)).toBe(true)
        expect(r.body.error.code).toBe('PW_UNAUTHORIZED')
      }
    }
    // A token in the query string is never accepted.
    expect((await call('GET', `/sessions?token=${TOKEN}`)).status).toBe(401)
    // Both header forms work.
    expect((await call('GET', '/sessions', {headers: auth})).status).toBe(200)
    expect((await call('GET', '/sessions', {headers: {authorization: `Bearer ${TOKEN}`}})).status).toBe(200)

    const open = await call('GET', '/health')
    expect(open.status).toBe(200)
    expect(Object.keys(open.body).sort()).toEqual(['can', 'litert', 'status', 'version'])
    expect(Object.keys(open.body.can)).toEqual(['fps'])
    expect(Object.keys(open.body.litert)).toEqual(['up'])
    const full = await call('GET', '/health', {headers: auth})
    expect(full.body.db.path).toContain('pitwall.duckdb')
  })

  it('refuses a foreign Host (DNS rebinding) and accepts loopback names with the right port', async () => {
    const port = new URL(serve.url).port
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:1`, `192.168.1.5:${port}`]) {
      const r = await call('GET', '/health', {headers: {host}})
      expect(r.status, host).toBe(421)
      expect(r.body.error.code).toBe('PW_FOREIGN_HOST')
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) expect((await call('GET', '/health', {headers: {host}})).status, host).toBe(200)
  })

  it('refuses WebSocket upgrades from a foreign Origin, and CORS allows only localhost origins', async () => {
    const url = serve.url.replace('http', 'ws') + '/ws/realtime'
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, ['pitwall', `token.${TOKEN}`], {origin: 'https://evil.example'})
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => resolve(101))
      ws.on('error', () => undefined)
    })
    expect(refused).toBe(403)
    const preflightForeign = await call('OPTIONS', '/sessions', {headers: {'access-control-request-method': 'GET', origin: 'https://evil.example'}})
    expect(preflightForeign.headers['access-control-allow-origin']).toBeUndefined()
    const preflightLocal = await call('OPTIONS', '/sessions', {headers: {'access-control-request-method': 'GET', origin: 'http://localhost:3000'}})
    expect(preflightLocal.headers['access-control-allow-origin']).toBe('http://localhost:3000')
  })

  it('rate-limits signal windows per client with 429 and Retry-After', async () => {
    const results = await Promise.all(Array.from({length: 12}, () => call('GET', '/session/_live/signals?names=rpm', {headers: {...auth}})))
    const limited = results.filter((r) => r.status === 429)
    expect(limited.length).toBeGreaterThan(0)
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(5)
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(limited[0]!.body.error.code).toBe('PW_RATE_LIMITED')
    // Another client (its own X-Pitwall-Client key, no token-keyed bucket) is not affected... but the token keys first:
    // the same token is the same client. After the window, the first client may ask again.
    await new Promise((r) => setTimeout(r, 1100))
    expect((await call('GET', '/session/_live/signals?names=rpm', {headers: auth})).status).toBe(200)
  })

  it('answers 413 for a body over 1 MB and for a window over 10,000 points, 415 for a body that is not JSON', async () => {
    const big = JSON.stringify({notes: 'x'.repeat(1024 * 1024 + 10)})
    const tooBig = await call('POST', '/api/ingest', {body: big, headers: {...auth, 'content-type': 'application/json'}})
    expect(tooBig.status).toBe(413)
    expect(tooBig.body.error.code).toBe('PW_BODY_TOO_LARGE')
    const wide = await call('GET', '/session/_live/signals?names=rpm&from=-3600&rate_hz=10', {headers: auth})
    expect(wide.status).toBe(413)
    expect(wide.body.error.message).toContain('narrow your window')
    const text = await call('POST', '/api/ingest', {body: 'rpm=3000', headers: {...auth, 'content-type': 'text/plain'}})
    expect(text.status).toBe(415)
    expect(text.body.error.code).toBe('PW_UNSUPPORTED_MEDIA_TYPE')
    const form = await call('POST', '/session/_live/notes', {body: 'text=hi', headers: {...auth, 'content-type': 'application/x-www-form-urlencoded'}})
    expect(form.status).toBe(415)
    // Bad input is a 400 with a code, never a stack trace.
    const bad = await call('GET', '/session/_live/signals?names=rpm&rate_hz=abc', {headers: auth})
    expect(bad.status).toBe(400)
    expect(isError(bad.body)).toBe(true)
    expect(JSON.stringify(bad.body)).not.toMatch(/at .*\.js:\d+/)
  })

  it('never writes the token to its logs, and strips query strings', async () => {
    await call('GET', `/sessions?token=${TOKEN}&x=1`, {headers: auth})
    await call('GET', `/sessions`, {headers: {authorization: `Bearer ${TOKEN}`}})
    await new Promise((r) => setTimeout(r, 200))
    expect(logText).toContain('/sessions')
    expect(logText).not.toContain(TOKEN)
    expect(logText).not.toContain('?token')
  })
})

describe('serve refuses a remote bind', () => {
  it('exits 64 for a non-loopback --host without --allow-remote, and for --allow-remote without auth', async () => {
    const d = tempDir()
    try {
      const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', d.path, '--no-wake-lock'])
      expect(r.code).toBe(64)
      expect(unwrapOclifError(r.stderr)).toContain('not loopback')
      const r2 = await runCli(['serve', '--host', '0.0.0.0', '--allow-remote', '--insecure-no-auth', '--port', '0', '--data-dir', d.path, '--no-wake-lock'])
      expect(r2.code).toBe(64)
      expect(unwrapOclifError(r2.stderr)).toContain('needs auth')
    } finally {
      d.cleanup()
    }
  }, 30_000)
})
