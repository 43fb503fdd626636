import {join} from 'node:path'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {tempDir} from '../helpers.js'
import {EXTENDED_LOG, ROAD_DBC, ROAD_LOG, logFrames, startEmitter, startIngest, stop, storedFrames, waitFor, waitForPath, killAll} from './helpers.js'

// An independent slcan adapter (Python, stdlib only) on a real pty, read by `pitwall ingest
// --device` through serialport: every frame it sends is stored bit-exact, in order.
const expected = [...logFrames(EXTENDED_LOG), ...logFrames(ROAD_LOG)].slice(0, 20_000)

describe('ingest --device: an slcan adapter on a pty', () => {
  afterEach(killAll)
  const dir = tempDir('pitwall-device-')
  afterAll(() => dir.cleanup())

  for (const mode of ['stock', 'lawicel'] as const) {
    it(`stores every frame bit-exact from a ${mode === 'stock' ? 'stock CANable (no acks)' : 'Lawicel-correct adapter (acks, z, Z1 stamps)'}`, async () => {
      const link = join(dir.path, `${mode}.tty`)
      const data = join(dir.path, `${mode}-data`)
      const emitter = startEmitter(link, ['--mode', mode, '--log', EXTENDED_LOG, '--log', ROAD_LOG, '--count', String(expected.length), '--fps', '10000'])
      await waitForPath(link)
      const ingest = startIngest(data, ['--device', link, '--car', ROAD_DBC, '--bitrate', '500k', '--probe-timeout', '3s'])
      await waitFor(() => ingest.committed >= expected.length, 30_000, `${expected.length} frames committed`)
      await stop(ingest)
      await stop(emitter)
      expect((await ingest.exit).code).toBe(0)
      const stored = await storedFrames(data)
      expect(stored.frames.length).toBe(expected.length)
      expect(stored.frames).toEqual(expected)
      expect(stored.sources).toEqual([`adapter:${link}`])
      // Bare DBC: listen-only by default, opened the family's way.
      const opened = /"sent":"([^"]+)","msg":"adapter opened"/.exec(ingest.stderr)?.[1]
      expect(opened).toBe(mode === 'stock' ? 'C S6 M1 O' : 'C S6 Z1 L')
      expect(emitter.stderr).toContain(mode === 'stock' ? 'emitter: open O' : 'emitter: open L')
      expect(ingest.stderr).toMatch(new RegExp(`"family":"${mode === 'stock' ? 'canable-stock' : 'lawicel'}".*adapter firmware identified`))
    }, 60_000)
  }

  it('reconnects when the adapter goes away and comes back on the same link, logged and counted, losing nothing sent after the return', async () => {
    const link = join(dir.path, 'replug.tty')
    const data = join(dir.path, 'replug-data')
    const first = startEmitter(link, ['--mode', 'stock', '--log', ROAD_LOG, '--count', '3000', '--fps', '5000', '--exit-when-done'])
    await waitForPath(link)
    const ingest = startIngest(data, ['--device', link, '--car', ROAD_DBC, '--bitrate', '500k', '--probe-timeout', '3s', '--json'])
    await waitFor(() => ingest.committed >= 3000, 20_000, 'the first 3000 frames')
    await first.exit
    await waitFor(() => ingest.stderr.includes('"msg":"adapter lost"'), 10_000, 'the loss to be noticed')
    const unplugged = Date.now()
    const second = startEmitter(link, ['--mode', 'stock', '--log', ROAD_LOG, '--start', '3000', '--count', '4000', '--fps', '5000'])
    await waitFor(() => ingest.stderr.includes('"msg":"adapter reconnected"'), 15_000, 'the reconnect')
    // The backoff starts at 1 s and the path watch retries as soon as the link reappears.
    expect(Date.now() - unplugged).toBeLessThan(5000)
    await waitFor(() => ingest.committed >= 7000, 20_000, 'all 7000 frames')
    await stop(ingest)
    await stop(second)
    const summary = JSON.parse(ingest.stdout()) as {source: {reconnects: number; state: string; framesTotal: number}; adapter: {connections: number}}
    expect(summary.source.reconnects).toBeGreaterThanOrEqual(1)
    expect(summary.adapter.connections).toBe(2)
    expect(summary.source.framesTotal).toBe(7000)
    expect(ingest.stderr).toMatch(/"attempt":1,"inMs":1000,.*"msg":"reconnecting"/)
    const stored = await storedFrames(data)
    expect(stored.frames).toEqual(logFrames(ROAD_LOG).slice(0, 7000))
  }, 60_000)

  it('sends the open sequence again when no frame arrives within 2 s of opening', async () => {
    const link = join(dir.path, 'forgot.tty')
    const data = join(dir.path, 'forgot-data')
    const emitter = startEmitter(link, ['--mode', 'stock', '--log', ROAD_LOG, '--count', '500', '--fps', '5000', '--ignore-opens', '1'])
    await waitForPath(link)
    const ingest = startIngest(data, ['--device', link, '--car', ROAD_DBC, '--bitrate', '500k', '--probe-timeout', '3s'])
    await waitFor(() => ingest.committed >= 500, 20_000, '500 frames after the second open')
    await stop(ingest)
    await stop(emitter)
    expect(emitter.stderr).toContain('emitter: ignored O')
    expect(ingest.stderr).toContain('no frame since opening: sending the open sequence again')
  }, 30_000)

  it('restarts the reader of a source that went silent (watchdog, short threshold)', async () => {
    const link = join(dir.path, 'silent.tty')
    const data = join(dir.path, 'silent-data')
    const emitter = startEmitter(link, ['--mode', 'stock', '--log', ROAD_LOG, '--stop-after-frames', '200', '--fps', '5000'])
    await waitForPath(link)
    const ingest = startIngest(data, ['--device', link, '--car', ROAD_DBC, '--bitrate', '500k', '--probe-timeout', '3s', '--watchdog-after', '1500ms', '--json'])
    await waitFor(() => ingest.stderr.includes('restarting its reader'), 45_000, 'the watchdog')
    await waitFor(() => (ingest.stderr.match(/"msg":"adapter opened"/g) ?? []).length >= 2, 30_000, 'the reader to reopen')
    await stop(ingest)
    await stop(emitter)
    const summary = JSON.parse(ingest.stdout()) as {adapter: {watchdogRestarts: number}; source: {framesTotal: number}}
    expect(summary.adapter.watchdogRestarts).toBeGreaterThanOrEqual(1)
    expect(summary.source.framesTotal).toBe(200)
    expect(ingest.stderr).toMatch(/"level":50.*restarting its reader/)
  }, 120_000)
})
