import {closeSync, fstatSync, openSync} from 'node:fs'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {FrameBatch} from '../../src/lib/can/frame.js'
import {FpsMeter, MissedFrameEstimator, PointDecoder, ReconnectPolicy, Watchdog, classifyDescriptor, deviceNumbers, idKey, silenceHints} from '../../src/lib/source/index.js'
import {SampleBatch} from '../../src/lib/decode/index.js'
import {ROOT} from '../helpers.js'

describe('FpsMeter', () => {
  it('averages whole seconds over its window and reads 0 once a source stops', () => {
    let now = 0
    const meter = new FpsMeter(5, () => now)
    for (let s = 0; s < 10; s++) {
      now = s * 1000 + 500
      meter.add(100)
    }
    now = 10_200
    expect(meter.rate()).toBe(100)
    now = 16_000
    expect(meter.rate()).toBe(0)
  })

  it('reads a young source at its real rate, not diluted by the seconds before it started', () => {
    let now = 100_000
    const meter = new FpsMeter(5, () => now)
    expect(meter.rate()).toBe(0)
    meter.add(350)
    now = 100_900
    expect(meter.rate()).toBe(0)
    now = 101_000
    expect(meter.rate()).toBe(350)
    meter.add(350)
    now = 102_100
    expect(meter.rate()).toBe(350)
  })
})

describe('ReconnectPolicy', () => {
  it('waits 1 s, 2 s, 5 s, 10 s, then every 10 s; a success starts over; every attempt is counted', () => {
    const p = new ReconnectPolicy()
    expect([p.next(), p.next(), p.next(), p.next(), p.next(), p.next()]).toEqual([1000, 2000, 5000, 10_000, 10_000, 10_000])
    p.succeeded()
    expect(p.next()).toBe(1000)
    expect(p.attempts).toBe(7)
  })
})

describe('MissedFrameEstimator', () => {
  const batchOf = (stamps: readonly number[], id = 0x100): FrameBatch => {
    const b = new FrameBatch(stamps.length)
    for (const t of stamps) b.push({data: [1], id, timestampUs: t})
    return b
  }

  it('a gap of g on an id with cycle c is round(g / c) - 1 missed; unknown ids and long silences are not counted', () => {
    const est = new MissedFrameEstimator(new Map([[0x100, 10_000]]))
    est.observe(batchOf([0, 10_000, 40_000, 50_000, 9_000_000]))
    est.observe(batchOf([0, 50_000], 0x200))
    expect(est.byId()).toEqual({100: 2})
    est.reset()
    est.observe(batchOf([20_000_000]))
    expect(est.total()).toBe(2)
  })

  it('counts random drops exactly while each frame stays within a quarter cycle of its slot (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), {maxLength: 400, minLength: 2}), fc.array(fc.double({max: 0.4, min: -0.4, noNaN: true}), {maxLength: 400, minLength: 400}), (keep, jitter) => {
        const cycle = 20_000
        const stamps: number[] = []
        let dropped = 0
        keep[0] = true
        keep[keep.length - 1] = true
        keep.forEach((k, i) => (k ? stamps.push(i * cycle + jitter[i]! * 0.6 * cycle) : dropped++))
        const est = new MissedFrameEstimator(new Map([[idKey(0x100, false), cycle]]))
        est.observe(batchOf(stamps))
        expect(est.total()).toBe(dropped)
      }),
    )
  })

  it('keeps 11-bit and 29-bit ids with the same number apart', () => {
    expect(idKey(0x100, true)).not.toBe(idKey(0x100, false))
    const est = new MissedFrameEstimator(new Map([[idKey(0x100, true), 10_000]]))
    const b = new FrameBatch(3)
    b.push({data: [], extended: true, id: 0x100, timestampUs: 0})
    b.push({data: [], id: 0x100, timestampUs: 5000})
    b.push({data: [], extended: true, id: 0x100, timestampUs: 30_000})
    est.observe(b)
    expect(est.byId()).toEqual({'00000100': 2})
  })
})

