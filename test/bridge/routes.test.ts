import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Writable} from 'node:stream'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type RunningServe, startServe} from '../../src/lib/bridge/index.js'
import {encodeFrameBatch, FRAME_WIRE_TYPE} from '../../src/lib/can/frame-wire.js'
import {FrameBatch} from '../../src/lib/can/frame.js'
import {openCar} from '../../src/lib/car/index.js'
import {createLogger} from '../../src/lib/log.js'
import {SHARED_FIXTURES, tempDir} from '../helpers.js'
import {e46CandumpLines} from '../store/e46-candump.js'

const TOKEN = 'routes-token-0123456789abcdef'
const dir = tempDir()
let serve: RunningServe

beforeAll(async () => {
  const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
  serve = await startServe({
    allowRemote: false,
    bus: {bitrateBps: 500_000, listenOnly: true},
    car,
    dataDir: dir.path,
    host: '127.0.0.1',
    log: createLogger({destination: new Writable({write: (_c, _e, done) => done()}), level: 'silent'}),
    port: 0,
    sources: {},
    token: TOKEN,
    version: 'test',
    wakeLock: false,
  })
}, 30_000)
afterAll(async () => {
  await serve?.stop('test')
  dir.cleanup()
})

async function call(method: string, path: string, body?: string | Uint8Array, type = 'application/json', extra: Record<string, string> = {}): Promise<{status: number; body: any}> {
  const r = await fetch(serve.url + path, {...(body === undefined ? {} : {body}), headers: {'content-type': type, 'x-pitwall-token': TOKEN, ...extra}, method})
  const text = await r.text()
  return {body: text ? JSON.parse(text) : undefined, status: r.status}
}

/** An independent reading of candump -L lines: (id, data hex) in order. */
function expectedFrames(lines: readonly string[]): Array<[number, string]> {
  return lines.map((l) => {
    const m = /^\(\d+\.\d+\) \S+ ([0-9A-F]+)#([0-9A-F]*)$/.exec(l)!
    return [parseInt(m[1]!, 16), m[2]!.toLowerCase()]
  })
}

describe('frame and telemetry routes', () => {
  it('stores candump lines from a real road capture bit-exact, answering after the commit', async () => {
    const lines = readFileSync(join(SHARED_FIXTURES, 'road-capture', 'can_sample.log'), 'latin1').trimEnd().split('\n').slice(0, 5000)
    const r = await call('POST', '/api/frames', lines.join('\n') + '\n', 'text/plain', {'x-pitwall-source': 'road-test'})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({accepted: 5000, bad_lines: 0, committed: true})
    // Committed means readable now, without any flush of ours.
    const rows = await serve.store.query(
      `SELECT f.can_id, lower(hex(f.data)) AS data FROM frames f JOIN sources s USING (session_key, source_id) WHERE s.name = 'road-test' ORDER BY f.ts_us, f.rowid`,
    )
    expect(rows.map((x) => [Number(x['can_id']), String(x['data'])])).toEqual(expectedFrames(lines))
  })

  it('decodes binary batches (application/vnd.pitwall.frames) into live values, and refuses malformed ones', async () => {
    const lines = await e46CandumpLines(2000)
    const batch = new FrameBatch(2048)
    const now = Date.now() * 1000
    for (const [i, [id, data]] of expectedFrames(lines).entries()) {
      batch.push({data: Buffer.from(data, 'hex'), id, timestampUs: now - 2_000_000 + i * 500})
    }
    const r = await call('POST', '/api/frames', encodeFrameBatch(batch), FRAME_WIRE_TYPE, {'x-pitwall-source': 'e46-test'})
    expect(r.status).toBe(200)
    expect(r.body.accepted).toBe(2000)
    const signals = await call('GET', '/session/_live/signals?names=rpm&from=-3&rate_hz=10')
    expect(signals.status).toBe(200)
    expect(signals.body.signals.rpm.filter((v: number | null) => v !== null).length).toBeGreaterThan(5)
    const truncated = encodeFrameBatch(batch).subarray(0, 100)
    const bad = await call('POST', '/api/frames', truncated, FRAME_WIRE_TYPE)
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('PW_BAD_FRAME_BATCH')
    const badSource = await call('POST', '/api/frames', lines[0]! + '\n', 'text/plain', {'x-pitwall-source': 'has spaces'})
    expect(badSource.status).toBe(400)
    const garbage = await call('POST', '/api/frames', 'hello\nworld\n', 'text/plain')
    expect(garbage.status).toBe(400)
    expect(garbage.body.error.code).toBe('PW_BAD_CANDUMP')
    const health = await call('GET', '/health')
    expect(health.body.can.sources.map((s: {name: string}) => s.name)).toEqual(expect.arrayContaining(['road-test', 'e46-test']))
  })

  it('takes seed 001 telemetry points and shows them in /api/recent', async () => {
    const r = await call('POST', '/api/ingest', JSON.stringify([{rpm: 4321, speed_kmh: 123.4, warp_factor: 9}]))
    expect(r.status).toBe(202)
    expect(r.body).toMatchObject({points: 1, unknown_fields: {warp_factor: 1}})
    expect(r.body.samples).toBeGreaterThanOrEqual(1)
    const recent = await call('GET', '/api/recent/3')
    expect(recent.body.points).toHaveLength(3)
    expect(recent.body.points[2].rpm).toBe(4321)
    expect(typeof recent.body.points[2].meta_time).toBe('string')
    const bad = await call('POST', '/api/ingest', JSON.stringify([1, 2]))
    expect(bad.status).toBe(400)
    const tooMany = await call('GET', '/api/recent/100000')
    expect(tooMany.status).toBe(400)
  })

  it('ends the live session on request (202) and archives it through /admin/archive', async () => {
    const live = (await call('GET', '/session/_live')).body.id as string
    const end = await call('POST', '/session/_live/end', '{}')
    expect(end.status).toBe(202)
    expect(end.body).toEqual({session: live, state: 'ending'})
    let listed: any[] = []
    for (let i = 0; i < 50 && listed.find((s) => s.id === live)?.state !== 'ended'; i++) {
      listed = (await call('POST', '/admin/archive', JSON.stringify({list: true}))).body
      await new Promise((r) => setTimeout(r, 100))
    }
    const ended = listed.find((s) => s.id === live)
    expect(ended).toMatchObject({endReason: 'requested', frames: 7000, state: 'ended'})
    const archived = await call('POST', '/admin/archive', JSON.stringify({sessions: [live]}))
    expect(archived.status).toBe(200)
    expect(archived.body.archived.map((a: {id: string}) => a.id)).toEqual([live])
    expect(archived.body.failed).toEqual([])
    const vacuum = await call('POST', '/admin/vacuum', JSON.stringify({dry_run: true}))
    expect(vacuum.status).toBe(200)
    expect(vacuum.body.dryRun).toBe(true)
    expect((await call('GET', '/session/_live')).status).toBe(404)
  })
})
