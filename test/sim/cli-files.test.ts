import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {parseCandumpLine, readCanLog} from '../../src/lib/can/log/index.js'
import type {SimulateResult} from '../../src/commands/simulate.js'
import {runCli, tempDir, unwrapOclifError} from '../helpers.js'
import {framesOf, simulator, START_US} from './helpers.js'

const START = String(START_US / 1e6)

/** Frames as `stamp id data` lines, from the library directly: what every sink must carry. */
async function expectedLines(seconds: number, options: {seed?: number; fps?: number; dropRate?: number} = {}): Promise<string[]> {
  const sim = await simulator(options)
  const out: string[] = []
  for (const b of framesOf(sim, seconds)) {
    for (let i = 0; i < b.length; i++) out.push(`${b.timestampUs[i]} ${b.id[i]} ${Buffer.from(b.data.subarray(i * 64, i * 64 + 8)).toString('hex')}`)
  }
  return out
}

function linesOfLog(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const f = parseCandumpLine(line)
      if (f.kind !== 'frame') throw new Error(`not a frame: ${line}`)
      return `${f.frame.timestampUs} ${f.frame.id} ${Buffer.from(f.frame.data).toString('hex')}`
    })
}

describe('simulate to files', () => {
  it('--to stdout: candump lines, exactly the frames the library makes for that seed and start', async () => {
    const r = await runCli(['simulate', '--duration', '4s', '--speed', 'max', '--start-time', START, '--seed', '1'])
    expect(r.code, r.stderr).toBe(0)
    const lines = linesOfLog(r.stdout)
    expect(lines).toEqual(await expectedLines(4))
    expect(r.stderr).toMatch(new RegExp(`frames: ${lines.length} generated, 0 dropped by --drop-rate, ${lines.length} delivered`))
  })

  it('--to candump:FILE --laps 1: the log reads back whole, and the summary gives the lap', async () => {
    const dir = tempDir()
    try {
      const file = join(dir.path, 'lap.log')
      const r = await runCli(['simulate', '--laps', '1', '--speed', 'max', '--to', `candump:${file}`, '--start-time', START, '--json'])
      expect(r.code, r.stderr).toBe(0)
      const summary = JSON.parse(r.stdout) as SimulateResult
      expect(summary).toMatchObject({car: 'bmw_e46_m3', seed: 1, stoppedBy: 'laps', to: `candump:${file}`, track: 'pitwall_park'})
      expect(summary.laps).toHaveLength(1)
      expect(summary.laps[0]!.timeMs).toBeGreaterThan(95_000)
      expect(summary.laps[0]!.timeMs).toBeLessThan(140_000)
      const reading = readCanLog(file, {format: 'candump'})
      let frames = 0
      for await (const b of reading.batches) frames += b.length
      expect(frames).toBe(summary.frames.generated)
      expect(summary.sink.delivered).toBe(frames)
      expect(reading.stats.badLines).toBe(0)
      // The lap plus the out-lap and the run-on, at 254 frames/s.
      expect(frames / summary.simulatedS).toBeCloseTo(254, 0)
    } finally {
      dir.cleanup()
    }
  })

  it('--drop-rate: the frames missing from the log are the ones the summary counts, per id', async () => {
    const dir = tempDir()
    try {
      const file = join(dir.path, 'drops.log')
      const r = await runCli(['simulate', '--duration', '60s', '--speed', 'max', '--to', `candump:${file}`, '--start-time', START, '--drop-rate', '0.02', '--json'])
      expect(r.code, r.stderr).toBe(0)
      const summary = JSON.parse(r.stdout) as SimulateResult
      const got = new Set(linesOfLog(readFileSync(file, 'utf8')))
      const all = await expectedLines(60)
      const missing = all.filter((l) => !got.has(l))
      expect(got.size + missing.length).toBe(all.length)
      expect(missing.length).toBe(summary.frames.dropped)
      const byId: Record<string, number> = {}
      for (const l of missing) {
        const id = Number(l.split(' ')[1]).toString(16).toUpperCase()
        byId[id] = (byId[id] ?? 0) + 1
      }
      expect(byId).toEqual(summary.frames.droppedById)
      // 2 % of 15240 frames: 305 expected; binomial σ ≈ 17.
      expect(summary.frames.dropped).toBeGreaterThan(230)
      expect(summary.frames.dropped).toBeLessThan(380)
    } finally {
      dir.cleanup()
    }
  })

  it('--garbage-rate: the candump reader counts one bad line per garbage line the summary reports', async () => {
    const dir = tempDir()
    try {
      const file = join(dir.path, 'garbage.log')
      const r = await runCli(['simulate', '--duration', '30s', '--speed', 'max', '--to', `candump:${file}`, '--garbage-rate', '0.03', '--json'])
      expect(r.code, r.stderr).toBe(0)
      const summary = JSON.parse(r.stdout) as SimulateResult
      const reading = readCanLog(file, {format: 'candump'})
      let frames = 0
      for await (const b of reading.batches) frames += b.length
      expect(summary.sink.garbageLines).toBeGreaterThan(100)
      expect(reading.stats.badLines).toBe(summary.sink.garbageLines)
      expect(frames).toBe(summary.sink.delivered)
    } finally {
      dir.cleanup()
    }
  })

  it('refuses what cannot work, with the usual exit codes', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['--to', 'bridge:http://127.0.0.1:9', '--duration', '1s'], 69, /--to bridge: nothing answers at http:\/\/127\.0\.0\.1:9/],
      [['--to', 'bridge', '--garbage-rate', '0.1', '--duration', '1s'], 64, /not with --to bridge/],
      [['--to', 'slcan:pty:/tmp/x', '--speed', 'max', '--laps', '1'], 64, /--speed max only for file sinks/],
      [['--speed', 'max'], 64, /needs --laps or --duration/],
      [['--json'], 64, /--json and --to stdout/],
      [['--to', 'candump:x.log', '--unplug-after', '1s', '--unplug-for', '1s', '--duration', '1s'], 64, /needs --to slcan:pty/],
      [['--to', 'db', '--garbage-rate', '0.1', '--duration', '1s'], 64, /not with --to db/],
      [['--to', 'udp://nohost', '--duration', '1s'], 64, /udp:\/\/HOST:PORT/],
      [['--drop-rate', '1.5', '--duration', '1s'], 64, /from 0 to below 1/],
      [['--track', 'nurburgring', '--duration', '1s'], 64, /unknown track "nurburgring"/],
    ]
    const results = await Promise.all(cases.map(([args]) => runCli(['simulate', ...args])))
    cases.forEach(([args, code, message], i) => {
      const r = results[i]!
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code)
      expect(unwrapOclifError(r.stderr) + r.stdout, args.join(' ')).toMatch(message)
    })
  }, 90_000)
})
