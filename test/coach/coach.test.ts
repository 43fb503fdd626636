import {afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {Car} from '../../src/lib/car/index.js'
import {Coach, CoachRequestError, type CoachingNote, FALLBACK, type InsightUpdate} from '../../src/lib/coach/index.js'
import {SampleBatch} from '../../src/lib/decode/index.js'
import type {Track} from '../../src/lib/track/index.js'
import {drive, e46, park, settle} from './helpers.js'

let car: Car
let track: Track
const coaches: Coach[] = []

beforeAll(async () => {
  car = await e46()
  track = await park()
}, 60_000)

afterEach(async () => {
  for (const c of coaches.splice(0)) await c.stop()
})

function coach(): Coach {
  const c = new Coach({car, track})
  coaches.push(c)
  return c
}

const error = (f: () => unknown): CoachRequestError => {
  try {
    f()
  } catch (e) {
    return e as CoachRequestError
  }
  throw new Error('did not throw')
}

describe('Coach.analyze', {timeout: 120_000}, () => {
  it('with no data yet: the fixed safe message (coach_source fallback); brief and ask likewise', async () => {
    const c = coach()
    expect(c.analyze({})).toEqual({coach_source: 'fallback', coaching: FALLBACK.analyze, cues: [], pace_note: ''})
    expect(await c.brief({})).toEqual({coach_source: 'fallback', coaching: FALLBACK.brief, cues: []})
    expect(await c.ask({question: 'How do I go faster?'})).toEqual({answer: FALLBACK.ask, coach_source: 'fallback'})
  })

  it('{} analyzes the live lap: where, the delta to the best lap, what the rules found, and the next corner as a pace note', () => {
    const c = coach()
    // Stop just after the coast into Quarry on lap 2.
    drive(car, track, (s, laps) => c.observe(s, laps), {faults: 'coast@T5:lap2', laps: 1})
    const mid = coach()
    let answer = mid.analyze({})
    drive(car, track, (s, laps) => {
      mid.observe(s, laps)
      if (mid.status().rules.findings > 0 && answer.coach_source === 'fallback') answer = mid.analyze({})
    }, {faults: 'coast@T5:lap2', laps: 2})
    expect(answer.coach_source).toBe('rule')
    expect(answer.coaching).toMatch(/^Lap 2 at Quarry: [+−]\d\.\d\d s on your best\. \d\.\d s coasting into Quarry, neither pedal\./)
    expect(answer.cues).toEqual([expect.objectContaining({category: 'throttle', corner: 'Quarry', lap: 2, priority: 'medium', rule: 'coasting', text: 'Quarry: coasting. Pick a pedal.', ttl_ms: 8000})])
    expect(answer.pace_note).toMatch(/^Quarry, left: brake \d+ before, second, \d+\.$/)
    // A clean lap 1 with no reference yet.
    expect(c.analyze({}).coaching).toMatch(/^Lap 2 at [A-Z][a-z]+.*/)
  })

  it('a burst of seed 001 points is analyzed on its own, against the live best lap', () => {
    const c = coach()
    drive(car, track, (s, laps) => c.observe(s, laps), {laps: 2})
    // Braking hard into the Hairpin 40 m after the best lap did, at the same speed.
    const best = c.status().rules.best_lap
    expect(best).toBe(2)
    const t0 = Date.parse('2026-11-22T10:00:00Z')
    const points = Array.from({length: 60}, (_, i) => {
      const d = 500 + i * 3
      const braking = d >= 625
      return {accx_can: braking ? -1.2 : 0.1, accy_can: 0, gear: 4, lap: 7, lapdist_m: d, meta_time: new Date(t0 + i * 50).toISOString(), pbrake_f: braking ? 90 : 0, rpm: 7600, speed_kmh: braking ? 224 - (d - 625) : 224, throttle_pct: braking ? 0 : 100}
    })
    const answer = c.analyze({points})
    expect(answer.coach_source).toBe('rule')
    expect(answer.coaching).toMatch(/^Lap 7 at Hairpin: [+−]\d+\.\d\d s on your best\. Braked \d\d m later than your best into Hairpin, speed for speed\./)
    expect(answer.cues.map((q) => q.rule)).toEqual(['brake-late'])
    expect(answer.pace_note).toMatch(/^Hairpin, right: brake 1\d0 before, second, 6\d\.$/)
    // The burst does not touch the live session.
    expect(c.status().rules.findings).toBe(0)
  })

  it('refuses bodies it cannot read, with codes', () => {
    const c = coach()
    expect(error(() => c.analyze({points: []})).code).toBe('PW_COACH_BAD_REQUEST')
    expect(error(() => c.analyze({points: [{meta_time: 'yesterday', rpm: 1}]})).message).toMatch(/points\[0\]: meta_time "yesterday" is neither/)
    expect(error(() => c.analyze({points: [{meta_time: 2e9, rpm: 1}, {meta_time: 1e9, rpm: 1}]})).message).toMatch(/points\[1\]: meta_time goes backwards/)
    expect(error(() => c.analyze({points: [{nothing: 1}]})).code).toBe('PW_COACH_NO_SAMPLES')
    expect(error(() => c.analyze({foo: 1} as never)).message).toBe('/analyze: unknown field foo (takes points)')
    expect(error(() => c.analyze([] as never)).message).toBe('/analyze: the body is a JSON object')
  })
})

describe('Coach.brief and ask from the rules', {timeout: 120_000}, () => {
  it('briefs on the last lap against the best: sectors, what to work on, the car', async () => {
    const c = coach()
    drive(car, track, (s, laps) => c.observe(s, laps), {faults: 'late-throttle@T1:lap3,coast@T5:lap3', laps: 3})
    const brief = await c.brief({})
    expect(brief.coach_source).toBe('rule')
    expect(brief.coaching).toMatch(
      /^Best 1:54\.\d{3} on lap 2\. Lap 3 1:5\d\.\d{3} \(\+\d\.\d\d s: S1 \+\d\.\d\d s, S2 [+−]\d\.\d\d s, S3 [+−]\d\.\d\d s\)\. Work on: (Hairpin, late on the power; Quarry, coasting|Quarry, coasting; Hairpin, late on the power)\. Car: water temp \d+ °C, oil temp \d+ °C, oil pressure \d\.\d bar, battery \d+\.\d V, fuel \d+ L\.$/,
    )
    expect(brief.cues.map((q) => q.rule).sort()).toEqual(['coasting', 'throttle-exit'])
    expect((await c.brief({lap: 2})).coaching).toMatch(/^Best 1:54\.\d{3} on lap 2\. Lap 2 was clean against your best: keep building\./)
    await expect(c.brief({lap: 9})).rejects.toThrow('lap 9 is not among this session\'s recent laps (0, 1, 2, 3)')
    await expect(c.brief({lap: -1})).rejects.toThrow(CoachRequestError)
    await expect(c.ask({question: ''})).rejects.toThrow('question: a question of 1 to 500 characters')
    const ask = await c.ask({question: 'Where is the time?'})
    expect(ask).toEqual({answer: `The model is not available; from the data: ${brief.coaching}`, coach_source: 'rule'})
  })
})

describe('Coach insights and notes', {timeout: 120_000}, () => {
  it('a rule cue is an insight_update at once; sector and lap insights follow off the live path; every finding is a note', async () => {
    const c = coach()
    const insights: InsightUpdate[] = []
    const notes: CoachingNote[] = []
    c.onInsight((u) => insights.push(u))
    c.onNote((n) => notes.push(n))
    let cueDuringObserve = false
    drive(car, track, (s, laps) => {
      const before = insights.length
      c.observe(s, laps)
      if (insights.slice(before).some((u) => u.kind === 'cue')) cueDuringObserve = true
    }, {faults: 'coast@T5:lap2', laps: 2})
    expect(cueDuringObserve).toBe(true)
    await settle()
    const kinds = insights.map((u) => u.kind)
    expect(kinds.filter((k) => k === 'cue')).toHaveLength(1)
    expect(kinds.filter((k) => k === 'lap')).toHaveLength(3)
    expect(kinds.filter((k) => k === 'sector').length).toBeGreaterThanOrEqual(6)
    const cue = insights.find((u) => u.kind === 'cue')!
    expect(cue).toMatchObject({coach_source: 'rule', corner: 'Quarry', kind: 'cue', lap: 2, rule: 'coasting', type: 'insight_update'})
    const lap2 = insights.find((u) => u.kind === 'lap' && u.lap === 2)
    expect(lap2?.kind === 'lap' && lap2.summary).toMatchObject({best_lap: 1, findings: {coasting: 1}, valid: true})
    const summary = lap2!.kind === 'lap' ? lap2!.summary : undefined
    const hairpin = summary!.corners[0]!
    expect(hairpin).toMatchObject({corner: 'Hairpin', number: 1})
    expect(hairpin.min_speed_kmh).toBeGreaterThan(60)
    expect(hairpin.brake_before_m).toBeGreaterThan(100)
    // A right-hander loads the left tyres: more energy through the outside front than the inside rear.
    expect(hairpin.tyres.fl.energy_kj).toBeGreaterThan(hairpin.tyres.rr.energy_kj)
    expect(hairpin.tyres.fl.load_peak).toBeGreaterThan(1.5)
    expect(hairpin.tyres.fl.temp_c).toBeGreaterThan(20)
    const s1 = insights.find((u) => u.kind === 'sector' && u.lap === 2)
    expect(s1?.kind === 'sector' && s1.sector).toMatchObject({sector: 1})
    expect(notes).toEqual([{engine: 'rule', lap: 2, priority: 'medium', rule: 'coasting', text: cue.kind === 'cue' ? cue.message : '', ts_us: expect.any(Number)}])
  })

  it('a listener that throws does not stop the live path or the other listeners; unsubscribe works', () => {
    const c = coach()
    const seen: string[] = []
    c.onInsight(() => {
      throw new Error('broken client')
    })
    const off = c.onInsight((u) => seen.push(u.kind))
    drive(car, track, (s, laps) => c.observe(s, laps), {faults: 'coast@T5:lap1', laps: 1})
    expect(seen).toContain('cue')
    off()
    const n = seen.length
    drive(car, track, (s, laps) => c.observe(s, laps), {faults: 'coast@T5:lap1', laps: 1})
    expect(seen.length).toBe(n)
  })

  it('resetSession forgets laps and the best lap', () => {
    const c = coach()
    drive(car, track, (s, laps) => c.observe(s, laps), {laps: 2})
    expect(c.status().rules).toMatchObject({best_lap: 2, laps: 2})
    c.resetSession()
    expect(c.status().rules).toMatchObject({best_lap: null, findings: 0, laps: 0, last_sample_age_s: null})
    expect(c.analyze({}).coach_source).toBe('fallback')
  })

  it('runs without a track: the rules that need no position still speak', () => {
    const c = new Coach({car})
    coaches.push(c)
    const samples = new SampleBatch()
    const rpm = car.channels.findIndex((ch) => ch.name === 'rpm')
    const speed = car.channels.findIndex((ch) => ch.name === 'speed_ms')
    for (let t = 0; t < 100; t++) {
      samples.push(1e15 + t * 10_000, speed, 50)
      samples.push(1e15 + t * 10_000, rpm, t < 50 ? 8400 : 7000)
    }
    c.observe(samples)
    expect(c.status().rules.findings).toBe(1)
    expect(c.analyze({})).toMatchObject({coach_source: 'rule', cues: [{rule: 'over-rev', corner: null, lap: null}], pace_note: ''})
  })
})
