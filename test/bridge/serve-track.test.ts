/**
 * Which track serve times laps on (lapTrack): --track, else the simulator's default, else the run
 * sheet's track when it is a known track. A free-text venue on the run sheet times no laps.
 */
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {runCli, tempDir} from '../helpers.js'
import {killAll, waitFor} from '../ingest/helpers.js'
import {startServeProcess} from './serve-process.js'

const dirs: Array<() => void> = []
afterEach(() => killAll())
afterAll(() => dirs.forEach((c) => c()))

function dataDir(): string {
  const dir = tempDir()
  dirs.push(dir.cleanup)
  return dir.path
}

describe('pitwall serve: the track laps are timed on', {timeout: 120_000}, () => {
  it("times laps on the run sheet's track when it is a known track, without --simulate", async () => {
    const serve = await startServeProcess(dataDir(), ['--meta', 'track=pitwall_park'])
    const health = await serve.request('GET', '/health')
    expect(health.status).toBe(200)
    expect(health.body.track).toBe('pitwall_park')
    // The start line comes after serve.json: wait for it.
    await waitFor(() => serve.stderr.includes('pitwall bridge on'), 10_000, 'the start line')
    expect(serve.stderr).toMatch(/\(car bmw_e46_m3, track pitwall_park\)/)
    expect((await serve.stop()).code).toBe(0)
  })

  it('times no laps when the run sheet names a track that is not a known one', async () => {
    const serve = await startServeProcess(dataDir(), ['--meta', 'track=Spa-Francorchamps'])
    const health = await serve.request('GET', '/health')
    expect(health.status).toBe(200)
    expect(health.body.track).toBeNull()
    expect((await serve.stop()).code).toBe(0)
  })

  it('refuses a driver fault the track cannot have, with the same message as simulate', async () => {
    const r = await runCli(['serve', '--simulate', '--driver-fault', 'late-brake@T3', '--port', '0', '--no-wake-lock', '--data-dir', dataDir()])
    expect(r.code).toBe(64)
    expect(r.stderr).toMatch(/late-brake@T3: T3 \(Kink\) is taken flat out/)
  })
})
