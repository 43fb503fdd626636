import {type ChildProcess, spawn} from 'node:child_process'
import {createSocket} from 'node:dgram'
import {constants, existsSync, openSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {ReadStream} from 'node:tty'
import {describe, expect, it} from 'vitest'

import {FrameBatch} from '../../src/lib/can/frame.js'
import {SlcanParser} from '../../src/lib/can/slcan/index.js'
import {CarDecoder} from '../../src/lib/decode/index.js'
import type {SimulateResult} from '../../src/commands/simulate.js'
import {PointDecoder} from '../../src/lib/source/index.js'
import {SampleBatch} from '../../src/lib/decode/index.js'
import {openLiveStore} from '../../src/lib/store/index.js'
import {ROOT, runCli, tempDir} from '../helpers.js'
import {e46, framesOf, simulator, START_US} from './helpers.js'

const START = String(START_US / 1e6)

/** The CLI as a child we can signal and talk to; `done` resolves with its exit code and output. */
function simulate(args: string[]): {child: ChildProcess; done: Promise<{code: number | null; stdout: string; stderr: string}>} {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'simulate', ...args], {env: {...process.env, NO_COLOR: '1'}})
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t))
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t))
  const done = new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => child.on('close', (code) => resolve({code, stderr, stdout})))
  return {child, done}
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
  return Date.now()
}

/** A tiny host: opens the tty, sends the stock CANable open sequence, parses what comes back. */
class Host {
  readonly parser = new SlcanParser()
  readonly frames: string[] = []
  closedAt: number | undefined
  private readonly port: ReadStream

  constructor(path: string) {
    this.port = new ReadStream(openSync(path, constants.O_RDWR | constants.O_NOCTTY))
    this.port.setRawMode(true)
    this.port.on('data', (bytes: Buffer) => {
      let at = 0
      while (at < bytes.length) {
        const batch = new FrameBatch()
        at = this.parser.feed(bytes, Date.now() * 1000, batch, at)
        for (let i = 0; i < batch.length; i++) this.frames.push(`${batch.id[i]} ${Buffer.from(batch.data.subarray(i * 64, i * 64 + batch.dataLength[i]!)).toString('hex')}`)
      }
    })
    const gone = (): void => {
      this.closedAt ??= Date.now()
    }
    this.port.on('end', gone)
    this.port.on('error', gone)
    this.port.on('close', gone)
    // Stock CANable, 1 Mbit/s, normal mode (it ACKs), open.
    this.port.write('C\rS8\rM0\rO\r')
  }

  close(): void {
    this.port.destroy()
  }
}

