import {join} from 'node:path'
import fc from 'fast-check'
import {beforeAll, describe, expect, it} from 'vitest'

import {type Car, ChannelEvaluator, loadCarFile} from '../../src/lib/car/index.js'
import {FrameBatch} from '../../src/lib/can/index.js'
import type {DbcMessage} from '../../src/lib/dbc/model.js'
import {CarDecoder, encodeMessage} from '../../src/lib/decode/index.js'
import {FindingSink} from '../../src/lib/findings.js'
import {loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../../src/lib/formula/index.js'
import {convertUnit} from '../../src/lib/units/index.js'
import {ROOT} from '../helpers.js'

let car: Car
beforeAll(async () => {
  const library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
  car = (await loadCarFile(join(ROOT, 'cars', 'bmw_e46_m3.yaml'), library)).car!
})

const msg = (name: string): DbcMessage => car.dbc.messages.find((m) => m.name === name)!

/** A batch with one encoded E46 frame per (message, values, time). */
function frames(list: Array<[string, Record<string, number>, number]>): FrameBatch {
  const batch = new FrameBatch(list.length)
  for (const [name, values, timeMs] of list) {
    const m = msg(name)
    batch.push({data: encodeMessage(m, values), id: m.id, timestampUs: timeMs * 1000})
  }
  return batch
}

const value = (d: CarDecoder, name: string): number | null => {
  const v = d.values[d.channels.findIndex((c) => c.name === name)]!
  return Number.isNaN(v) ? null : v
}
const updatedNames = (d: CarDecoder): string[] => Array.from(d.updated.subarray(0, d.updatedCount), (c) => d.channels[c]!.name)

describe('CarDecoder on the E46', () => {
  it('decodes frames into the same channels as the reference evaluator', () => {
    const names = ['SmartyCam01', 'SmartyCam02', 'SmartyCam03', 'SmartyCam04', 'SmartyCam05', 'AimExtended01', 'AimExtended02', 'AimExtended07']
    const raw16 = fc.integer({max: 0xffff, min: 0})
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), fc.array(raw16, {maxLength: 4, minLength: 4})), {maxLength: 30, minLength: 1}), (picks) => {
        const decoder = new CarDecoder(car)
        const reference = new ChannelEvaluator(car)
        const physical = new Map<string, number>()
        const batch = new FrameBatch(picks.length)
        picks.forEach(([name, raws], k) => {
          const m = msg(name)
          const data = new Uint8Array(8)
          raws.forEach((r, j) => {
            data[2 * j] = r & 0xff
            data[2 * j + 1] = r >> 8
          })
          batch.push({data, id: m.id, timestampUs: k * 1000})
        })
        decoder.decodeBatch(batch)
        // Rebuild the physical signal values the decoder saw, from its own per-message arrays.
        for (const d of decoder.decoders) d.message.signals.forEach((s, i) => d.present[i] && physical.set(`${d.message.name}.${s.name}`, d.values[i]!))
        const expected = reference.evaluate(physical)
        expect(expected.size).toBeGreaterThan(0)
        for (const [name, want] of expected) {
          const got = value(decoder, name)
          if (want === null) expect(got, name).toBeNull()
          else expect(got !== null && Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${name}: ${got} vs ${want}`).toBe(true)
        }
      }),
      {numRuns: 60},
    )
  })

  it('evaluates a derived channel only when one of its inputs changed', () => {
    const decoder = new CarDecoder(car)
    const batch = frames([
      ['SmartyCam04', {inline_accel_g: 0.4, lateral_accel_g: 0.3}, 0],
      ['SmartyCam04', {inline_accel_g: 0.4, lateral_accel_g: 0.3}, 20],
      ['SmartyCam04', {inline_accel_g: 0.4, lateral_accel_g: 0.6}, 40],
    ])
    const seen: string[][] = []
    decoder.decodeBatch(batch, () => seen.push(updatedNames(decoder)))
    expect(seen[0]).toContain('g_combined')
    expect(seen[1]).toContain('g_lat')
    expect(seen[1]).not.toContain('g_combined')
    expect(seen[2]).toContain('g_combined')
    expect(value(decoder, 'g_combined')).toBeCloseTo(Math.hypot(0.6, 0.4), 9)
  })

  it('derives gear, and nulls it when wheel speed goes stale (3 × 100 ms), never freezing it', () => {
    const decoder = new CarDecoder(car)
    const third = convertUnit(((6000 / (1.669 * 3.62)) / 60) * 1.998, 'm/s', 'mph')
    const wheels = {wheel_speed_fl_mph: third, wheel_speed_fr_mph: third, wheel_speed_rl_mph: third, wheel_speed_rr_mph: third}
    decoder.decodeBatch(frames([['AimExtended01', wheels, 0], ['SmartyCam01', {rpm: 6000}, 10]]))
    expect(value(decoder, 'gear')).toBe(3)
    decoder.decodeBatch(frames([['SmartyCam01', {rpm: 6010}, 250]]))
    expect(value(decoder, 'gear')).toBe(3)
    // The wheel-speed frame (100 ms cycle) is now 400 ms old: gear must not keep saying 3.
    decoder.decodeBatch(frames([['SmartyCam01', {rpm: 6020}, 400]]))
    expect(value(decoder, 'gear')).toBeNull()
    decoder.decodeBatch(frames([['AimExtended01', wheels, 450], ['SmartyCam01', {rpm: 6000}, 460]]))
    expect(value(decoder, 'gear')).toBe(3)
  })

  it('counts unknown ids, short frames, error and remote frames instead of decoding them', () => {
    const decoder = new CarDecoder(car)
    const batch = new FrameBatch(4)
    batch.push({data: [1, 2, 3, 4, 5, 6, 7, 8], id: 0x7ff})
    batch.push({data: [1, 2, 3], id: 0x420})
    batch.push({data: [0, 0, 0, 0, 0, 0, 0, 0], error: true, id: 0x420})
    batch.push({id: 0x420, length: 8, remote: true})
    decoder.decodeBatch(batch)
    expect(decoder.stats).toEqual({decoded: 0, frames: 4, short: 1, skipped: 2, unknown: 1})
  })

  it('matches by numeric id; the extended flag decides only when both widths exist', async () => {
    const decoder = new CarDecoder(car)
    // 0x420 as a 29-bit frame: the DBC only has an 11-bit 0x420, so it matches (as cantools does).
    expect(decoder.messageIndex(0x420, true)).toBe(decoder.messageIndex(0x420, false))
    expect(decoder.messageIndex(0x420, false)).toBeGreaterThanOrEqual(0)
  })
})
