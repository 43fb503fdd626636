import {beforeAll, describe, expect, it} from 'vitest'

import type {Car} from '../../src/lib/car/index.js'
import {coachConfig, type Finding} from '../../src/lib/coach/index.js'
import type {Track} from '../../src/lib/track/index.js'
import {e46, park} from './helpers.js'
import {findingsOf} from './rules-helpers.js'

let car: Car
let track: Track

beforeAll(async () => {
  car = await e46()
  track = await park()
}, 60_000)

describe('car health against the limits', {timeout: 120_000}, () => {
  it('each limit speaks once it has been crossed for health_hold_s, then at most every health_repeat_s', () => {
    const base = coachConfig(car)
    const config = coachConfig(car, {
      limits: [
        // The simulated water warms from 78 °C towards 96 °C: over 85 °C after about 2 minutes.
        {channel: 'water_temp_c', label: 'water temp', max: 85},
        {channel: 'oil_press_bar', label: 'oil pressure', minAtRpm: [[1000, 6], [8000, 6]]},
        {channel: 'fuel_l', label: 'fuel', min: 54.5},
      ],
      thresholds: {health_repeat_s: 60},
    })
    expect(base.limits.map((l) => l.channel)).toEqual(['water_temp_c', 'engine_oil_temp_c', 'oil_press_bar', 'battery_v', 'fuel_l'])
    const {findings} = findingsOf(car, track, {laps: 2}, config)
    const by = (rule: string): Finding[] => findings.filter((f) => f.rule === rule)
    const water = by('health:water_temp_c')
    expect(water.length).toBeGreaterThanOrEqual(2)
    expect(water[0]!.message).toMatch(/^Water temp 8[5-9] °C, over the 85 °C limit: short-shift, find clean air, box if it keeps climbing\.$/)
    expect(water[0]!.priority).toBe('high')
    for (let k = 1; k < water.length; k++) expect(water[k]!.tUs - water[k - 1]!.tUs).toBeGreaterThanOrEqual(60e6)
    const oil = by('health:oil_press_bar')
    expect(oil[0]!.priority).toBe('critical')
    expect(oil[0]!.message).toMatch(/^Oil pressure \d\.\d bar at [\d,]+ rpm, below the 6\.0 bar minimum: lift and box now\.$/)
    expect(oil[0]!.say).toMatch(/^Oil pressure low/)
    expect(by('health:fuel_l')[0]!.message).toMatch(/^Fuel 54\.\d L, below the 54\.5 L minimum: box this lap\.$/)
    // The car's own limits (cars/bmw_e46_m3.yaml) are never crossed by the healthy simulated car.
    expect(findingsOf(car, track, {laps: 2}).findings).toEqual([])
  })
})
