/**
 * The rule coach on its own (the bridge-level benches measure /analyze over HTTP):
 *
 * - observe(): decoded samples per second through the live path (positions, lap profile, corner
 *   records, every rule), on simulated laps with driver faults so rules fire. Target: keep up
 *   with ingest's 50,000 frames/s (about 9 samples a frame).
 * - analyze({}): latency while the laps stream in, 20 ms of data between calls; and
 *   analyze({points}) with a 100-point burst (5 s at 20 Hz). Target p95 under 10 ms. The table's
 *   rate column is 1 / p95 for these, so "met" reads p95 ≤ 10 ms.
 */
import {cpus, loadavg} from 'node:os'
import {join} from 'node:path'

import {FrameBatch} from '../src/lib/can/index.js'
import {openCar} from '../src/lib/car/index.js'
import {Coach, coachConfig, RuleEngine, type TelemetryPoint} from '../src/lib/coach/index.js'
import {CarDecoder, decodeToSamples, type SampleBatch} from '../src/lib/decode/index.js'
import {parseDriverFaults, Simulator, SLOT} from '../src/lib/sim/index.js'
import {LapTracker, loadTrackFile, type TimedLapEvent} from '../src/lib/track/index.js'
import {type BenchResult, fold, measure} from './harness.js'

const ROOT = join(import.meta.dirname, '..')
const LAPS = 5
const car = await openCar('bmw_e46_m3', {dataDir: join(ROOT, 'bench', 'no-data-dir')})
const track = (await loadTrackFile(join(ROOT, 'tracks', 'pitwall_park.yaml'))).track!

/** Lap events per batch, as the live path's lap tracker hands them to the coach with the samples. */
const lapEvents: Array<readonly TimedLapEvent[]> = []

/** Five laps with a fault or two each, decoded: the live path's input, 20 ms per batch. */
function laps(): SampleBatch[] {
  const faults = parseDriverFaults('coast@T5:lap2,no-trail@T1:lap3,timid@T10:lap3,over-rev@lap4,late-brake@T4:lap5', track)
  const sim = new Simulator(car, track, {driverFaults: faults, seed: 1, startUs: Date.UTC(2026, 10, 22, 9) * 1000})
  const decoder = new CarDecoder(car)
  const tracker = new LapTracker(track, car.channels)
  const out: SampleBatch[] = []
  const end = sim.crossingS(LAPS) + 2
  for (let t = 0; t < end; ) {
    const batch = new FrameBatch(64)
    t = sim.fill(batch, Math.min(end, t + 0.02))
    const samples = decodeToSamples(decoder, batch)
    lapEvents.push(tracker.feedSamples(samples))
    out.push(samples)
  }
  return out
}

const batches = laps()
const samples = batches.reduce((n, b) => n + b.length, 0)
const config = coachConfig(car)

await measure('coach observe(): rule coach live path', {items: samples, note: `${LAPS} simulated laps with driver faults, ${batches.length} batches of 20 ms`, target: 450_000, unit: 'samples'}, () => {
  let findings = 0
  const engine = new RuleEngine({car, config, listener: {finding: () => findings++}, track})
  batches.forEach((b, k) => engine.observe(b, lapEvents[k]))
  return fold(findings, engine.best?.lapTimeMs ?? 0)
})

/**
 * The machine's own tail: the p95 of a fixed ~0.5 ms busy loop, measured beside each latency
 * bench. On a shared machine (load above the core count) the scheduler alone puts tens of
 * milliseconds into a p95; a latency p95 near this floor is the machine's, not the coach's.
 */
function noiseFloor(): string {
  const ms: number[] = []
  for (let k = 0; k < 200; k++) {
    const start = performance.now()
    let x = 0
    for (let i = 0; i < 150_000; i++) x += Math.sqrt(i)
    ms.push(performance.now() - start + (x < 0 ? 1 : 0))
  }
  ms.sort((a, b) => a - b)
  return `noise floor: a fixed ${ms[100]!.toFixed(2)} ms loop has p95 ${ms[190]!.toFixed(2)} ms here; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`
}

