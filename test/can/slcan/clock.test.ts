import {describe, expect, it} from 'vitest'

import {AdapterClock} from '../../../src/lib/can/slcan/clock.js'
import {HOST_US, parseChunks} from './helpers.js'

const stamp = (ms: number): string => ms.toString(16).toUpperCase().padStart(4, '0')

describe('Z1 timestamps through the parser', () => {
  it('anchors the first stamped frame to the host time and keeps the adapter spacing after it', () => {
    const {frames} = parseChunks([`t1230${stamp(1000)}\rt1230${stamp(1003)}\r`, `t1230${stamp(1010)}\r`], {hostTimes: [HOST_US, HOST_US + 9_000]})
    expect(frames.map((f) => f.timestampUs - HOST_US)).toEqual([0, 3000, 10_000])
  })

  it('unwraps 59 999 → 0 → … monotonically, with the host clock standing still', () => {
    const raw = [59_990, 59_998, 59_999, 0, 1, 2, 500, 29_000, 58_000, 59_999, 0, 3]
    const {frames, parser} = parseChunks([raw.map((ms) => `t1230${stamp(ms)}\r`).join('')])
    expect(frames.map((f) => (f.timestampUs - HOST_US) / 1000)).toEqual([0, 8, 9, 10, 11, 12, 510, 29_010, 58_010, 60_009, 60_010, 60_013])
    expect(parser.clock.wraps).toBe(2)
  })

  it('stays monotonic across a wrap split over reads, each read at its own host time', () => {
    const chunks = ['t1241AA', `${stamp(59_999)}\rt12`, `41BB${stamp(1)}\r`]
    const {frames} = parseChunks(chunks, {hostTimes: [HOST_US, HOST_US + 1_000, HOST_US + 2_500]})
    expect(frames.map((f) => (f.timestampUs - frames[0]!.timestampUs) / 1000)).toEqual([0, 2])
  })

  it('takes a small step back (less than half the window) as a step back, not a wrap', () => {
    const {frames} = parseChunks([`t1230${stamp(5000)}\rt1230${stamp(4990)}\r`])
    expect(frames.map((f) => (f.timestampUs - HOST_US) / 1000)).toEqual([0, -10])
  })

  it('gets the wrap count of a 45 s silence from the host clock (half-window rule alone would go backwards)', () => {
    // 50 000 ms, then 45 s of silence: the adapter reads 35 000 (95 000 mod 60 000), which the
    // half-window rule alone would read as 15 s back.
    const {frames, parser} = parseChunks([`t1230${stamp(50_000)}\r`, `t1230${stamp(35_000)}\r`], {hostTimes: [HOST_US, HOST_US + 45_000_000]})
    expect((frames[1]!.timestampUs - frames[0]!.timestampUs) / 1000).toBe(45_000)
    expect(parser.clock.reanchors).toBe(0)
  })

  it('re-anchors to host time when the host says more than a whole window (60 s) passed', () => {
    const {frames, parser} = parseChunks([`t1230${stamp(100)}\r`, `t1230${stamp(200)}\rt1230${stamp(250)}\r`], {hostTimes: [HOST_US, HOST_US + 95_000_000]})
    expect(frames.map((f) => (f.timestampUs - HOST_US) / 1000)).toEqual([0, 95_000, 95_050])
    expect(parser.clock.reanchors).toBe(1)
  })

  it('keeps host time for a stamp past the window (≥ 60000) without disturbing the clock', () => {
    const {frames, parser} = parseChunks([`t1230${stamp(100)}\rt1230EA60\rt1230${stamp(150)}\r`])
    expect(frames.map((f) => (f.timestampUs - HOST_US) / 1000)).toEqual([0, 0, 50])
    expect(parser.clock.badStamps).toBe(1)
  })

  it('reads Nakakiyo Z2 (8 hex digits, µs, wrapping at 3 600 000 000)', () => {
    const {frames} = parseChunks(['t1230D693A3F0\rt12300000000A\r'])
    // 3 599 999 984 µs, then 10 µs after the wrap: 26 µs later.
    expect(frames.map((f) => f.timestampUs - HOST_US)).toEqual([0, 26])
  })
})

describe('AdapterClock', () => {
  it('reset() anchors afresh on the next stamp', () => {
    const clock = new AdapterClock()
    expect(clock.toEpochUs(100, 4, 1_000_000)).toBe(1_000_000)
    expect(clock.toEpochUs(150, 4, 1_000_000)).toBe(1_050_000)
    clock.reset()
    expect(clock.toEpochUs(10, 4, 2_000_000)).toBe(2_000_000)
    expect(clock.reanchors).toBe(0)
  })

  it('is monotonic over a long run of stamps at random intervals with a lagging host clock', () => {
    const clock = new AdapterClock()
    let device = 0
    let previous = -Infinity
    let backwards = 0
    let first = 0
    let seed = 7
    for (let n = 0; n < 200_000; n++) {
      seed = (seed * 48271) % 2147483647
      device += seed % 7 // 0..6 ms between frames
      const host = HOST_US + device * 1000 + (seed % 20_000) // 0..20 ms of read latency
      const t = clock.toEpochUs(device % 60_000, 4, host)
      if (n === 0) first = t - device * 1000
      if (t < previous) backwards++
      previous = t
    }
    expect(backwards).toBe(0)
    // Adapter spacing is kept exactly: the last stamp is the first plus the adapter's elapsed time.
    expect(previous - first).toBe(device * 1000)
    expect(clock.wraps).toBe(Math.floor(device / 60_000))
  })
})
