import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import type {Car} from '../../src/lib/car/index.js'
import {DATA_STRIDE} from '../../src/lib/can/frame.js'
import {CarDecoder} from '../../src/lib/decode/index.js'
import {UsageError} from '../../src/lib/errors.js'
import {FAULT_EFFECT, parseDriverFaults, Simulator, SLOT} from '../../src/lib/sim/index.js'
import type {Track} from '../../src/lib/track/index.js'
import {runCli, tempDir} from '../helpers.js'
import {framesOf, slotOf} from '../sim/helpers.js'
import {e46, park, START_US} from './helpers.js'

let car: Car
let track: Track

beforeAll(async () => {
  car = await e46()
  track = await park()
}, 60_000)

describe('--driver-fault grammar', () => {
  it('reads corners by number or name, laps, and both', () => {
    expect(parseDriverFaults('late-brake@T1, coast@quarry,over-rev@lap3,no-trail@Bus-Stop:lap2,timid@t10:lap4', track)).toEqual([
      {corner: 0, kind: 'late-brake', text: 'late-brake@T1'},
      {corner: 4, kind: 'coast', text: 'coast@quarry'},
      {kind: 'over-rev', lap: 3, text: 'over-rev@lap3'},
      {corner: 7, kind: 'no-trail', lap: 2, text: 'no-trail@Bus-Stop:lap2'},
      {corner: 9, kind: 'timid', lap: 4, text: 'timid@t10:lap4'},
    ])
  })

  it.each([
    ['brake-late@T1', /unknown fault "brake-late"/, /faults: late-brake, early-brake, coast/],
    ['coast', /say where, e\.g\. coast@T1, coast@lap3 or coast@T1:lap3/, undefined],
    ['coast@T12', /Pitwall Park has no corner "t12"/, /corners: T1 \(Hairpin\), T2 \(Dip\)/],
    ['over-rev@lap0', /laps count from 1/, undefined],
  ])('%s is refused with a usage error', (text, message, suggestion) => {
    const error = (() => {
      try {
        parseDriverFaults(text, track)
      } catch (e) {
        return e
      }
    })() as UsageError
    expect(error).toBeInstanceOf(UsageError)
    expect(error.code).toBe('PW_SIM_FAULT')
    expect(error.message).toMatch(message)
    if (suggestion) expect(error.suggestions.join(' ')).toMatch(suggestion)
  })

  it('a fault that cannot happen is refused before any frame: no braking at a flat corner, no room in a short zone', () => {
    const make = (text: string): Simulator => new Simulator(car, track, {driverFaults: parseDriverFaults(text, track), seed: 1, startUs: START_US})
    expect(() => make('late-brake@T3')).toThrow(/late-brake@T3: T3 \(Kink\) is taken flat out: there is no braking/)
    expect(() => make('no-trail@kink')).toThrow(UsageError)
    expect(() => make('late-brake@T2')).toThrow(/T2 \(Dip\) has a \d+ m braking zone: too short to brake 30 m later/)
    try {
      make('late-brake@T3')
    } catch (error) {
      expect((error as UsageError).suggestions).toEqual(['late-brake works at: T1 (Hairpin), T4 (Lodge), T5 (Quarry), T8 (Bus Stop)'])
    }
    // Lap-wide, a fault goes where it can.
    expect(() => make('late-brake@lap2,no-trail@lap3')).not.toThrow()
  })
})

describe('laps with and without faults', {timeout: 120_000}, () => {
  it('laps before the faulty one are the clean laps, frame for frame; the faulty lap differs', () => {
    const clean = new Simulator(car, track, {seed: 4, startUs: START_US})
    const faulty = new Simulator(car, track, {driverFaults: parseDriverFaults('coast@T5:lap3,timid@T10:lap3', track), seed: 4, startUs: START_US})
    const end = clean.crossingS(2)
    const bytes = (sim: Simulator): Buffer => Buffer.concat(framesOf(sim, end).flatMap((x) => [Buffer.from(x.data.subarray(0, x.length * DATA_STRIDE)), Buffer.from(x.timestampUs.buffer, 0, x.length * 8)]))
    expect(bytes(faulty).equals(bytes(clean))).toBe(true)
    expect(faulty.crossingS(2)).toBe(end)
    expect(faulty.crossingS(3) - faulty.crossingS(2)).toBeGreaterThan(clean.crossingS(3) - clean.crossingS(2))
  })

  it('over-rev and short-shift move the shift point, and the decoded rpm shows it', () => {
    const over = new Simulator(car, track, {driverFaults: parseDriverFaults('over-rev@lap1', track), seed: 1, startUs: START_US})
    const short = new Simulator(car, track, {driverFaults: parseDriverFaults('short-shift@lap1', track), seed: 1, startUs: START_US})
    const peak = (sim: Simulator): number => {
      let max = 0
      for (let t = sim.crossingS(0) + 5; t < sim.crossingS(1); t += 0.05) max = Math.max(max, sim.sampleAt(t)[SLOT.rpm]!)
      return max
    }
    expect(peak(over)).toBeGreaterThan(sim0Shift() + FAULT_EFFECT.overRevRpm - 120)
    expect(peak(short)).toBeLessThan(sim0Shift() + FAULT_EFFECT.shortShiftRpm + 1)
    const rpm = slotOf(car, 'rpm')
    const decoder = new CarDecoder(car)
    let seen = 0
    for (const batch of framesOf(over, over.crossingS(1))) decoder.decodeBatch(batch, () => (seen = Math.max(seen, decoder.values[rpm]!)))
    expect(seen).toBeGreaterThan(8300)
  })
})

function sim0Shift(): number {
  return new Simulator(car, track, {seed: 1, startUs: START_US}).vehicle.shiftRpm
}

describe('pitwall simulate --driver-fault', {timeout: 120_000}, () => {
  it('drives the faults and names them in the summary', async () => {
    const dir = tempDir()
    try {
      const log = join(dir.path, 'faults.log')
      const r = await runCli(['simulate', '--laps', '1', '--speed', 'max', '--to', `candump:${log}`, '--driver-fault', 'coast@quarry:lap1,over-rev@lap1', '--json', '--data-dir', dir.path])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toMatchObject({driverFaults: ['coast at T5 (Quarry) on lap 1', 'over-rev on lap 1'], laps: [{lap: 1}]})
      const bad = await runCli(['simulate', '--laps', '1', '--speed', 'max', '--to', `candump:${log}`, '--driver-fault', 'late-brake@T3', '--data-dir', dir.path])
      expect(bad.code).toBe(64)
      expect(bad.stderr).toMatch(/late-brake@T3: T3 \(Kink\) is taken flat out/)
    } finally {
      dir.cleanup()
    }
  })
})