describe('simulate to live consumers', () => {
  it('--to slcan:pty:LINK: a host that opens the adapter gets exactly the simulated frames, garbage counted', async () => {
    const dir = tempDir()
    try {
      const link = join(dir.path, 'canable')
      const run = simulate(['--to', `slcan:pty:${link}`, '--duration', '8s', '--start-time', START, '--garbage-rate', '0.02', '--json'])
      await until(() => existsSync(link), 20_000, 'the pty link')
      const host = new Host(link)
      const result = await run.done
      await until(() => host.closedAt !== undefined, 2000, 'the hang-up at the end')
      host.close()
      expect(result.code, result.stderr).toBe(0)
      const summary = JSON.parse(result.stdout) as SimulateResult
      // Frames before the host opened the adapter were not delivered; every one after was.
      expect(summary.sink.notDelivered['closed'] ?? 0).toBeGreaterThanOrEqual(0)
      expect(host.frames.length).toBe(summary.sink.delivered)
      expect(host.frames.length).toBeGreaterThan(1000)
      expect(summary.sink.hostCommands).toBe(4)
      // Bit for bit the frames the library makes, from where the host came in to the end.
      const all: string[] = []
      for (const b of framesOf(await simulator(), summary.simulatedS)) {
        for (let i = 0; i < b.length; i++) all.push(`${b.id[i]} ${Buffer.from(b.data.subarray(i * 64, i * 64 + 8)).toString('hex')}`)
      }
      const first = all.length - host.frames.length
      expect(all.slice(first)).toEqual(host.frames)
      // Garbage: one bad line each, as many bytes as the summary says.
      expect(summary.sink.garbageLines).toBeGreaterThan(10)
      expect(host.parser.stats.badLines).toBe(summary.sink.garbageLines)
      expect(host.parser.stats.garbageBytes).toBe(summary.sink.garbageBytes)
      expect(existsSync(link)).toBe(false)
    } finally {
      dir.cleanup()
    }
  }, 60_000)

  it('--unplug-after/--unplug-for: the link goes with a hang-up and comes back as a fresh, closed adapter', async () => {
    const dir = tempDir()
    try {
      const link = join(dir.path, 'canable')
      const run = simulate(['--to', `slcan:pty:${link}`, '--unplug-after', '3s', '--unplug-for', '3s', '--duration', '9s', '--json'])
      await until(() => existsSync(link), 20_000, 'the pty link')
      const first = new Host(link)
      await until(() => first.closedAt !== undefined, 10_000, 'the unplug')
      expect(first.frames.length).toBeGreaterThan(100)
      const gone = await until(() => !existsSync(link), 2000, 'the link to go')
      const back = await until(() => existsSync(link), 10_000, 'the link to come back')
      // About --unplug-for later (sim time runs in real time).
      expect(back - gone).toBeGreaterThan(2000)
      first.close()
      // A replugged adapter forgot it was open: nothing comes until the host opens it again.
      const second = new Host(link)
      const result = await run.done
      second.close()
      expect(result.code, result.stderr).toBe(0)
      const summary = JSON.parse(result.stdout) as SimulateResult
      expect(summary.sink.unplugs).toBe(1)
      expect(summary.sink.replugs).toBe(1)
      expect(summary.sink.notDelivered['unplugged']).toBeGreaterThan(500)
      expect(second.frames.length).toBeGreaterThan(100)
      // Frames in flight when the pty went (a few ms' worth) are lost, as with a real unplug.
      const received = first.frames.length + second.frames.length
      expect(received).toBeLessThanOrEqual(summary.sink.delivered)
      expect(received).toBeGreaterThanOrEqual(summary.sink.delivered - 30)
      expect(result.stderr).toMatch(/adapter unplugged/)
      expect(result.stderr).toMatch(/adapter plugged back in/)
    } finally {
      dir.cleanup()
    }
  }, 60_000)

  it('--to udp://: seed-001 points the point decoder reads, malformed ones and drops counted', async () => {
    const socket = createSocket('udp4')
    const datagrams: Buffer[] = []
    socket.on('message', (m) => datagrams.push(m))
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()))
    try {
      const port = socket.address().port
      const r = await runCli(['simulate', '--to', `udp://127.0.0.1:${port}`, '--duration', '5s', '--fps', '40', '--garbage-rate', '0.1', '--drop-rate', '0.1', '--json'])
      expect(r.code, r.stderr).toBe(0)
      const summary = JSON.parse(r.stdout) as SimulateResult
      await new Promise((resolve) => setTimeout(resolve, 200))
      const decoder = new PointDecoder(await e46())
      const samples = new SampleBatch()
      for (const d of datagrams) decoder.decode(d, samples)
      expect(summary.fps).toBe(40)
      expect(summary.sink.delivered + (summary.sink.droppedPoints ?? 0)).toBe(200)
      expect(summary.sink.droppedPoints).toBeGreaterThan(5)
      expect(decoder.stats.points).toBe(summary.sink.delivered)
      expect(decoder.stats.malformed).toBe(summary.sink.garbageLines)
      expect(decoder.stats.unknownFields).toEqual({})
      const point = JSON.parse(datagrams.map(String).filter((d) => d.endsWith('}')).at(-1)!) as Record<string, unknown>
      expect(Object.keys(point).slice(0, 11)).toEqual(['meta_time', 'track', 'chassis', 'lap', 'lapdist_m', 'speed_kmh', 'accx_can', 'accy_can', 'Steering_Angle', 'pbrake_f', 'rpm'])
      expect(point['track']).toBe('pitwall_park')
      expect(point['speed_kmh']).toBeGreaterThan(20)
    } finally {
      socket.close()
    }
  }, 60_000)

  it('--to db: one session with every frame, its samples, and the laps the lap detector found', async () => {
    const dir = tempDir()
    try {
      const r = await runCli(['simulate', '--to', 'db', '--laps', '2', '--speed', 'max', '--data-dir', dir.path, '--meta', 'driver=Sim', '--json'])
      expect(r.code, r.stderr).toBe(0)
      const summary = JSON.parse(r.stdout) as SimulateResult
      expect(summary.sink.stored).toBe(summary.frames.generated)
      const {store} = await openLiveStore(dir.path)
      try {
        const [session] = await store.query(`SELECT session_key, id, frames, state, end_reason, track, driver FROM sessions`)
        expect(session).toMatchObject({driver: 'Sim', end_reason: 'sources_stopped', id: summary.sink.session, state: 'ended', track: 'pitwall_park'})
        const key = Number(session!['session_key'])
        const [frames] = await store.query(`SELECT count(*) AS n FROM frames WHERE session_key = ${key}`)
        expect(Number(frames!['n'])).toBe(summary.frames.generated)
        const [gps] = await store.query(
          `SELECT count(*) AS n FROM samples s JOIN channels c ON c.session_key = s.session_key AND c.channel_id = s.channel_id WHERE s.session_key = ${key} AND c.name = 'lat'`,
        )
        expect(Number(gps!['n'])).toBeGreaterThan(4000)
        const laps = await store.query(`SELECT lap, lap_time_ms, valid, sectors_ms FROM laps WHERE session_key = ${key} ORDER BY lap`)
        expect(laps.map((l) => [l['lap'], l['valid']])).toEqual([[0, false], [1, true], [2, true], [3, false]])
        for (const k of [1, 2]) {
          const stored = laps[k]!
          const model = summary.laps[k - 1]!.timeMs
          expect(Math.abs(Number(stored['lap_time_ms']) - model)).toBeLessThanOrEqual(2)
          const sectors = stored['sectors_ms'] as number[]
          expect(sectors).toHaveLength(3)
          expect(Math.abs(sectors.reduce((a, b) => a + Number(b), 0) - Number(stored['lap_time_ms']))).toBeLessThanOrEqual(2)
        }
        expect(laps[3]!['lap_time_ms']).toBeNull()
      } finally {
        await store.close()
      }
    } finally {
      dir.cleanup()
    }
  }, 90_000)

  it('stops cleanly on SIGTERM with its summary, every frame it counted in the file', async () => {
    const dir = tempDir()
    try {
      const file = join(dir.path, 'live.log')
      const run = simulate(['--to', `candump:${file}`, '--json'])
      await until(() => existsSync(file) && readFileSync(file, 'utf8').length > 10_000, 30_000, 'frames in the file')
      run.child.kill('SIGTERM')
      const result = await run.done
      expect(result.code, result.stderr).toBe(0)
      const summary = JSON.parse(result.stdout) as SimulateResult
      expect(summary.stoppedBy).toBe('signal')
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(summary.sink.delivered)
      // Real time: about 254 frames per simulated second.
      expect(summary.frames.generated / summary.simulatedS).toBeCloseTo(254, -1)
    } finally {
      dir.cleanup()
    }
  }, 60_000)
})

describe('the lap detector on a simulated trace', () => {
  it('finds the laps the simulator drove, to the millisecond, from decoded frames', async () => {
    const car = await e46()
    const sim = await simulator({seed: 5})
    const {LapTracker} = await import('../../src/lib/track/index.js')
    const tracker = new LapTracker(sim.track, car.channels)
    const decoder = new CarDecoder(car)
    const end = sim.crossingS(3) + 2
    const {decodeToSamples} = await import('../../src/lib/decode/index.js')
    for (const batch of framesOf(sim, end)) tracker.feedSamples(decodeToSamples(decoder, batch))
    tracker.finish()
    const laps = tracker.detector.laps
    expect(laps.map((l) => l.lap)).toEqual([0, 1, 2, 3, 4])
    for (const k of [1, 2, 3]) {
      const model = (sim.crossingS(k) - sim.crossingS(k - 1)) * 1000
      expect(laps[k]!.valid).toBe(true)
      expect(Math.abs(laps[k]!.lapTimeMs! - model)).toBeLessThan(3)
      expect(Math.abs(laps[k]!.startUs - (START_US + sim.crossingS(k - 1) * 1e6))).toBeLessThan(3000)
    }
    expect(laps[0]!.valid).toBe(false)
  })
})
