/**
 * Sustained writer throughput of the live store: 1,000,000 frames of the synthetic E46 stream
 * (bench/e46-stream.ts), decoded with the shipped car (CarDecoder + decodeToSamples) and handed to
 * a real LiveStore (a DuckDB file in a temp dir, its writer in the store worker) batch by batch,
 * as `pitwall ingest` does; a run ends when `flush()` says every frame is committed. Median of 5
 * runs into one growing file (bench/harness.ts). The producer keeps under the store's in-flight
 * bound (it waits for a commit rather than see frames dropped), so the rate is the writer's.
 *
 * Also reported (stderr, and in the JSON note): the longest main-thread event-loop stall during
 * the measured runs (perf_hooks.monitorEventLoopDelay), RSS and JS heap before and after, and
 * the latency of the two reads the tall `samples` layout must serve: one channel over a 60 s
 * window, and every channel at one instant.
 *
 *   npx tsx --expose-gc bench/store-write.ts [frames]
 */
import {existsSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {monitorEventLoopDelay} from 'node:perf_hooks'

import {loadCarFile} from '../src/lib/car/index.js'
import {FrameBatch} from '../src/lib/can/index.js'
import {CarDecoder, decodeToSamples} from '../src/lib/decode/index.js'
import {FindingSink} from '../src/lib/findings.js'
import {loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../src/lib/formula/index.js'
import {LiveStore} from '../src/lib/store/live-store.js'
import {SessionManager} from '../src/lib/store/session-manager.js'
import {e46Stream} from './e46-stream.js'
import {fold, measure} from './harness.js'

const ROOT = join(import.meta.dirname, '..')
const FRAMES = Number(process.argv[2] ?? 1_000_000)
/** The store's default in-flight bound (LiveStore): the producer stays under it. */
const MAX_IN_FLIGHT = 200_000

const library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
const car = (await loadCarFile(join(ROOT, 'cars', 'bmw_e46_m3.yaml'), library)).car!
const batches = e46Stream(car, FRAMES)

const dir = mkdtempSync(join(tmpdir(), 'pitwall-bench-store-'))
const dbPath = join(dir, 'pitwall.duckdb')
const {store} = await LiveStore.open(dbPath)
/** Longest synchronous stretch of our own per-batch work (copy and decode), wall clock. */
let maxSync = 0

let commitWaiter: (() => void) | undefined
store.onCommitted(() => {
  commitWaiter?.()
  commitWaiter = undefined
})
const nextCommit = (): Promise<void> => new Promise((resolve) => (commitWaiter = resolve))
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** A batch the store may take: append() transfers its buffers, so each run hands over copies. */
function copyOf(b: FrameBatch): FrameBatch {
  const c = new FrameBatch(b.length, b.channels)
  c.timestampUs.set(b.timestampUs.subarray(0, b.length))
  c.subMicroNs.set(b.subMicroNs.subarray(0, b.length))
  c.id.set(b.id.subarray(0, b.length))
  c.flags.set(b.flags.subarray(0, b.length))
  c.dataLength.set(b.dataLength.subarray(0, b.length))
  c.rawDlc.set(b.rawDlc.subarray(0, b.length))
  c.channel.set(b.channel.subarray(0, b.length))
  c.data.set(b.data.subarray(0, c.data.length))
  c.length = b.length
  return c
}

const stall = monitorEventLoopDelay({resolution: 1})
const memory: Array<{rss: number; heap: number}> = []
const sample = (): void => {
  ;(globalThis as {gc?: () => void}).gc?.()
  const m = process.memoryUsage()
  memory.push({heap: m.heapUsed, rss: m.rss})
}
const mb = (n: number): string => `${Math.round(n / 2 ** 20)} MB`
let run = 0
let samplesPerRun = 0

/** One run: a new session, every batch decoded and appended, then flush. Returns a checksum of what was stored. */
async function writeOnce(): Promise<number> {
  if (++run === 2) {
    // The warm-up (run 1) is not measured.
    stall.reset()
    maxSync = 0
  }
  stall.enable() // only inside runs: measure() forces a full GC between them
  const sessions = new SessionManager(store, car)
  const decoder = new CarDecoder(car)
  const before = {frames: store.stats.committedFrames, samples: store.stats.committedSamples}
  for (const source of batches) {
    while (store.stats.inFlightFrames + source.length > MAX_IN_FLIGHT) await nextCommit()
    const t = performance.now()
    const frames = copyOf(source)
    const samples = decodeToSamples(decoder, frames)
    const appended = sessions.append('bench', 'e46', frames, samples)
    maxSync = Math.max(maxSync, performance.now() - t)
    if (!(await appended)) throw new Error('frames dropped: the bench must stay under the in-flight bound')
    await yieldToLoop() // one batch per turn, as a stream reader hands them on
  }
  await store.flush()
  const stored = {frames: store.stats.committedFrames - before.frames, samples: store.stats.committedSamples - before.samples}
  stall.disable()
  await sessions.end('requested')
  sample()
  const wal = existsSync(`${dbPath}.wal`) ? statSync(`${dbPath}.wal`).size : 0
  process.stderr.write(`  run ${run}: RSS ${mb(memory.at(-1)!.rss)}, WAL ${mb(wal)}, file ${mb(statSync(dbPath).size)}\n`)
  if (stored.frames !== FRAMES) throw new Error(`stored ${stored.frames} of ${FRAMES} frames`)
  samplesPerRun = stored.samples
  return fold(fold(0, stored.frames), stored.samples)
}

sample()
let noteText = ''
/** Filled in after every run: measure() reads the note only when it prints the BENCH line, after the last. */
function describeRuns(): void {
  const perFrame = samplesPerRun / FRAMES
  noteText =
    `${perFrame.toFixed(2)} samples/frame; longest event-loop stall ${(stall.max / 1e6).toFixed(1)} ms (p99 ${(stall.percentile(99) / 1e6).toFixed(1)} ms; ` +
    `longest synchronous batch of our own ${maxSync.toFixed(1)} ms); ` +
    `RSS ${mb(memory[0]!.rss)} before, ${mb((memory[2] ?? memory.at(-1)!).rss)} after the first measured run, ${mb(memory.at(-1)!.rss)} after the last; ` +
    `JS heap ${mb(memory[0]!.heap)} → ${mb(memory.at(-1)!.heap)}; file ${(statSync(dbPath).size / 2 ** 20).toFixed(0)} MB after ${run} sessions`
}
const write = await measure(
  'store write: E46 frames + samples into DuckDB (LiveStore)',
  {
    items: FRAMES,
    get note() {
      return noteText
    },
    target: 100_000,
  },
  async () => {
    const sum = await writeOnce()
    describeRuns()
    return sum
  },
)
process.stderr.write(`  ${noteText}\n`)
const perFrame = samplesPerRun / FRAMES

// The same runs counted in samples: a second table row.
const samplesResult = {
  ...write,
  items: samplesPerRun,
  maxPerSecond: write.maxPerSecond * perFrame,
  medianPerSecond: write.medianPerSecond * perFrame,
  minPerSecond: write.minPerSecond * perFrame,
  name: 'store write: the same runs, in samples',
  note: 'decoded samples stored with those frames (tall layout: session_key, ts_us, channel_id, value)',
  target: undefined,
  unit: 'samples',
}
process.stderr.write(`${samplesResult.name}: ${Math.round(samplesResult.medianPerSecond).toLocaleString('en')} samples/s median of ${write.runs}\n`)
process.stdout.write(`BENCH ${JSON.stringify(samplesResult)}\n`)

// The two reads, through the store (its reader connection in the worker), on the last session.
const [info] = await store.query(`SELECT max(session_key) AS k FROM sessions`)
const key = Number(info!['k'])
const [busiest] = await store.query(`SELECT channel_id, count(*) AS n FROM samples WHERE session_key = ${key} GROUP BY channel_id ORDER BY n DESC LIMIT 1`)
const channel = Number(busiest!['channel_id'])
const [span] = await store.query(`SELECT min(ts_us) AS t0, max(ts_us) AS t1 FROM samples WHERE session_key = ${key}`)
const t0 = Number(span!['t0'])
const t1 = Number(span!['t1'])
const slowestPeriodUs = Math.max(...[...car.cycleTimesMs.values()]) * 1000
// The same pseudo-random instants every run, so the checksum holds.
const instants = (n: number, width: number): number[] => {
  let x = 0x2545f491
  return Array.from({length: n}, () => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0
    return t0 + width + Math.floor((x / 2 ** 32) * (t1 - t0 - 2 * width))
  })
}
const QUERIES = 50
const latency = async (name: string, sql: (t: number) => string, width: number): Promise<void> => {
  const at = instants(QUERIES, width)
  const r = await measure(name, {items: QUERIES, note: '', unit: 'queries'}, async () => {
    let sum = 0
    for (const t of at) sum = fold(sum, (await store.query(sql(t))).length)
    return sum
  })
  process.stderr.write(`  ${name}: ${(1000 / r.medianPerSecond).toFixed(2)} ms per query (median run)\n`)
}
await latency(
  'store read: one channel over a 60 s window',
  (t) => `SELECT ts_us, value FROM samples WHERE session_key = ${key} AND channel_id = ${channel} AND ts_us >= ${t} AND ts_us < ${t + 60_000_000} ORDER BY ts_us`,
  60_000_000,
)
await latency(
  'store read: every channel at one instant',
  // The latest value of each channel at t: it changed within the slowest message's period (twice, for slack).
  (t) => `SELECT channel_id, arg_max(value, ts_us) AS value FROM samples WHERE session_key = ${key} AND ts_us > ${t - 2 * slowestPeriodUs} AND ts_us <= ${t} GROUP BY channel_id`,
  2 * slowestPeriodUs,
)

await store.close()
rmSync(dir, {force: true, recursive: true})
