import {describe, expect, it} from 'vitest'

import {DATA_STRIDE} from '../../src/lib/can/frame.js'
import {FrameEncoder, SIM_CHANNELS, SLOT} from '../../src/lib/sim/index.js'
import {decodeEach, e46, framesOf, simulator, START_US} from './helpers.js'

describe('encoding through the car file', () => {
  it('inverts each channel’s pipeline: the decoder gives back the simulated value to one raw step', async () => {
    const car = await e46()
    const sim = await simulator()
    const encoder = sim.encoder
    const slots = new Map(car.channels.map((c, i) => [c.name, i]))
    const worst = new Map<string, number>()
    let frames = 0
    decodeEach(car, framesOf(sim, 140), (decoder, t) => {
      frames++
      const model = sim.sampleAt(t)
      for (let k = 0; k < decoder.updatedCount; k++) {
        const channel = car.channels[decoder.updated[k]!]!
        if (!(SIM_CHANNELS as readonly string[]).includes(channel.name) || channel.kind === 'method') continue
        const expected = model[SLOT[channel.name as keyof typeof SLOT]]!
        const got = decoder.values[slots.get(channel.name)!]!
        const step = encoder.stepOf(channel.name)!
        const error = Math.abs(got - expected) / step
        worst.set(channel.name, Math.max(worst.get(channel.name) ?? 0, error))
      }
    })
    expect(frames).toBeGreaterThan(30_000)
    // Half a raw step from rounding, plus the µs rounding of the stamp.
    for (const [name, error] of worst) expect(error, name).toBeLessThanOrEqual(0.51)
    // Every simulated channel the car publishes was checked.
    expect([...worst.keys()].sort()).toEqual(
      SIM_CHANNELS.filter((n) => slots.has(n) && car.channels[slots.get(n)!]!.kind !== 'method').sort(),
    )
  })

  it('sends the MXP’s quirks: vertical g −1 at rest (the car flips it), yaw raw = true + 4.3 deg/s', async () => {
    const sim = await simulator()
    const batch = framesOf(sim, 1)[0]!
    const at = (id: number): Uint8Array => {
      for (let i = 0; i < batch.length; i++) if (batch.id[i] === id) return batch.data.subarray(i * DATA_STRIDE, i * DATA_STRIDE + 8)
      throw new Error(`no ${id.toString(16)}`)
    }
    const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, 8)
    // SmartyCam05 vertical_accel_g 32|16 signed ×0.01: −1.00 g.
    expect(view(at(0x424)).getInt16(4, true)).toBe(-100)
    // SmartyCam04 yaw_rate_degs 16|16 signed ×0.1: the car stands still, the sensor reads +4.3.
    expect(view(at(0x423)).getInt16(2, true)).toBe(43)
    // SmartyCam01 gear: the DME never sends it.
    expect(view(at(0x420)).getUint16(4, true)).toBe(0)
    expect(sim.sampleAt(0.5)[SLOT.yaw_rate_degs]).toBe(0)
  })

  it('finds every DBC signal a channel of the model comes from; only the TPMS alarm bits are left at 0', async () => {
    const encoder = new FrameEncoder(await e46())
    expect(encoder.unmapped).toEqual(['AimExtended07.tpms_alarm_fl', 'AimExtended07.tpms_alarm_fr', 'AimExtended07.tpms_alarm_rl', 'AimExtended07.tpms_alarm_rr'])
    expect(encoder.mapping.get('SmartyCam05.vertical_accel_g')).toBe('g_vert')
    expect(encoder.messages.map((m) => m.cycleMs)).toEqual([100, 20, 20, 20, 20, 100, 100, 50, 1000, 1000, 1000, 1000])
  })

  it('scales every message’s rate with --fps, keeping their proportions', async () => {
    const sim = await simulator({fps: 25_400})
    expect(sim.nominalFps).toBeCloseTo(254, 9)
    const counts = new Map<number, number>()
    for (const b of framesOf(sim, 1)) for (let i = 0; i < b.length; i++) counts.set(b.id[i]!, (counts.get(b.id[i]!) ?? 0) + 1)
    expect(counts.get(0x421)).toBe(5000)
    expect(counts.get(0x420)).toBe(1000)
    expect(counts.get(0x452)).toBe(2000)
    expect(counts.get(0x453)).toBe(100)
    // Stamps are distinct and increasing.
    let last = 0
    for (const b of framesOf(await simulator({fps: 25_400}), 0.5)) {
      for (let i = 0; i < b.length; i++) {
        expect(b.timestampUs[i]!).toBeGreaterThan(last)
        last = b.timestampUs[i]!
      }
    }
    expect(last).toBeLessThan(START_US + 500_000)
  })
})
