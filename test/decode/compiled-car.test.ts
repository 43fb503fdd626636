import {copyFileSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Car, loadBareDbcCar, loadCarFile} from '../../src/lib/car/index.js'
import type {FrameBatch} from '../../src/lib/can/index.js'
import {parseLogBuffer} from '../../src/lib/can/log/index.js'
import {CarDecoder, compileCar, decodeToSamples, generatedDecoderCount} from '../../src/lib/decode/index.js'
import {FindingSink} from '../../src/lib/findings.js'
import {type FormulaLibrary, loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../../src/lib/formula/index.js'
import {ROOT, SHARED_FIXTURES, tempDir} from '../helpers.js'
import {framesOf, simulator, START_US} from '../sim/helpers.js'

const E46 = join(ROOT, 'cars', 'bmw_e46_m3.yaml')
const dir = tempDir('pitwall-compiled-car-')
let library: FormulaLibrary
let e46: Car
/** The E46 plus channels through `prev`-reading formulas: a pipeline step and a derived channel. */
let smoothed: Car
let streamA: FrameBatch[]
let streamB: FrameBatch[]

beforeAll(async () => {
  library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
  e46 = (await loadCarFile(E46, library)).car!
  copyFileSync(join(ROOT, 'cars', 'bmw_e46_m3.dbc'), join(dir.path, 'bmw_e46_m3.dbc'))
  const yaml = readFileSync(E46, 'utf8')
    .replace('\nsignals:\n', '\nsignals:\n  rpm_held: {from: SmartyCam01.rpm, steps: [hold_last_value]}\n')
    .replace('\nderived:\n', '\nderived:\n  speed_smooth_ms: {formula: low_pass, inputs: {x: speed_ms}, params: {alpha: 0.05}}\n')
  writeFileSync(join(dir.path, 'smoothed.yaml'), yaml.replace('id: bmw_e46_m3', 'id: smoothed'))
  const loaded = await loadCarFile(join(dir.path, 'smoothed.yaml'), library)
  expect(loaded.findings.filter((f) => f.severity === 'error')).toEqual([])
  smoothed = loaded.car!
  // Two different drives: B an hour later, another seed, with frames dropped (stale channels).
  streamA = framesOf(await simulator({seed: 1}), 30)
  streamB = framesOf(await simulator({dropRate: 0.2, seed: 2, startUs: START_US + 3_600_000_000}), 30)
}, 60_000)
afterAll(() => dir.cleanup())

/** Every sample a decoder gives on a stream, as plain rows (NaN compares equal). */
function samples(decoder: CarDecoder, batches: readonly FrameBatch[]): number[][] {
  const rows: number[][] = []
  for (const batch of batches) {
    const out = decodeToSamples(decoder, batch)
    for (let k = 0; k < out.length; k++) rows.push([out.timestampUs[k]!, out.channel[k]!, out.value[k]!])
  }
  return rows
}

const state = (d: CarDecoder): unknown => ({time: Array.from(d.timeUs), values: Array.from(d.values)})
const slot = (car: Car, name: string): number => car.channels.findIndex((c) => c.name === name)

describe('compiling a car once', () => {
  it('shares one compiled car between the decoders of a car, and generates each message decoder once', async () => {
    const car = (await loadCarFile(E46, library)).car!
    const before = generatedDecoderCount()
    const a = new CarDecoder(car)
    const b = new CarDecoder(car)
    a.reset()
    b.reset()
    expect(a.compiled).toBe(b.compiled)
    expect(compileCar(car)).toBe(a.compiled)
    expect(generatedDecoderCount() - before).toBe(car.dbc.messages.length)
    expect(car.dbc.messages.length).toBeGreaterThan(5)
    // Scratch arrays are each decoder's own.
    expect(a.decoders[0]!.values).not.toBe(b.decoders[0]!.values)
    // The same file loaded again is another car: compiled again.
    const again = (await loadCarFile(E46, library)).car!
    expect(new CarDecoder(again).compiled).not.toBe(a.compiled)
    expect(generatedDecoderCount() - before).toBe(2 * car.dbc.messages.length)
  })
})

describe('CarDecoder.reset', () => {
  it.each([
    ['the shipped E46', () => e46],
    ['an E46 with prev-reading formulas', () => smoothed],
  ])('after stream A, decodes stream B exactly like a fresh decoder (%s)', (_, carOf) => {
    const car = carOf()
    const fresh = new CarDecoder(car)
    const wanted = samples(fresh, streamB)
    const used = new CarDecoder(car)
    samples(used, streamA)
    used.reset()
    const got = samples(used, streamB)
    expect(got.length).toBe(wanted.length)
    expect(got).toEqual(wanted)
    expect(state(used)).toEqual(state(fresh))
    // Stats are kept across the reset: callers add them up.
    const count = (batches: readonly FrameBatch[]): number => batches.reduce((n, b) => n + b.length, 0)
    expect(used.stats.frames).toBe(count(streamA) + count(streamB))
    expect(used.stats.decoded).toBe(fresh.stats.decoded + decodedCount(car, streamA))
  })

  it('matters: without it, stream A leaks into stream B through formula state', () => {
    const carried = new CarDecoder(smoothed)
    samples(carried, streamA)
    const leaked = samples(carried, streamB)
    const wanted = samples(new CarDecoder(smoothed), streamB)
    const smooth = slot(smoothed, 'speed_smooth_ms')
    const first = (rows: number[][]): number => rows.find((r) => r[1] === smooth)![2]!
    expect(first(leaked)).not.toBe(first(wanted))
  })

  it('resets a decoder of a bare DBC on the road capture the same way', async () => {
    const road = (await loadBareDbcCar(join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc'))).car!
    const batches: FrameBatch[] = []
    parseLogBuffer(readFileSync(join(SHARED_FIXTURES, 'road-capture', 'can_sample.log')), 'candump', (b) => batches.push(b))
    const half = Math.ceil(batches.length / 2)
    const [a, b] = [batches.slice(0, half), batches.slice(half)]
    const used = new CarDecoder(road)
    samples(used, a)
    used.reset()
    const wanted = samples(new CarDecoder(road), b)
    expect(wanted.length).toBeGreaterThan(0)
    expect(samples(used, b)).toEqual(wanted)
  })
})

describe('decoders of one car, interleaved', () => {
  it('give batch by batch what each gives alone', () => {
    const alone = [samples(new CarDecoder(smoothed), streamA), samples(new CarDecoder(smoothed), streamB)]
    const decoders = [new CarDecoder(smoothed), new CarDecoder(smoothed)]
    const got: number[][][] = [[], []]
    const streams = [streamA, streamB]
    for (let k = 0; k < Math.max(streamA.length, streamB.length); k++) {
      for (const s of [0, 1]) {
        const batch = streams[s]![k]
        if (batch) got[s]!.push(...samples(decoders[s]!, [batch]))
      }
    }
    expect(got[0]).toEqual(alone[0])
    expect(got[1]).toEqual(alone[1])
  })
})

function decodedCount(car: Car, batches: readonly FrameBatch[]): number {
  const d = new CarDecoder(car)
  for (const b of batches) d.decodeBatch(b)
  return d.stats.decoded
}
