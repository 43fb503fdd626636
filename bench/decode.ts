import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {loadBareDbcCar, loadCarFile} from '../src/lib/car/index.js'
import {parseLogBuffer} from '../src/lib/can/log/index.js'
import {CarDecoder} from '../src/lib/decode/index.js'
import {FindingSink} from '../src/lib/findings.js'
import {loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../src/lib/formula/index.js'
import type {FrameBatch} from '../src/lib/can/index.js'
import {e46Stream} from './e46-stream.js'
import {fold, measure} from './harness.js'

const ROOT = join(import.meta.dirname, '..')
const FRAMES = 1_000_000

/** Decodes every batch with a fresh decoder; folds every updated channel value into a checksum. */
export function decodeAll(decoder: CarDecoder, batches: readonly FrameBatch[]): number {
  let sum = 0
  for (const batch of batches) {
    decoder.decodeBatch(batch, () => {
      for (let k = 0; k < decoder.updatedCount; k++) sum = fold(sum, decoder.values[decoder.updated[k]!]!)
    })
  }
  return sum
}

/** The road capture, repeated with shifted timestamps until it holds at least `frames` frames. */
function roadCapture(frames: number): FrameBatch[] {
  const batches: FrameBatch[] = []
  const log = readFileSync(join(ROOT, '..', 'shared', 'fixtures', 'road-capture', 'can_sample.log'))
  let total = 0
  for (let copy = 0; total < frames; copy++) {
    parseLogBuffer(log, 'candump', (batch) => {
      for (let i = 0; i < batch.length; i++) batch.timestampUs[i]! += copy * 91_000_000
      batches.push(batch)
      total += batch.length
    })
  }
  return batches
}

const library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
const car = (await loadCarFile(join(ROOT, 'cars', 'bmw_e46_m3.yaml'), library)).car!
const batches = e46Stream(car, FRAMES)
await measure('decode E46 stream (pipelines + derived)', {items: FRAMES, target: 1_000_000}, () => decodeAll(new CarDecoder(car), batches))

const road = (await loadBareDbcCar(join(ROOT, '..', 'shared', 'fixtures', 'road-capture', 'sample_can_spec.dbc'))).car!
const roadBatches = roadCapture(FRAMES)
const roadFrames = roadBatches.reduce((n, b) => n + b.length, 0)
await measure(
  'decode road capture (sample_can_spec.dbc)',
  {items: roadFrames, note: 'can_sample.log repeated 13x with shifted stamps; 46% of frames match the DBC', target: 1_000_000},
  () => decodeAll(new CarDecoder(road), roadBatches),
)
