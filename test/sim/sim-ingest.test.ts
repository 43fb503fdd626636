/**
 * The simulator and ingest, end to end, as two real processes on a real pty:
 * `pitwall simulate --to slcan:pty:LINK` is the adapter, `pitwall ingest --device LINK` the logger.
 * What ingest stored is checked against a reference run of the same simulation into a candump
 * file (`--speed max`: same seed, start time and car give the same frames, byte for byte) and
 * against the simulator's own model.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DuckDBInstance} from '@duckdb/node-api'
import {afterEach, describe, expect, it} from 'vitest'

import type {SimulateResult} from '../../src/commands/simulate.js'
import type {Car} from '../../src/lib/car/index.js'
import {DATA_STRIDE, FrameBatch} from '../../src/lib/can/frame.js'
import {CarDecoder} from '../../src/lib/decode/index.js'
import {SLOT, type SimChannel} from '../../src/lib/sim/index.js'
import type {SlcanSourceDetails, SourceStatus} from '../../src/lib/source/index.js'
import {ROOT, runCli, tempDir} from '../helpers.js'
import {killAll, type Proc, startIngest, stop, track, waitFor} from '../ingest/helpers.js'
import {e46, simulator, START_US} from './helpers.js'

const START = String(START_US / 1e6)

afterEach(killAll)

/** One frame as a log or the DB has it: stamp (µs), id, payload as upper-case hex. */
interface LoggedFrame {
  readonly tUs: number
  readonly id: number
  readonly data: string
}

/** `pitwall simulate ARGS` as a tracked child (killAll ends it if the test fails). */
function simulate(args: readonly string[]): Proc & {stdout: () => string} {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'simulate', ...args], {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  return Object.assign(track(child), {stdout: () => stdout})
}

/** The reference: the same simulation into a candump file, as fast as possible; its frames in order. */
async function reference(dir: string, name: string, args: readonly string[]): Promise<{frames: LoggedFrame[]; summary: SimulateResult}> {
  const file = join(dir, `${name}.log`)
  const r = await runCli(['simulate', '--to', `candump:${file}`, '--speed', 'max', '--json', ...args])
  expect(r.code, r.stderr).toBe(0)
  const frames: LoggedFrame[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\((\d+)\.(\d{6})\) \S+ ([0-9A-F]{3})#([0-9A-F]*)$/.exec(line)
    if (m) frames.push({data: m[4]!, id: Number.parseInt(m[3]!, 16), tUs: Number(m[1]) * 1e6 + Number(m[2])})
  }
  return {frames, summary: JSON.parse(r.stdout) as SimulateResult}
}

/** The parts of `ingest --device --json`'s summary these tests read. */
interface IngestSummary {
  readonly input: string
  readonly source: SourceStatus
  readonly adapter: SlcanSourceDetails
  readonly store: {readonly committedFrames: number; readonly committedSamples: number}
}

interface Stored {
  readonly frames: Array<LoggedFrame & {readonly flags: number}>
  /** Per channel name, its samples in the order they were appended. */
  readonly samples: Map<string, Array<number | null>>
  readonly sessions: number
}

/** Everything ingest stored, read from the DuckDB file after it exited. */
async function readStore(dataDir: string): Promise<Stored> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    const rows = (await c.runAndReadAll('SELECT ts_us, can_id, flags, hex(data) AS data FROM frames ORDER BY rowid')).getRowObjectsJS()
    const names = new Map<number, string>()
    for (const r of (await c.runAndReadAll('SELECT channel_id, name FROM channels')).getRowObjectsJS()) names.set(Number(r['channel_id']), String(r['name']))
    const samples = new Map<string, Array<number | null>>()
    for (const r of (await c.runAndReadAll('SELECT channel_id, value FROM samples ORDER BY rowid')).getRowObjectsJS()) {
      const name = names.get(Number(r['channel_id']))!
      let list = samples.get(name)
      if (!list) samples.set(name, (list = []))
      list.push(r['value'] === null ? null : Number(r['value']))
    }
    const sessions = Number((await c.runAndReadAll('SELECT count(*) AS n FROM sessions')).getRowObjectsJS()[0]!['n'])
    return {
      frames: rows.map((r) => ({data: String(r['data']), flags: Number(r['flags']), id: Number(r['can_id']), tUs: Number(r['ts_us'])})),
      samples,
      sessions,
    }
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

const key = (f: {id: number; data: string}): string => `${f.id.toString(16)}#${f.data}`
const keys = (frames: ReadonlyArray<{id: number; data: string}>): string[] => frames.map(key)

