import {join} from 'node:path'

import {loadCarFile} from '../src/lib/car/index.js'
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

const library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
const car = (await loadCarFile(join(ROOT, 'cars', 'bmw_e46_m3.yaml'), library)).car!
const batches = e46Stream(car, FRAMES)
await measure('decode E46 stream (pipelines + derived)', {items: FRAMES, target: 1_000_000}, () => decodeAll(new CarDecoder(car), batches))
