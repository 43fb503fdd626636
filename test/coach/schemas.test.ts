import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Ajv} from 'ajv'
import Fastify from 'fastify'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {Car} from '../../src/lib/car/index.js'
import {
  analyzeRequestSchema,
  analyzeResponseSchema,
  askRequestSchema,
  askResponseSchema,
  briefRequestSchema,
  briefResponseSchema,
  Coach,
  type CoachingNote,
  coachingNoteSchema,
  coachStatusSchema,
  type InsightUpdate,
  insightUpdateSchema,
  THRESHOLD_DEFAULTS,
} from '../../src/lib/coach/index.js'
import type {Track} from '../../src/lib/track/index.js'
import {ROOT} from '../helpers.js'
import {FakeLlm, waitFor} from './fake-llm.js'
import {driveAsync, e46, park, settle} from './helpers.js'

let car: Car
let track: Track
const stops: Array<() => Promise<unknown>> = []
// Strict, as a reviewer would run it: unknown keywords and loose unions are errors.
const ajv = new Ajv({allErrors: true, allowUnionTypes: true, strict: true})

beforeAll(async () => {
  car = await e46()
  track = await park()
}, 60_000)

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

function valid(schema: object, value: unknown): void {
  const check = ajv.compile(schema)
  expect(check(value), JSON.stringify(check.errors)).toBe(true)
}

describe('coaching schemas', {timeout: 120_000}, () => {
  it('every response, insight kind, note and status the coach produces is valid against its schema', async () => {
    const server = await new FakeLlm().start()
    stops.push(() => server.kill())
    const coach = new Coach({car, llm: {probeIntervalMs: 200, url: server.url}, track})
    stops.push(() => coach.stop())
    const insights: InsightUpdate[] = []
    const notes: CoachingNote[] = []
    coach.onInsight((u) => insights.push(u))
    coach.onNote((n) => notes.push(n))
    valid(analyzeResponseSchema, coach.analyze({}))
    await driveAsync(car, track, (s, laps) => coach.observe(s, laps), {faults: 'coast@T5:lap2,over-rev@lap2', laps: 2})
    await waitFor(() => coach.status().litert.up, 1000)
    valid(analyzeResponseSchema, coach.analyze({}))
    valid(analyzeResponseSchema, coach.analyze({points: [{lap: 3, lapdist_m: 100, meta_time: '2026-11-22T10:00:00Z', speed_kmh: 150}]}))
    await waitFor(() => insights.some((u) => u.kind === 'refinement'), 2000)
    valid(briefResponseSchema, await coach.brief({}))
    valid(askResponseSchema, await coach.ask({question: 'How is the car?'}))
    server.mode = 'hang'
    valid(briefResponseSchema, await coach.brief({lap: 1}))
    valid(coachStatusSchema, coach.status())
    await settle()
    expect(new Set(insights.map((u) => u.kind))).toEqual(new Set(['cue', 'sector', 'lap', 'refinement']))
    for (const u of insights) valid(insightUpdateSchema, u)
    expect(new Set(notes.map((n) => n.engine))).toEqual(new Set(['rule', 'litert']))
    for (const n of notes) valid(coachingNoteSchema, n)
  })

  it('request schemas take {} and what the routes take, and refuse the rest', () => {
    const ok = (schema: object, value: unknown): boolean => ajv.compile(schema)(value) as boolean
    expect(ok(analyzeRequestSchema, {})).toBe(true)
    expect(ok(analyzeRequestSchema, {points: [{lapdist_m: 12.5, meta_time: 1763802843.1, speed_kmh: 120, track: 'pitwall_park'}]})).toBe(true)
    expect(ok(analyzeRequestSchema, {points: []})).toBe(false)
    expect(ok(analyzeRequestSchema, {points: [[1, 2]]})).toBe(false)
    expect(ok(analyzeRequestSchema, {other: 1})).toBe(false)
    expect(ok(briefRequestSchema, {})).toBe(true)
    expect(ok(briefRequestSchema, {lap: 2.5})).toBe(false)
    expect(ok(askRequestSchema, {question: 'Why?'})).toBe(true)
    expect(ok(askRequestSchema, {})).toBe(false)
    expect(ok(askRequestSchema, {question: 'x'.repeat(501)})).toBe(false)
  })

  it('work as fastify route schemas (validation and response serialization)', async () => {
    const app = Fastify()
    stops.push(() => app.close())
    const coach = new Coach({car, track})
    stops.push(() => coach.stop())
    app.post('/analyze', {schema: {body: analyzeRequestSchema, response: {200: analyzeResponseSchema}}}, async (req) => coach.analyze(req.body as object))
    app.post('/coach/brief', {schema: {body: briefRequestSchema, response: {200: briefResponseSchema}}}, async (req) => coach.brief(req.body as object))
    app.post('/coach/ask', {schema: {body: askRequestSchema, response: {200: askResponseSchema}}}, async (req) => coach.ask(req.body as {question: string}))
    await app.ready()
    const analyze = await app.inject({method: 'POST', payload: {}, url: '/analyze'})
    expect(analyze.statusCode).toBe(200)
    expect(analyze.json()).toMatchObject({coach_source: 'fallback', cues: [], pace_note: ''})
    expect((await app.inject({method: 'POST', payload: {lap: 'x'}, url: '/coach/brief'})).statusCode).toBe(400)
    expect((await app.inject({method: 'POST', payload: {question: 'Why?'}, url: '/coach/ask'})).json()).toMatchObject({coach_source: 'fallback'})
  })

  it("the car schema's coaching.thresholds lists exactly the coach's thresholds", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'cars', 'car.schema.json'), 'utf8')) as {properties: {coaching: {properties: {thresholds: {properties: Record<string, {description: string}>}}}}}
    const listed = schema.properties.coaching.properties.thresholds.properties
    expect(Object.keys(listed).sort()).toEqual(Object.keys(THRESHOLD_DEFAULTS).sort())
    for (const [name, value] of Object.entries(THRESHOLD_DEFAULTS)) expect(listed[name]!.description, name).toMatch(new RegExp(`Default ${value}\\.$`))
  })
})