/** Waits until ingest has committed `n` frames (or gives up quietly: the assertions then say what is missing), then stops it. */
async function finishIngest(ingest: Proc & {stdout: () => string}, n: number): Promise<IngestSummary> {
  await waitFor(() => ingest.committed >= n, 20_000, `${n} frames committed`).catch(() => undefined)
  await stop(ingest)
  expect((await ingest.exit).code, ingest.stderr.slice(-3000)).toBe(0)
  return JSON.parse(ingest.stdout()) as IngestSummary
}

/** Starts ingest on LINK before the adapter exists: it waits for the path (and says so), then opens it when it appears. */
async function ingestWaiting(dataDir: string, link: string, extra: readonly string[] = []): Promise<Proc & {stdout: () => string}> {
  const ingest = startIngest(dataDir, ['--device', link, '--probe-timeout', '3s', '--json', '--data-dir', dataDir, ...extra])
  await waitFor(() => ingest.stderr.includes('"msg":"reconnecting"'), 60_000, 'ingest to wait for the adapter')
  return ingest
}

/**
 * Decodes `frames` (with the stamps ingest gave them) as ingest did, from a fresh decoder:
 * per channel the values in order, and for each the index of the frame that produced it.
 */
function decodeAll(car: Car, frames: ReadonlyArray<LoggedFrame & {flags: number}>): Map<string, Array<{value: number | null; frame: number}>> {
  const batch = new FrameBatch(frames.length)
  for (const f of frames) {
    const i = batch.pushHeader(f.tUs, f.id, f.flags, f.data.length / 2)
    batch.data.set(Buffer.from(f.data, 'hex'), i * DATA_STRIDE)
  }
  const out = new Map<string, Array<{value: number | null; frame: number}>>()
  const decoder = new CarDecoder(car)
  decoder.decodeBatch(batch, (i) => {
    for (let k = 0; k < decoder.updatedCount; k++) {
      const c = decoder.updated[k]!
      const name = car.channels[c]!.name
      let list = out.get(name)
      if (!list) out.set(name, (list = []))
      const v = decoder.values[c]!
      list.push({frame: i, value: Number.isNaN(v) ? null : v})
    }
  })
  return out
}

/** The E46 with every cycle time divided by 10 (2 ms for the fastest messages): a car of 2,540 frames/s. */
function fastCar(dir: string): string {
  const yaml = readFileSync(join(ROOT, 'cars', 'bmw_e46_m3.yaml'), 'utf8')
  const at = yaml.indexOf('cycle_times:')
  const end = yaml.indexOf('\n\n', at)
  expect(at).toBeGreaterThan(0)
  writeFileSync(join(dir, 'bmw_e46_m3.yaml'), yaml.slice(0, at) + yaml.slice(at, end).replaceAll(/(\d+)ms/g, (_m, ms: string) => `${Number(ms) / 10}ms`) + yaml.slice(end))
  const dbc = readFileSync(join(ROOT, 'cars', 'bmw_e46_m3.dbc'), 'utf8')
  writeFileSync(join(dir, 'bmw_e46_m3.dbc'), dbc.replaceAll(/(BA_ "GenMsgCycleTime" BO_ \d+ )(\d+);/g, (_m, head: string, ms: string) => `${head}${Number(ms) / 10};`))
  return join(dir, 'bmw_e46_m3.yaml')
}

