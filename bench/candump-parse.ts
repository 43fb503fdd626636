/**
 * candump parse throughput: the road capture (82,558 frames, 35 ids) repeated to at least
 * 1,000,000 frames, parsed from memory in 256 KiB slices by the same core `readCanLog` runs
 * (`parseLogBuffer`). Median of 5 runs (bench/harness.ts); the checksum folds every id and payload
 * byte so the work cannot be optimised away. Target: 1,000,000 frames/s on one core.
 *
 *   npx tsx bench/candump-parse.ts
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {DATA_STRIDE, type FrameBatch} from '../src/lib/can/frame.js'
import {parseLogBuffer} from '../src/lib/can/log/index.js'
import {measure} from './harness.js'

const FIXTURE = path.resolve(import.meta.dirname, '../../shared/fixtures/road-capture/can_sample.log')
const TARGET_FRAMES = 1_000_000

const one = readFileSync(FIXTURE)
const framesPerCopy = one.toString('latin1').split('\n').filter((l) => l.trim() !== '').length
const copies = Math.ceil(TARGET_FRAMES / framesPerCopy)
const log = Buffer.concat(Array.from({length: copies}, () => one))
const frames = framesPerCopy * copies

/** Parses the whole log once; returns a checksum of ids and payload bytes. */
function parseOnce(): number {
  let seen = 0
  let checksum = 0
  const stats = parseLogBuffer(log, 'candump', (batch: FrameBatch) => {
    seen += batch.length
    for (let i = 0; i < batch.length; i++) {
      checksum = (checksum + batch.id[i]!) >>> 0
      const base = i * DATA_STRIDE
      for (let k = 0; k < batch.dataLength[i]!; k++) checksum = (Math.imul(checksum, 31) + batch.data[base + k]!) >>> 0
    }
  })
  if (seen !== frames || stats.badLines !== 0) throw new Error(`parsed ${seen} of ${frames} frames, ${stats.badLines} bad lines`)
  return checksum
}

await measure(
  'candump parse',
  {items: frames, note: `${copies} x road-capture/can_sample.log, ${(log.length / 1e6).toFixed(1)} MB from memory`, target: 1_000_000},
  parseOnce,
)