/** Latencies in ms → a BENCH row whose rate is 1 / p95 (target 10 ms = 100/s). */
function latencyResult(name: string, ms: number[], note: string): BenchResult {
  ms.sort((a, b) => a - b)
  const q = (p: number): number => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!
  const [p50, p95, p99, max] = [q(0.5), q(0.95), q(0.99), ms.at(-1)!]
  const result: BenchResult = {
    checksum: (ms.length >>> 0).toString(16).padStart(8, '0'),
    items: ms.length,
    maxPerSecond: 1000 / ms[0]!,
    medianPerSecond: 1000 / p95,
    minPerSecond: 1000 / max,
    name,
    note: `p50 ${p50.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${max.toFixed(2)} ms; ${note}; rate column = 1 / p95${p95 <= 10 ? '' : ' (**p95 over 10 ms**)'}; ${noiseFloor()}`,
    runs: 1,
    target: 100,
    unit: 'calls',
  }
  process.stderr.write(`${name}: ${result.note}\n`)
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`)
  return result
}

{
  const coach = new Coach({car, track})
  const ms: number[] = []
  const warm = Math.floor(batches.length / LAPS)
  batches.forEach((b, k) => {
    coach.observe(b, lapEvents[k])
    if (k < warm) return
    const start = performance.now()
    coach.analyze({})
    ms.push(performance.now() - start)
  })
  await coach.stop()
  latencyResult('coach analyze({}) latency, live laps streaming', ms, `one call per 20 ms of data over ${LAPS - 1} laps`)
}

{
  const coach = new Coach({car, track})
  batches.forEach((b, k) => coach.observe(b, lapEvents[k]))
  const sim = new Simulator(car, track, {seed: 2, startUs: Date.now() * 1000 - 600e6})
  const p = sim.plan
  const state = {a: 0, brakeBar: 0, d: 0, fuelBurnedL: 0, lineOffsetM: 0, loop: -1, shiftRpm: 0, t: 0, throttle: 0, travelled: 0, v: 0}
  const ms: number[] = []
  for (let call = 0; call < 300; call++) {
    const t0 = sim.crossingS(1) + (call % 100)
    const points: TelemetryPoint[] = Array.from({length: 100}, (_, i) => {
      const t = t0 + i * 0.05
      const s = sim.sampleAt(t)
      p.at(t, state)
      return {accx_can: s[SLOT.g_long]!, accy_can: s[SLOT.g_lat]!, lap: 1, lapdist_m: track.centreline.wrap(state.d - track.startFinish.distanceM), meta_time: sim.startUs / 1e6 + t, pbrake_f: state.brakeBar, rpm: s[SLOT.rpm]!, speed_kmh: state.v * 3.6, throttle_pct: state.throttle}
    })
    const start = performance.now()
    coach.analyze({points})
    ms.push(performance.now() - start)
  }
  await coach.stop()
  latencyResult('coach analyze({points}) latency, 100-point burst', ms, '300 bursts of 5 s at 20 Hz, against the live best lap')
}

{
  // /coach/brief when the model is known down (its server gone): the rules answer at once, without
  // waiting out the brief budget. test/bridge/coach-routes.test.ts holds only a liveness bound.
  const coach = new Coach({car, llm: {url: 'http://127.0.0.1:9'}, track})
  batches.forEach((b, k) => coach.observe(b, lapEvents[k]))
  const ms: number[] = []
  for (let call = 0; call < 300; call++) {
    const start = performance.now()
    await coach.brief({})
    ms.push(performance.now() - start)
  }
  await coach.stop()
  latencyResult('coach brief() latency, model down', ms, `300 calls after ${LAPS} laps, the model's server unreachable`)
}