// Each test takes 20–35 s (a real-time simulation of 10–14 s plus two CLI start-ups and a reference
// run); the timeouts only stop a hung test on a machine whose load buries the processes.
describe('simulate --to slcan:pty:LINK read by ingest --device LINK', () => {
  it('stores exactly the frames the simulator delivered, and decodes the values it encoded', async () => {
    const dir = tempDir('pitwall-sim-ingest-')
    try {
      const link = join(dir.path, 'canable')
      const data = join(dir.path, 'data')
      const common = ['--seed', '7', '--start-time', START, '--duration', '10s']
      const ingest = await ingestWaiting(data, link)
      const sim = simulate(['--to', `slcan:pty:${link}`, ...common, '--json'])
      const referenceRun = reference(dir.path, 'reference', common)
      expect((await sim.exit).code, sim.stderr).toBe(0)
      const summary = JSON.parse(sim.stdout()) as SimulateResult
      const result = await finishIngest(ingest, summary.sink.delivered)
      const ref = await referenceRun

      // The simulator: every frame it made went out, except those before ingest opened the adapter.
      expect(summary.frames.emitted).toBe(ref.frames.length)
      expect(Object.keys(summary.sink.notDelivered)).toEqual(Object.keys(summary.sink.notDelivered).length ? ['closed'] : [])
      const closed = summary.sink.notDelivered['closed'] ?? 0
      expect(summary.sink.delivered + closed).toBe(ref.frames.length)
      expect(summary.sink.delivered).toBeGreaterThan(1000)

      // Ingest stored what was delivered, in order, bit for bit: the reference from the first frame after the open.
      const stored = await readStore(data)
      const window = ref.frames.slice(closed, closed + summary.sink.delivered)
      expect(stored.frames.length).toBe(summary.sink.delivered)
      expect(keys(stored.frames)).toEqual(keys(window))
      expect(stored.sessions).toBe(1)
      expect(result.input).toBe('adapter')
      expect(result.source.framesTotal).toBe(summary.sink.delivered)
      expect(result.store.committedFrames).toBe(summary.sink.delivered)
      expect(result.source.dropped).toEqual({})
      expect(result.adapter.firmware).toMatchObject({family: 'canable-stock', how: 'probe'})

      // Decoded: every sample ingest stored is what the car's decoder makes of the stored frames ...
      const car = await e46()
      const decoded = decodeAll(car, stored.frames)
      expect([...stored.samples.keys()].sort()).toEqual([...decoded.keys()].sort())
      for (const [name, list] of decoded) expect(stored.samples.get(name), name).toEqual(list.map((s) => s.value))
      expect(result.store.committedSamples).toBe([...decoded.values()].reduce((n, l) => n + l.length, 0))

      // ... and that is what the simulator encoded: the model's value at each frame's simulated
      // time (from the reference) to within half a raw step.
      const model = await simulator({seed: 7})
      const moving = {max: 0}
      for (const name of ['rpm', 'speed_ms', 'throttle_pct', 'brake_bar', 'g_lat', 'g_long', 'steering_deg', 'water_temp_c', 'fuel_l'] as SimChannel[]) {
        const samples = decoded.get(name)!
        const step = model.encoder.stepOf(name)!
        expect(samples.length, name).toBeGreaterThan(10)
        samples.forEach((s, k) => {
          const tS = (window[s.frame]!.tUs - START_US) / 1e6
          const expected = model.sampleAt(tS)[SLOT[name]]!
          expect(Math.abs(stored.samples.get(name)![k]! - expected) / step, `${name} at ${tS} s`).toBeLessThanOrEqual(0.51)
          if (name === 'speed_ms') moving.max = Math.max(moving.max, expected)
        })
      }
      // The car pulled away during the window: the values moved.
      expect(moving.max).toBeGreaterThan(15)
    } finally {
      dir.cleanup()
    }
  }, 180_000)

  it('--unplug-after 5s --unplug-for 5s: ingest reconnects (logged, counted) within 5 s of the return and stores every frame sent after it', async () => {
    const dir = tempDir('pitwall-sim-unplug-')
    try {
      const link = join(dir.path, 'canable')
      const data = join(dir.path, 'data')
      const common = ['--seed', '11', '--start-time', START, '--duration', '14s']
      const ingest = await ingestWaiting(data, link)
      const sim = simulate(['--to', `slcan:pty:${link}`, ...common, '--unplug-after', '5s', '--unplug-for', '5s', '--json'])
      const referenceRun = reference(dir.path, 'reference', common)
      expect((await sim.exit).code, sim.stderr).toBe(0)
      const summary = JSON.parse(sim.stdout()) as SimulateResult
      const result = await finishIngest(ingest, summary.sink.delivered)
      const ref = await referenceRun

      expect(summary.sink.unplugs).toBe(1)
      expect(summary.sink.replugs).toBe(1)
      const afterReturn = summary.sink.deliveredSinceReplug!
      expect(afterReturn).toBeGreaterThan(500)
      expect(summary.sink.notDelivered['unplugged']).toBeGreaterThan(500)
      // When the adapter came back, by the simulator's log (pino, ms).
      const back = sim.stderr.split('\n').find((l) => l.includes('adapter plugged back in'))
      expect(back, sim.stderr).toBeDefined()
      const returnUs = Date.parse((JSON.parse(back!) as {time: string}).time) * 1000

      // The reconnect: logged and counted.
      expect(ingest.stderr).toMatch(/"msg":"adapter lost"/)
      expect(ingest.stderr).toMatch(/"msg":"adapter reconnected"/)
      expect(result.input).toBe('adapter')
      expect(result.adapter.connections).toBe(2)
      expect(result.source.reconnects).toBeGreaterThanOrEqual(2)

      // Frames before the unplug are stamped at least 4 s before the return; those after, after it.
      const stored = await readStore(data)
      const split = stored.frames.findIndex((f) => f.tUs > returnUs - 1_000_000)
      expect(split).toBeGreaterThan(200)
      const before = stored.frames.slice(0, split)
      const after = stored.frames.slice(split)
      // Resumed within 5 s of the return.
      expect(after[0]!.tUs - returnUs).toBeLessThanOrEqual(5_000_000)
      // Every frame sent after the return is stored, in order: the reference's last `afterReturn` frames.
      expect(after.length).toBe(afterReturn)
      expect(keys(after)).toEqual(keys(ref.frames.slice(ref.frames.length - afterReturn)))
      // Before the unplug: a contiguous run of the reference (frames in flight when the pty went
      // may be lost, as with a real unplug, but nothing in between).
      const all = keys(ref.frames).join(' ')
      expect(all.includes(keys(before).join(' '))).toBe(true)
      expect(before.length).toBeLessThanOrEqual(summary.sink.delivered - afterReturn)
      expect(before.length).toBeGreaterThanOrEqual(summary.sink.delivered - afterReturn - 50)
      // The outage (over 1,200 frames) is a reconnect, not missed frames (host-stamp jitter at a
      // span's ends may still count a frame or two).
      expect(Object.values(result.source.missedById).reduce((a, b) => a + b, 0)).toBeLessThan(20)
    } finally {
      dir.cleanup()
    }
  }, 180_000)

  it('--drop-rate 0.01 --garbage-rate 0.005: the missed-frame estimate is within 20 % of what was dropped, bad lines equal the garbage injected', async () => {
    const dir = tempDir('pitwall-sim-drops-')
    try {
      const link = join(dir.path, 'canable')
      const data = join(dir.path, 'data')
      // A car whose cycle times are a tenth of the E46's (2,540 frames/s), used by both sides: the
      // estimate comes from the car's cycle times, so `--fps` (which scales the rate but not the
      // car file) would defeat it. Lawicel firmware sends Z1 stamps, which carry the simulated
      // schedule; host stamps would also count a late last burst as misses (docs/simulate.md).
      const car = fastCar(dir.path)
      const common = ['--car', car, '--seed', '5', '--start-time', START, '--duration', '10s']
      const ingest = await ingestWaiting(data, link, ['--car', car])
      const sim = simulate(['--to', `slcan:pty:${link}`, ...common, '--firmware', 'lawicel', '--drop-rate', '0.01', '--garbage-rate', '0.005', '--json'])
      // The references are made while the live run goes on (it is paced in real time).
      const references = Promise.all([reference(dir.path, 'drops', [...common, '--drop-rate', '0.01']), reference(dir.path, 'all', common)])
      expect((await sim.exit).code, sim.stderr).toBe(0)
      const summary = JSON.parse(sim.stdout()) as SimulateResult
      const result = await finishIngest(ingest, summary.sink.delivered)
      const [withDrops, everything] = await references

      expect(summary.fps).toBeCloseTo(2540, 6)
      expect(summary.frames.dropped).toBeGreaterThan(150)
      // The references agree with the simulator's own count of what it dropped.
      expect(everything.frames.length - withDrops.frames.length).toBe(summary.frames.dropped)
      expect(Object.keys(summary.sink.notDelivered)).toEqual(Object.keys(summary.sink.notDelivered).length ? ['closed'] : [])
      const closed = summary.sink.notDelivered['closed'] ?? 0
      const window = withDrops.frames.slice(closed, closed + summary.sink.delivered)

      const stored = await readStore(data)
      expect(keys(stored.frames)).toEqual(keys(window))
      expect(result.input).toBe('adapter')
      expect(result.adapter.firmware).toMatchObject({family: 'lawicel', how: 'probe'})

      // Dropped while ingest was listening: frames of the full run between the first and last
      // delivered one that the delivered run lacks (the drops before the adapter was opened
      // happened to nobody).
      const from = window[0]!.tUs
      const to = window.at(-1)!.tUs
      const dropped = everything.frames.filter((f) => f.tUs >= from && f.tUs <= to).length - window.length
      const estimate = Object.values(result.source.missedById).reduce((a, b) => a + b, 0)
      expect(dropped).toBeGreaterThan(100)
      expect(Math.abs(estimate - dropped), `estimated ${estimate} missed, ${dropped} dropped`).toBeLessThanOrEqual(0.2 * dropped)

      // Garbage: every injected line counted as one bad line, nothing else.
      expect(summary.sink.garbageLines).toBeGreaterThan(30)
      expect(result.adapter.parser.badLines + result.adapter.parser.overlongLines).toBe(summary.sink.garbageLines)
      expect(result.adapter.parser.garbageBytes).toBe(summary.sink.garbageBytes)
      expect(result.source.dropped).toEqual({bad_line: summary.sink.garbageLines})
    } finally {
      dir.cleanup()
    }
  }, 180_000)
})
