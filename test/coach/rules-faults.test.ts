import {beforeAll, describe, expect, it} from 'vitest'

import type {Car} from '../../src/lib/car/index.js'
import type {Track} from '../../src/lib/track/index.js'
import {e46, park} from './helpers.js'
import {describeFinding, findingsOf} from './rules-helpers.js'

let car: Car
let track: Track

beforeAll(async () => {
  car = await e46()
  track = await park()
}, 60_000)

/** A fault, and the cue it must produce: rule, corner (none for a lap-wide fault), lap. */
const SCENARIO = [
  {corner: 'Hairpin', fault: 'no-trail@T1:lap3', lap: 3, rule: 'trail-brake'},
  {corner: 'Quarry', fault: 'coast@T5:lap3', lap: 3, rule: 'coasting'},
  {corner: 'Chapel', fault: 'late-throttle@T6:lap3', lap: 3, rule: 'throttle-exit'},
  {corner: 'Carousel', fault: 'timid@T10:lap3', lap: 3, rule: 'grip-usage'},
  {corner: undefined, fault: 'over-rev@lap4', lap: 4, rule: 'over-rev'},
  {corner: 'Kink', fault: 'coast@kink:lap5', lap: 5, rule: 'coasting'},
  {corner: 'Lodge', fault: 'early-brake@T4:lap5', lap: 5, rule: 'brake-early'},
  {corner: 'Old Mill', fault: 'short-shift@T7:lap5', lap: 5, rule: 'short-shift'},
  {corner: 'Dip', fault: 'timid@T2:lap5', lap: 5, rule: 'grip-usage'},
  {corner: 'Bus Stop', fault: 'no-trail@T8:lap6', lap: 6, rule: 'trail-brake'},
  {corner: 'Bus Stop exit', fault: 'late-throttle@T9:lap6', lap: 6, rule: 'throttle-exit'},
  // Last: braking late (harder) makes the lap no slower, so it may become the reference.
  {corner: 'Hairpin', fault: 'late-brake@T1:lap7', lap: 7, rule: 'brake-late'},
  {corner: 'Quarry', fault: 'late-brake@T5:lap7', lap: 7, rule: 'brake-late'},
] as const

describe('rules on laps with driver faults', {timeout: 120_000}, () => {
  it.each([1, 2])('seed %i: each fault gives its cue at its corner on its lap; laps 1 and 2 stay clean; nothing fires away from a fault', (seed) => {
    const {findings} = findingsOf(car, track, {faults: SCENARIO.map((s) => s.fault).join(','), laps: 7, seed})
    for (const want of SCENARIO) {
      const hit = findings.find((f) => f.rule === want.rule && f.lap === want.lap && (want.corner === undefined || f.corner?.name === want.corner))
      expect(hit, `${want.fault} → ${want.rule}; found: ${findings.map(describeFinding).join(' | ')}`).toBeDefined()
      expect(hit!.cue).toMatchObject({lap: want.lap, rule: want.rule, ...(want.corner ? {corner: want.corner} : {})})
    }
    expect(findings.filter((f) => f.lap! <= 2).map(describeFinding)).toEqual([])
    // A fault may bring a related finding at its own corner (braking in a straight line is braking
    // earlier, holding speed to the apex leaves grip unused), never one elsewhere.
    const stray = findings.filter((f) => !SCENARIO.some((s) => s.lap === f.lap && (s.corner === undefined || s.corner === f.corner?.name)))
    expect(stray.map(describeFinding)).toEqual([])
  })

  it('a lap-wide over-rev is one cue per lap, in the gear and corner where it happened', () => {
    const {findings} = findingsOf(car, track, {faults: 'over-rev@lap2', laps: 3})
    const revs = findings.filter((f) => f.rule === 'over-rev')
    expect(revs).toHaveLength(1)
    expect(revs[0]).toMatchObject({category: 'shifting', lap: 2, priority: 'high'})
    expect(revs[0]!.metrics['rpm']).toBeGreaterThan(8000)
    expect(revs[0]!.message).toMatch(/^8,\d{3} rpm in \d(st|nd|rd|th) out of [A-Z].*, over the 8,000 redline\. Shift at 7,900/)
  })

  it('brake points are compared speed for speed: a short-shifted lap arrives slower everywhere and brakes nowhere "early"', () => {
    const {findings} = findingsOf(car, track, {faults: 'short-shift@lap3', laps: 3})
    expect(findings.map((f) => f.rule)).toEqual(['short-shift'])
    expect(findings[0]!.message).toMatch(/^Short-shift \d→\d at 6,\d{3} rpm .*it drops to \d,\d{3} in \d(st|nd|rd|th)\. Hold it to 7,900\.$/)
  })
})
