/**
 * slcan parse throughput: ≥ 1,000,000 distinct `t` lines (the E46 ids 0x420..0x456, DLC 8,
 * varying data) built in memory, with and without `Z1` stamps, parsed in USB-sized and
 * serial-read-sized chunks into reused FrameBatches. Median of 5 runs (bench/harness.ts); the
 * checksum of everything parsed (ids, data, timestamps) keeps the work from being optimised away.
 *
 *   npx tsx bench/slcan-parse.ts [frames]
 */
import {DATA_STRIDE, FrameBatch} from '../src/lib/can/frame.js'
import {formatFrameLine} from '../src/lib/can/slcan/frame-line.js'
import {SlcanParser} from '../src/lib/can/slcan/parser.js'
import {measure} from './harness.js'

const FRAMES = Number(process.argv[2] ?? 1_000_000)
const E46_IDS = Array.from({length: 0x456 - 0x420 + 1}, (_, i) => 0x420 + i)

/** The whole capture as one buffer of `\r`-terminated lines. */
function buildCapture(stamped: boolean): Uint8Array {
  const lines: string[] = []
  let bytes = 0
  let seed = 0x2545f491
  for (let n = 0; n < FRAMES; n++) {
    const data: number[] = []
    for (let k = 0; k < 8; k++) {
      // xorshift32: cheap, deterministic, so every line differs
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      data.push(seed & 0xff)
    }
    // one frame every 0.25 ms of adapter time: the stamps wrap at 60000 ms every 240000 frames
    const line = formatFrameLine({data, id: E46_IDS[n % E46_IDS.length]!}, stamped ? Math.floor(n / 4) % 60_000 : undefined)
    lines.push(line)
    bytes += line.length
  }
  const capture = new Uint8Array(bytes)
  let o = 0
  for (const line of lines) for (let i = 0; i < line.length; i++) capture[o++] = line.charCodeAt(i)
  return capture
}

interface Run {
  readonly seconds: number
  readonly frames: number
  readonly checksum: number
}

function parseOnce(capture: Uint8Array, chunkSize: number): Run {
  const parser = new SlcanParser()
  const batch = new FrameBatch()
  let frames = 0
  let checksum = 0
  const consume = (): void => {
    for (let i = 0; i < batch.length; i++) {
      checksum = (checksum + batch.id[i]! + batch.data[i * DATA_STRIDE + 7]! + (batch.timestampUs[i]! % 1_000_003)) % 4_294_967_296
    }
    frames += batch.length
    batch.clear()
  }
  const hostTimeUs = 1_700_000_000_000_000
  const start = process.hrtime.bigint()
  for (let at = 0; at < capture.length; at += chunkSize) {
    const chunk = capture.subarray(at, Math.min(at + chunkSize, capture.length))
    let offset = 0
    while (offset < chunk.length) {
      offset = parser.feed(chunk, hostTimeUs, batch, offset)
      if (batch.full) consume()
    }
  }
  parser.finish(hostTimeUs, batch)
  consume()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (parser.stats.badLines + parser.stats.overlongLines !== 0) throw new Error(`bad lines: ${JSON.stringify(parser.stats)}`)
  return {checksum, frames, seconds}
}

for (const stamped of [false, true]) {
  const capture = buildCapture(stamped)
  for (const chunkSize of [64, 16_384]) {
    await measure(
      `slcan parse, ${stamped ? 'Z1 stamps' : 'no stamps'}, ${chunkSize} B reads`,
      {items: FRAMES, target: 1_000_000, note: `${(capture.length / 1e6).toFixed(1)} MB of t lines`},
      () => parseOnce(capture, chunkSize).checksum,
    )
  }
}
