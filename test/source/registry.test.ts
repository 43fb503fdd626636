import {createSocket} from 'node:dgram'
import {mkdirSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {openCar} from '../../src/lib/car/index.js'
import type {FrameBatch} from '../../src/lib/can/frame.js'
import type {SampleBatch} from '../../src/lib/decode/index.js'
import {type CanSource, openSource, resolveBus, type SourceSpec} from '../../src/lib/source/index.js'
import {ROOT, tempDir} from '../helpers.js'
import {killAll, logFrames, ROAD_DBC, ROAD_LOG, startEmitter, stop, waitForPath} from '../ingest/helpers.js'
import {e46, park, START_US} from '../sim/helpers.js'

/** 2026-01-01T00:00:00Z: a stamp the log keeps, far from now. */
const LOG_START_S = 1_767_225_600
const CANDUMP = ['(1767225600.000000) can0 123#0102', 'not a frame', '(1767225600.010000) can0 456#03', '(1767225600.030000) can0 789#'].join('\n') + '\n'

async function collect(source: CanSource): Promise<FrameBatch[]> {
  const out: FrameBatch[] = []
  for await (const batch of source.batches()) out.push(batch)
  return out
}

const stampsOf = (batches: readonly FrameBatch[]): number[] => batches.flatMap((b) => Array.from(b.timestampUs.subarray(0, b.length)))
const idsOf = (batches: readonly FrameBatch[]): number[] => batches.flatMap((b) => Array.from(b.id.subarray(0, b.length)))

describe('openSource: every kind from one spec', () => {
  const dir = tempDir('pitwall-registry-')
  afterEach(killAll)
  afterAll(() => dir.cleanup())

  it('a log file: stamps kept, format sniffed, bad lines counted', async () => {
    const path = join(dir.path, 'kept.log')
    writeFileSync(path, CANDUMP)
    const {frames} = openSource({input: path, kind: 'log'}, {car: await e46()})
    expect([frames.kind, frames.name]).toEqual(['replay', path])
    const batches = await collect(frames)
    expect(stampsOf(batches)).toEqual([LOG_START_S * 1e6, LOG_START_S * 1e6 + 10_000, LOG_START_S * 1e6 + 30_000])
    expect(idsOf(batches)).toEqual([0x123, 0x456, 0x789])
    expect(await frames.format).toBe('candump')
    expect(frames.stats).toMatchObject({badLines: 1, framesRead: 3})
    expect(frames.status()).toMatchObject({dropped: {bad_line: 1}, framesTotal: 3, kind: 'replay', state: 'stopped'})
  })

  it('a log file re-stamped to now and paced (serve --replay): the spacing kept, the start now', async () => {
    const path = join(dir.path, 'restamped.log')
    writeFileSync(path, CANDUMP)
    const before = Date.now() * 1000
    const {frames} = openSource({input: path, kind: 'log', paced: {speed: 10}, restampToNow: true}, {car: await e46()})
    const stamps = stampsOf(await collect(frames))
    expect(stamps[0]).toBeGreaterThanOrEqual(before)
    expect(stamps[0]).toBeLessThanOrEqual(Date.now() * 1000)
    expect(stamps.map((t) => t - stamps[0]!)).toEqual([0, 10_000, 30_000])
  })

  it('a log on a stream (ingest --stdin): kind and name stdin, read live', async () => {
    const input = new PassThrough()
    input.end(CANDUMP)
    const {frames} = openSource({input, kind: 'log'}, {car: await e46()})
    expect([frames.kind, frames.name]).toEqual(['stdin', 'stdin'])
    expect(idsOf(await collect(frames))).toEqual([0x123, 0x456, 0x789])
  })

  it('the simulator: the seed-determined frames of the run, stamped from startUs', async () => {
    const {frames} = openSource({durationS: 2, kind: 'simulator', seed: 3, speed: Number.POSITIVE_INFINITY, startUs: START_US, track: await park()}, {car: await e46()})
    expect([frames.kind, frames.name]).toEqual(['simulator', 'bmw_e46_m3@pitwall_park'])
    const stamps = stampsOf(await collect(frames))
    expect(stamps.length).toBe(2 * 254)
    expect(Math.min(...stamps)).toBeGreaterThanOrEqual(START_US)
    expect(frames.status()).toMatchObject({framesTotal: 2 * 254, state: 'stopped'})
  })

  it('UDP points: samples of the car channels, points counted as frames', async () => {
    const {points} = openSource({kind: 'udp', port: 0}, {car: await e46()})
    const port = await points.listen()
    const got: SampleBatch[] = []
    const reading = (async () => {
      for await (const samples of points.batches()) got.push(samples)
    })()
    const socket = createSocket('udp4')
    await new Promise<void>((done) => socket.send(JSON.stringify([{meta_time: '2026-01-01T00:00:00Z', rpm: 6500}, {meta_time: '2026-01-01T00:00:00.1Z', rpm: 6600}]), port, '127.0.0.1', () => done()))
    socket.close()
    for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    await points.stop()
    await reading
    expect(got.reduce((n, s) => n + s.length, 0)).toBe(2)
    expect(points.status()).toMatchObject({dropped: {bad_line: 0, implausible_time: 0}, framesTotal: 2, kind: 'udp', name: `127.0.0.1:0`, state: 'stopped'})
  })

  it('a descriptor (a regular file of slcan bytes, read-only): every frame, then stopped at its end', async () => {
    const path = join(dir.path, 'slcan.bin')
    writeFileSync(path, 't1232AABB\rt4561CC\r')
    const fd = openSync(path, 'r')
    const car = await openCar(ROAD_DBC, {dataDir: join(ROOT, 'test', 'no-data-dir')})
    // A read-only input sends nothing, so a bare DBC needs no bitrate.
    const {frames} = openSource({fd, kind: 'descriptor'}, {car})
    expect([frames.kind, frames.name]).toEqual(['adapter', `fd ${fd} (file)`])
    expect(idsOf(await collect(frames))).toEqual([0x123, 0x456])
    expect(frames.status().state).toBe('stopped')
    // The descriptor was handed over: the source closed it at the end of its input.
    expect(frames.details().firmware).toMatchObject({how: 'read-only'})
  })

  it('a device on a socat pty: probed, opened, every frame in order', async () => {
    const link = join(dir.path, 'adapter.tty')
    const emitter = startEmitter(link, ['--mode', 'lawicel', '--log', ROAD_LOG, '--count', '300', '--fps', '3000'])
    await waitForPath(link)
    const car = await openCar(ROAD_DBC, {dataDir: join(ROOT, 'test', 'no-data-dir')})
    // A generous probe window: the emitter is a Python process on a possibly loaded machine.
    const {frames} = openSource({kind: 'device', path: link}, {bus: resolveBus(car, {bitrate: 500_000}), car, probeTimeoutMs: 3000})
    expect([frames.kind, frames.name]).toEqual(['adapter', link])
    const got: FrameBatch[] = []
    const reading = (async () => {
      for await (const batch of frames.batches()) got.push(batch)
    })()
    for (let i = 0; i < 3000 && got.reduce((n, b) => n + b.length, 0) < 300; i++) await new Promise((r) => setTimeout(r, 10))
    await frames.stop()
    await reading
    await stop(emitter)
    expect(frames.details().firmware).toMatchObject({family: 'lawicel', how: 'probe'})
    expect(idsOf(got)).toEqual(logFrames(ROAD_LOG).slice(0, 300).map((f) => f.id))
  }, 60_000)

  it('termux-usb: the supervisor as a status-only source, with the forwarded frames merged in', async () => {
    const phone = join(dir.path, 'phone')
    mkdirSync(phone)
    writeFileSync(join(phone, 'devices'), '')
    writeFileSync(join(phone, 'calls'), '')
    process.env['FAKE_TERMUX_USB_STATE'] = phone
    try {
      const forwarded = {dropped: {}, fps: 12, framesTotal: 34, lastFrameAgeS: 0.5, missedById: {}}
      const {statusOnly} = openSource(
        {callback: ['/bin/echo', '--can-fd'], device: 'auto', forwarded: () => forwarded, kind: 'termux-usb', termuxUsb: join(ROOT, 'test', 'fixtures', 'termux', 'termux-usb')},
        {car: await e46()},
      )
      for (let i = 0; i < 1000 && !readFileSync(join(phone, 'calls'), 'utf8').includes('-l'); i++) await new Promise((r) => setTimeout(r, 10))
      expect(statusOnly.status()).toMatchObject({fps: 12, framesTotal: 34, hints: [expect.stringContaining('no USB device attached')], kind: 'termux-usb', name: 'auto', reconnects: 0, state: 'absent'})
      await statusOnly.stop()
      expect(statusOnly.status().state).toBe('stopped')
    } finally {
      delete process.env['FAKE_TERMUX_USB_STATE']
    }
  })
})

describe('openSource: a spec that cannot work is a usage error before anything opens', () => {
  const bad: Array<[string, SourceSpec]> = [
    ['unknown kind', {kind: 'carrier-pigeon'} as unknown as SourceSpec],
    ['a negative descriptor', {fd: -1, kind: 'descriptor'}],
    ['a port out of range', {kind: 'udp', port: 70_000}],
    ['a stream looped', {input: new PassThrough(), kind: 'log', loop: true}],
    ['a speed of 0', {input: 'x.log', kind: 'log', paced: {speed: 0}}],
    ['an empty device path', {kind: 'device', path: ''}],
  ]
  for (const [what, spec] of bad) {
    it(what, async () => {
      expect(() => openSource(spec, {car: {} as never})).toThrow(expect.objectContaining({code: 'PW_SOURCE_SPEC', exit: 64, message: expect.stringMatching(/^cannot open a source from /)}))
    })
  }

  it('an adapter on a bare DBC without a bitrate (PW_BITRATE_REQUIRED)', async () => {
    const car = await openCar(ROAD_DBC, {dataDir: join(ROOT, 'test', 'no-data-dir')})
    expect(() => openSource({kind: 'device', path: '/dev/ttyACM9'}, {car})).toThrow(expect.objectContaining({code: 'PW_BITRATE_REQUIRED', exit: 64}))
  })
})