describe('Watchdog', () => {
  it('restarts a source that carried traffic and has been silent past the threshold, then waits a full threshold again', () => {
    let now = 0
    let restarts = 0
    const target = {connected: true, fps: 0, framesTotal: 10, lastFrameAgeS: 31 as number | null}
    const dog = new Watchdog({nowMs: () => now, restart: () => restarts++, target: () => target})
    expect(dog.check()).toBe(true)
    now = 10_000
    expect(dog.check()).toBe(false)
    now = 30_001
    expect(dog.check()).toBe(true)
    target.framesTotal = 0
    now = 90_000
    expect(dog.check()).toBe(false)
    expect(restarts).toBe(2)
  })
})

describe('silence hints', () => {
  it('names the usual causes of a silent adapter', () => {
    expect(silenceHints({bitrateBps: 500_000, framesSinceOpen: 0, lastFrameAgeS: null, listenOnly: true, sinceOpenS: 2})).toEqual([])
    const [hint] = silenceHints({bitrateBps: 500_000, framesSinceOpen: 0, lastFrameAgeS: null, listenOnly: true, sinceOpenS: 12})
    expect(hint).toMatch(/^no frame since the adapter opened 12 s ago: is the adapter the only receiver without ACK \(listen_only on a sole-receiver bus.* wrong bitrate \(opened at 500k\)\? termination/)
    expect(silenceHints({framesSinceOpen: 50, lastFrameAgeS: 8, listenOnly: false, sinceOpenS: 60})[0]).toMatch(/^no frame for 8 s after 50 frames/)
  })
})

describe('descriptor classification', () => {
  it('splits st_rdev like glibc major()/minor()', () => {
    expect(deviceNumbers((189 << 8) | 2)).toEqual({major: 189, minor: 2})
    expect(deviceNumbers((136 << 8) | 3)).toEqual({major: 136, minor: 3})
    expect(deviceNumbers(fstatSync(openSync('/dev/null', 'r')).rdev)).toEqual({major: 1, minor: 3})
  })

  it('tells files, char devices and usbfs nodes apart', () => {
    const file = openSync(`${ROOT}/package.json`, 'r')
    expect(classifyDescriptor(file).kind).toBe('file')
    closeSync(file)
    const nul = openSync('/dev/null', 'r')
    expect(classifyDescriptor(nul)).toMatchObject({kind: 'other', major: 1, minor: 3})
    expect(classifyDescriptor(nul, (fd) => Object.assign(fstatSync(fd), {rdev: 189 << 8}))).toMatchObject({kind: 'usbfs', major: 189})
    closeSync(nul)
    expect(() => classifyDescriptor(250)).toThrow(/descriptor 250 is not open/)
  })
})

describe('PointDecoder (UDP JSON points)', () => {
  const car = {channels: [{name: 'rpm'}, {name: 'g_lat'}, {name: 'speed_kmh'}] as never}

  it('maps exact channel names and the seed aliases; counts unknown fields and malformed datagrams', () => {
    const d = new PointDecoder(car)
    const out = new SampleBatch(8)
    expect(d.decode(Buffer.from('{"meta_time":"2025-11-20T00:00:00Z","rpm":6500,"accy_can":0.5,"boost":1,"track":"spa"}'), out)).toBe(true)
    expect(Array.from(out.channel.subarray(0, out.length))).toEqual([0, 1])
    expect(out.timestampUs[0]).toBe(Date.UTC(2025, 10, 20) * 1000)
    expect(d.decode(Buffer.from('{"rpm":'), out)).toBe(false)
    expect(d.decode(Buffer.from('null'), out)).toBe(false)
    expect(d.decode(Buffer.from('{"meta_time":"1999-01-01T00:00:00Z","rpm":1}'), out)).toBe(true)
    expect(d.stats).toMatchObject({datagrams: 4, implausibleTime: 1, malformed: 2, points: 1, samples: 2, unknownFields: {boost: 1}})
  })
})
