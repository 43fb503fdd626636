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

describe('rules on clean simulated laps', {timeout: 120_000}, () => {
  it.each([1, 2, 3])('seed %i: six clean laps (and the out-lap) produce no finding at all', (seed) => {
    const {findings, laps} = findingsOf(car, track, {laps: 6, seed})
    expect(laps).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(findings.map(describeFinding)).toEqual([])
  })
})
