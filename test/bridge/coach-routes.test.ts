import {Writable} from 'node:stream'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import WebSocket from 'ws'

import {type RunningServe, startServe} from '../../src/lib/bridge/index.js'
import {servePlugins} from '../../src/lib/bridge/plugins.js'
import {DEFAULT_BUDGETS} from '../../src/lib/coach/index.js'
import {openCar} from '../../src/lib/car/index.js'
import {createLogger} from '../../src/lib/log.js'
import {DEFAULT_TRACK, openTrack} from '../../src/lib/track/index.js'
import {FakeLlm} from '../coach/fake-llm.js'
import {tempDir} from '../helpers.js'

const TOKEN = 'coach-token-0123456789abcdef'
const dir = tempDir()
const llm = new FakeLlm()
let serve: RunningServe

beforeAll(async () => {
  await llm.start()
  const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
  const track = await openTrack(DEFAULT_TRACK, {dataDir: dir.path})
  const log = createLogger({destination: new Writable({write: (_c, _e, done) => done()}), level: 'silent'})
  serve = await startServe({
    allowRemote: false,
    bus: {bitrateBps: 500_000, listenOnly: true},
    car,
    dataDir: dir.path,
    host: '127.0.0.1',
    log,
    plugins: (bridge) => servePlugins(bridge, {llmUrl: llm.url, log}),
    port: 0,
    sources: {simulate: {}},
    token: TOKEN,
    track,
    version: 'test',
    wakeLock: false,
  })
}, 60_000)
afterAll(async () => {
  await serve?.stop('test')
  await llm.kill()
  dir.cleanup()
})

async function post(path: string, body: unknown): Promise<{status: number; body: any; ms: number}> {
  const t = performance.now()
  const r = await fetch(serve.url + path, {body: JSON.stringify(body), headers: {'content-type': 'application/json', 'x-pitwall-token': TOKEN}, method: 'POST'})
  const parsed = await r.json()
  return {body: parsed, ms: performance.now() - t, status: r.status}
}
async function litert(): Promise<{up: boolean; configured: boolean}> {
  return ((await (await fetch(serve.url + '/health', {headers: {'x-pitwall-token': TOKEN}})).json()) as {litert: {up: boolean; configured: boolean}}).litert
}
async function until(check: () => Promise<boolean>, ms: number): Promise<number> {
  const t = performance.now()
  while (!(await check())) {
    if (performance.now() - t > ms) throw new Error(`not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return performance.now() - t
}

describe('coaching on a running bridge, with a fake local model', () => {
  it('answers from the model when it is up, from the rules at once when it dies or hangs, and sees it back within a probe period', async () => {
    await until(async () => (await litert()).up, 10_000)
    expect(await litert()).toEqual({configured: true, up: true})
    const healthy = await post('/coach/brief', {})
    expect(healthy.status).toBe(200)
    expect(healthy.body.coach_source).toBe('litert')
    expect(healthy.body.coaching).toContain('Brake at your marker')

    await llm.kill()
    const afterKill = await post('/coach/brief', {})
    expect(afterKill.body.coach_source).toBe('rule')
    // "At once": it did not wait for the model. A liveness bound well under the budget the model would
    // get (a loaded 2-core CI machine adds tens of ms); the latency itself is bench/coach.ts's.
    expect(afterKill.ms).toBeLessThan(DEFAULT_BUDGETS.briefMs / 2)
    expect((await litert()).up).toBe(false)
    const health = (await (await fetch(serve.url + '/health', {headers: {'x-pitwall-token': TOKEN}})).json()) as {reasons: string[]}
    expect(health.reasons.join(' ')).toContain('local LLM')

    // A server that accepts and never answers: the rules answer within the budget.
    await llm.revive()
    await until(async () => (await litert()).up, 8_000)
    llm.mode = 'hang'
    const hung = await post('/coach/brief', {})
    expect(hung.body.coach_source).toBe('rule')
    expect(hung.ms).toBeLessThan(1500)

    // Back: up again within one probe period (5 s, plus the probe's own 2 s timeout at most).
    llm.mode = 'ok'
    await llm.kill()
    await until(async () => !(await litert()).up, 10_000)
    await llm.revive()
    const back = await until(async () => (await litert()).up, 7_500)
    expect(back).toBeLessThan(7_500)
  }, 60_000)

  it('POST /analyze answers synchronously from the rules; its notes are stored and its insights reach the WebSocket', async () => {
    const ws = new WebSocket(serve.url.replace('http', 'ws') + '/ws/realtime', ['pitwall', `token.${TOKEN}`])
    const insights: any[] = []
    ws.on('message', (data) => {
      const m = JSON.parse(String(data))
      if (m.type === 'insight_update') insights.push(m)
    })
    await new Promise((r) => ws.once('open', r))
    const r = await post('/analyze', {})
    expect(r.status).toBe(200)
    expect(['rule', 'fallback']).toContain(r.body.coach_source)
    expect(typeof r.body.coaching).toBe('string')
    expect(Array.isArray(r.body.cues)).toBe(true)
    const bad = await post('/analyze', {points: []})
    expect(bad.status).toBe(400)
    const ask = await post('/coach/ask', {question: 'How is the car?'})
    expect(ask.status).toBe(200)
    expect(['litert', 'rule']).toContain(ask.body.coach_source)
    // Notes from the answers are in the live session's coaching_notes.
    await until(async () => (await serve.store.query('SELECT count(*) AS n FROM coaching_notes'))[0]!['n'] as number > 0, 5000)
    const notes = await serve.store.query('SELECT engine, text FROM coaching_notes')
    expect(notes.some((n) => String(n['text']).includes('How is the car?'))).toBe(true)
    // The simulator drives sectors: their insights arrive as insight_update messages.
    await until(async () => insights.length > 0, 30_000)
    expect(insights[0].insight.kind).toMatch(/^(cue|sector|lap|refinement)$/)
    ws.close()
  }, 60_000)
})
