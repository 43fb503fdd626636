import {spawn} from 'node:child_process'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {openLiveStore, runArchive} from '../../src/lib/store/index.js'
import {ROOT, runCli, SHARED_FIXTURES, tempDir} from '../helpers.js'
import {killAll, type Proc, track, waitFor} from '../ingest/helpers.js'

const ROAD_LOG = join(SHARED_FIXTURES, 'road-capture', 'can_sample.log')
const ROAD_DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')

const dir = tempDir('pitwall-shutdown-')
afterAll(() => dir.cleanup())
afterEach(() => killAll())

function pitwall(args: readonly string[], dataDir = dir.path): Proc & {stdout: () => string} {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {
    env: {...process.env, NO_COLOR: '1', PITWALL_DATA_DIR: dataDir},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  return Object.assign(track(child), {stdout: () => stdout})
}

/**
 * Every long-running command stops through the one shutdown path: SIGHUP (Termux, when the
 * terminal session closes) and SIGTERM end it like Ctrl-C, with its summary and exit status,
 * never killed by the signal.
 */
describe('one shutdown path: SIGHUP and SIGTERM stop a command cleanly', () => {
  it.each(['SIGHUP', 'SIGTERM'] as const)('replay --speed 1 on %s: stops reading, prints its summary, exits 0', async (signal) => {
    // The road capture lasts 90 s at real time: it is mid-file when the signal comes.
    const replay = pitwall(['replay', ROAD_LOG, '--car', ROAD_DBC, '--speed', '1', '--format', 'table'])
    await waitFor(() => replay.stdout().split('\n').length > 20, 30_000, 'replayed frames on stdout')
    replay.child.kill(signal)
    expect(await replay.exit).toEqual({code: 0, signal: null})
    const read = /: (\d+) frames read, \d+ decoded/.exec(replay.stderr)
    expect(read, replay.stderr).not.toBeNull()
    // Stopped early: far fewer than the file's 82,558 frames.
    expect(Number(read![1])).toBeLessThan(80_000)
  }, 120_000)

  it('simulate in real time on SIGHUP: stopped by signal, its summary on stdout (--json), exit 0', async () => {
    const log = join(dir.path, 'sim.log')
    const sim = pitwall(['simulate', '--duration', '10m', '--to', `candump:${log}`, '--json'])
    await waitFor(() => existsSync(log) && statSync(log).size > 0, 30_000, 'the first frames in the log')
    sim.child.kill('SIGHUP')
    expect(await sim.exit).toEqual({code: 0, signal: null})
    const summary = JSON.parse(sim.stdout()) as {stoppedBy: string; simulatedS: number; sink: {delivered: number}}
    expect(summary.stoppedBy).toBe('signal')
    expect(summary.simulatedS).toBeLessThan(600)
    expect(summary.sink.delivered).toBeGreaterThan(0)
  }, 120_000)

  it('serve on SIGHUP: stops serving, flushes and closes, exit 0', async () => {
    const data = tempDir('pitwall-shutdown-serve-')
    try {
      const serve = pitwall(['serve', '--simulate', '--port', '0', '--no-wake-lock'], data.path)
      await waitFor(() => serve.stderr.includes('pitwall bridge on'), 60_000, 'serve to listen')
      serve.child.kill('SIGHUP')
      expect(await serve.exit).toEqual({code: 0, signal: null})
      expect(existsSync(join(data.path, 'serve.json'))).toBe(false)
    } finally {
      data.cleanup()
    }
  }, 180_000)

  it('archive, once stopped, starts no other session: the rest are skipped', async () => {
    const data = tempDir('pitwall-shutdown-archive-')
    try {
      const lines = readFileSync(ROAD_LOG, 'utf8').split('\n').slice(0, 200).join('\n') + '\n'
      for (let n = 0; n < 2; n++) {
        const r = await runCli(['ingest', '--stdin', '--car', ROAD_DBC, '--data-dir', data.path], {input: lines})
        expect(r.code, r.stderr).toBe(0)
      }
      const {store} = await openLiveStore(data.path)
      try {
        const result = await runArchive(store, {allEnded: true, dryRun: false, format: 'duckdb', ids: [], quiet: true, signal: AbortSignal.abort()})
        expect(result.archived).toEqual([])
        expect(result.skipped.map((s) => s.reason)).toEqual(['not started: stopped by a signal', 'not started: stopped by a signal'])
      } finally {
        await store.close()
      }
    } finally {
      data.cleanup()
    }
  }, 120_000)

  it('health --watch on SIGHUP: ends with the last reading\'s exit code (2: nothing serves)', async () => {
    const health = pitwall(['health', '--watch', '--url', 'http://127.0.0.1:9'])
    await waitFor(() => health.stdout().length > 0, 30_000, 'the first reading')
    health.child.kill('SIGHUP')
    expect(await health.exit).toEqual({code: 2, signal: null})
  }, 120_000)
})
