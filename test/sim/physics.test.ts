import {beforeAll, describe, expect, it} from 'vitest'

import {arcLength} from '../../src/lib/track/index.js'
import {E46_M3, gearAt, rpmInGear, type Simulator, SLOT} from '../../src/lib/sim/index.js'
import {decodeEach, e46, framesOf, park, simulator, slotOf} from './helpers.js'

let sim: Simulator
let lapEnd: number

beforeAll(async () => {
  sim = await simulator()
  lapEnd = sim.crossingS(2)
})

/** The model every 50 ms over the out-lap and two laps. */
function* samples(): Generator<{t: number; s: Float64Array}> {
  for (let t = 0; t < lapEnd; t += 0.05) yield {s: sim.sampleAt(t), t}
}

describe('simulated physics', () => {
  it('never goes backwards or past top speed, and stops only at the start', () => {
    let moving = false
    for (const {s, t} of samples()) {
      const v = s[SLOT.speed_ms]!
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThan(E46_M3.topSpeedMs)
      if (t > sim.plan.idleS + 1) {
        moving = true
        expect(v).toBeGreaterThan(5)
      }
    }
    expect(moving).toBe(true)
  })

  it('runs rpm through the car file’s gearbox, and the car file’s gear method finds the same gear', async () => {
    const car = await e46()
    const gear = slotOf(car, 'gear')
    let compared = 0
    let agreed = 0
    decodeEach(car, framesOf(sim, lapEnd), (decoder, t, id) => {
      if (id !== 0x420) return
      const model = sim.sampleAt(t)
      const v = model[SLOT.speed_ms]!
      // rpm on the wire is the model's, to the rpm (its raw step; the stamp is rounded to the µs).
      expect(Math.abs(decoder.values[slotOf(car, 'rpm')]! - model[SLOT.rpm]!)).toBeLessThanOrEqual(0.51)
      if (v < 30 / 3.6) return
      expect(model[SLOT.rpm]).toBeCloseTo(rpmInGear(sim.vehicle, v, model[SLOT.gear]!), 6)
      const decoded = decoder.values[gear]!
      compared++
      // Wheel speeds arrive in another frame: around a shift the method may see the old gear, or none.
      if (decoded === model[SLOT.gear]) agreed++
      else if (!Number.isNaN(decoded)) expect(Math.abs(decoded - model[SLOT.gear]!)).toBe(1)
    })
    expect(compared).toBeGreaterThan(1500)
    expect(agreed / compared).toBeGreaterThan(0.97)
  })

  it('uses every gear up to fifth, shifting at 7900 rpm', () => {
    const used = new Set<number>()
    for (const {s} of samples()) if (s[SLOT.speed_ms]! > 2) used.add(gearAt(sim.vehicle, s[SLOT.speed_ms]!))
    expect([...used].sort()).toEqual([1, 2, 3, 4, 5])
    for (const {s} of samples()) expect(s[SLOT.rpm]!).toBeLessThanOrEqual(7900 + 1e-6)
  })

  it('pulls lateral g, yaw and steering the way each layout turn goes, with g = v²κ/g', async () => {
    const track = await park()
    // Distance ranges of the middle third of every turn, with its direction, from the layout itself.
    const turns: Array<{from: number; to: number; direction: number}> = []
    let d = 0
    for (const seg of track.layout!) {
      const len = seg.kind === 'straight' ? seg.length : 2 * seg.spiral + arcLength(seg)
      if (seg.kind === 'turn' && seg.radius < 200) turns.push({direction: seg.direction, from: d + len / 3, to: d + (2 * len) / 3})
      d += len
    }
    let checked = 0
    const seen = new Set<number>()
    for (const {s, t} of samples()) {
      if (t < sim.plan.idleS + 2) continue
      const at = sim.plan.at(t, {} as never).d
      const turn = turns.findIndex((r) => at >= r.from && at <= r.to)
      if (turn < 0) continue
      const dir = turns[turn]!.direction
      seen.add(turn)
      expect(Math.sign(s[SLOT.g_lat]!)).toBe(dir)
      expect(Math.sign(s[SLOT.yaw_rate_degs]!)).toBe(dir)
      expect(Math.sign(s[SLOT.steering_deg]!)).toBe(dir)
      const v = s[SLOT.speed_ms]!
      const k = track.centreline.at(at).curvature
      expect(s[SLOT.g_lat]!).toBeCloseTo((v * v * k) / 9.80665, 6)
      // Yaw rate is v·κ, in degrees.
      expect(s[SLOT.yaw_rate_degs]!).toBeCloseTo((v * k * 180) / Math.PI, 6)
      expect(Math.abs(s[SLOT.g_lat]!)).toBeLessThan(1.3)
      checked++
    }
    expect(seen.size).toBe(turns.length)
    expect(checked).toBeGreaterThan(200)
  })

  it('takes longitudinal g from the change of speed, between −1.4 g braking and +0.8 g', () => {
    for (const {s, t} of samples()) {
      if (t < 0.2) continue
      const dv = sim.sampleAt(t + 0.001)[SLOT.speed_ms]! - sim.sampleAt(t - 0.001)[SLOT.speed_ms]!
      const g = s[SLOT.g_long]!
      expect(g).toBeGreaterThan(-1.4)
      expect(g).toBeLessThan(0.8)
      // Across a grid step the two sides may differ; away from one, dv/dt is g_long.
      if (Math.abs(sim.sampleAt(t + 0.001)[SLOT.g_long]! - sim.sampleAt(t - 0.001)[SLOT.g_long]!) < 1e-9) {
        expect(dv / 0.002 / 9.80665).toBeCloseTo(g, 3)
      }
    }
  })

  it('brakes without throttle and drives without brake, and the brake switch follows the pressure', () => {
    for (const {s} of samples()) {
      const brake = s[SLOT.brake_bar]!
      const throttle = s[SLOT.throttle_pct]!
      expect(brake === 0 || throttle === 0).toBe(true)
      expect(throttle).toBeGreaterThanOrEqual(0)
      expect(throttle).toBeLessThanOrEqual(100)
      expect(s[SLOT.brake_on]).toBe(brake > 2 ? 1 : 0)
      if (s[SLOT.g_long]! < -0.5) expect(brake).toBeGreaterThan(20)
    }
  })

  it('warms its temperatures and burns its fuel, steadily', () => {
    let last: Float64Array | undefined
    for (const {s} of samples()) {
      if (last) {
        for (const name of ['water_temp_c', 'engine_oil_temp_c', 'oil_filter_temp_c', 'tpms_temp_fl_c', 'tpms_pressure_rr_bar'] as const) expect(s[SLOT[name]]!).toBeGreaterThanOrEqual(last[SLOT[name]]!)
        expect(s[SLOT.fuel_l]!).toBeLessThanOrEqual(last[SLOT.fuel_l]!)
      }
      last = Float64Array.from(s)
    }
    const lap = sim.sampleAt(sim.crossingS(1))[SLOT.fuel_l]! - sim.sampleAt(sim.crossingS(2))[SLOT.fuel_l]!
    expect(lap).toBeGreaterThan(1)
    expect(lap).toBeLessThan(4)
    expect(last![SLOT.water_temp_c]!).toBeGreaterThan(88)
  })

  it('keeps vertical g around +1, with bumps that grow with speed', () => {
    let min = 2
    let max = 0
    for (const {s} of samples()) {
      min = Math.min(min, s[SLOT.g_vert]!)
      max = Math.max(max, s[SLOT.g_vert]!)
    }
    expect(min).toBeGreaterThan(0.7)
    expect(max).toBeLessThan(1.3)
    expect(max - min).toBeGreaterThan(0.1)
    expect(sim.sampleAt(1)[SLOT.g_vert]).toBe(1)
  })

  it('traces the lap in GPS: the fix stays within a few metres of the centreline', async () => {
    const track = await park()
    let i = 0
    for (const {s} of samples()) {
      if (i++ % 10 !== 0) continue
      const near = track.centreline.nearest(track.frame.x(s[SLOT.lon]!), track.frame.y(s[SLOT.lat]!))
      expect(near.offset).toBeLessThan(1)
    }
  })

  it('drives plausible lap times, the same with the same seed, different with another', async () => {
    const times = (s: Simulator): number[] => [1, 2, 3].map((k) => s.crossingS(k) - s.crossingS(k - 1))
    const one = times(sim)
    for (const t of one) {
      expect(t).toBeGreaterThan(95)
      expect(t).toBeLessThan(140)
    }
    // A little lap-to-lap variation, as a driver has.
    expect(Math.max(...one) - Math.min(...one)).toBeGreaterThan(0.02)
    expect(times(await simulator())).toEqual(one)
    const other = times(await simulator({seed: 2}))
    expect(other).not.toEqual(one)
    for (let k = 0; k < 3; k++) expect(Math.abs(other[k]! - one[k]!)).toBeLessThan(2)
  })

  it('sends byte-identical frames for the same seed and start, other bytes for another seed', async () => {
    const bytes = (s: Simulator): string =>
      framesOf(s, 30)
        .map((b) => Buffer.from(b.data.subarray(0, b.length * 64)).toString('hex') + Buffer.from(b.timestampUs.buffer, 0, b.length * 8).toString('hex'))
        .join('')
    const a = bytes(await simulator())
    expect(bytes(await simulator())).toBe(a)
    expect(bytes(await simulator({seed: 7}))).not.toBe(a)
  })
})
