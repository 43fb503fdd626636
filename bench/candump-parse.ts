/**
 * candump parse throughput: the road capture (82,558 frames) repeated to at least 1,000,000
 * frames, parsed from memory by the same core `readCanLog` uses. Prints the median of 5 runs.
 * Run: npx tsx bench/candump-parse.ts
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {DATA_STRIDE, type FrameBatch} from '../src/lib/can/frame.js'
import {parseLogBuffer} from '../src/lib/can/log/index.js'

const FIXTURE = path.resolve(import.meta.dirname, '../../shared/fixtures/road-capture/can_sample.log')
const TARGET_FRAMES = 1_000_000
const RUNS = 5

const one = readFileSync(FIXTURE)
const framesPerCopy = one.toString('latin1').split('\n').filter((l) => l.trim() !== '').length
const copies = Math.ceil(TARGET_FRAMES / framesPerCopy)
const log = Buffer.concat(Array.from({length: copies}, () => one))

/** Parses the whole log once; returns frames seen and a checksum of ids and payload bytes. */
function run(): {frames: number; checksum: number} {
  let frames = 0
  let checksum = 0
  parseLogBuffer(log, 'candump', (batch: FrameBatch) => {
    frames += batch.length
    for (let i = 0; i < batch.length; i++) {
      checksum = (checksum + batch.id[i]!) >>> 0
      const base = i * DATA_STRIDE
      for (let k = 0; k < batch.dataLength[i]!; k++) checksum = (checksum * 31 + batch.data[base + k]!) >>> 0
    }
  })
  return {checksum, frames}
}

run() // warm-up
const times: number[] = []
let result = {checksum: 0, frames: 0}
for (let r = 0; r < RUNS; r++) {
  const start = process.hrtime.bigint()
  result = run()
  times.push(Number(process.hrtime.bigint() - start) / 1e9)
}
times.sort((a, b) => a - b)
const median = times[Math.floor(RUNS / 2)]!
console.log(`candump parse: ${result.frames} frames (${copies} x ${framesPerCopy}, ${(log.length / 1e6).toFixed(1)} MB), median of ${RUNS}: ${median.toFixed(3)} s`)
console.log(`  ${Math.round(result.frames / median).toLocaleString('en-US')} frames/s, ${(log.length / 1e6 / median).toFixed(0)} MB/s`)
console.log(`  checksum (ids + data): ${result.checksum.toString(16).padStart(8, '0')}`)
