import {describe, expect, it} from 'vitest'

import {FrameBatch} from '../../../src/lib/can/frame.js'
import {MAX_LINE, SlcanParser} from '../../../src/lib/can/slcan/parser.js'
import {HOST_US, brief, bytes, parse, parseChunks} from './helpers.js'

describe('SlcanParser: frames', () => {
  it('parses every classic kind: t, T, r, R, with the host time of the read', () => {
    const {frames, stats} = parse('t42080011223344556677\rT1FFFFFFF2AABB\rr7DF3\rR18DAF1100\rt0000\r')
    expect(frames.map(brief)).toEqual([
      'std data 420 [8] 0011223344556677',
      'ext data 1FFFFFFF [2] AABB',
      'std rtr 7DF [3]',
      'ext rtr 18DAF110 [0]',
      'std data 0 [0]',
    ])
    expect(frames.every((f) => f.timestampUs === HOST_US)).toBe(true)
    expect(stats).toMatchObject({badLines: 0, frames: 5, garbageBytes: 0})
  })

  it('maps every FD DLC 0..F to 0..8,12,16,20,24,32,48,64 bytes; b/B set BRS', () => {
    const lengths = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]
    const text = lengths.map((n, dlc) => `d7E0${dlc.toString(16).toUpperCase()}${'5A'.repeat(n)}\r`).join('')
    const {frames} = parse(text + 'b1231AB\rD000001002C0FF\rB1FFFFFFFF' + 'EE'.repeat(64) + '\r')
    expect(frames.slice(0, 16).map((f) => [f.fd, f.brs, f.length, f.data.length])).toEqual(lengths.map((n) => [true, false, n, n]))
    expect(frames.slice(16).map(brief)).toEqual(['std fd+brs 123 [1] AB', 'ext fd 100 [2] C0FF', 'ext fd+brs 1FFFFFFF [64] ' + 'EE'.repeat(64)])
  })

  it('accepts lower-case hex (the firmware parsers do too)', () => {
    expect(parse('t4a28deadbeefcafe0001\rT1abcdef02ff0a\r').frames.map(brief)).toEqual(['std data 4A2 [8] DEADBEEFCAFE0001', 'ext data 1ABCDEF0 [2] FF0A'])
  })

  it('keeps a Nakakiyo remote DLC 9..F as length 8 with the raw DLC', () => {
    expect(parse('r100F\r').frames.map(brief)).toEqual(['std rtr 100 [8] dlc=15'])
  })

  it('reads a Nakakiyo z-prefixed Tx event as a frame marked tx', () => {
    expect(parse('zt10020011\rZT0000010020011\r').frames.map(brief)).toEqual(['std data 100 [2] 0011 tx', 'ext data 100 [2] 0011 tx'])
  })

  it('counts malformed frame lines as bad and keeps going', () => {
    const bad = [
      't4209001122334455667788', // classic DLC 9
      't420800112233445566', // data shorter than the DLC
      't42020011223344', // longer than the DLC, not a 4- or 8-digit stamp
      't42', // no DLC
      't8001AA', // 11-bit id above 0x7FF
      'T200000001AA', // 29-bit id above 0x1FFFFFFF
      't42G1AA', // non-hex id
      't4201AG', // non-hex data
      't4201AA12G4', // non-hex stamp
      'd7E0G', // non-hex FD DLC
      'x1234', // unknown letter
      'hello', // prose without a space is not a reply either
    ]
    const {frames, stats, events} = parse(bad.map((l) => l + '\r').join('') + 't1230\r')
    expect(frames.map(brief)).toEqual(['std data 123 [0]'])
    expect(stats.badLines).toBe(bad.length)
    expect(stats.garbageBytes).toBe(bad.join('').length)
    expect(events.filter((e) => e.kind === 'bad-line').map((e) => e.kind === 'bad-line' && e.text)).toEqual(bad)
  })

  it('skips the LF of \\r\\n line ends without counting it', () => {
    const {frames, stats} = parse('t1230\r\nt1241AA\r\n')
    expect(frames.map(brief)).toEqual(['std data 123 [0]', 'std data 124 [1] AA'])
    expect(stats).toMatchObject({acks: 0, badLines: 0, garbageBytes: 0})
  })
})

describe('SlcanParser: replies and events', () => {
  it('bare \\r is an ack, BEL a nack, z/Z transmit acks', () => {
    const {events, stats} = parse('\r\x07z\rZ\r\x07\x07')
    expect(events).toEqual([{kind: 'ack'}, {kind: 'nack'}, {extended: false, kind: 'tx-ack'}, {extended: true, kind: 'tx-ack'}, {kind: 'nack'}, {kind: 'nack'}])
    expect(stats).toMatchObject({acks: 1, badLines: 0, frames: 0, nacks: 3, txAcks: 2})
  })

  it('BEL also ends a line, as in the Linux kernel: the frame before it counts, and so does the nack', () => {
    const {frames, stats} = parse('t1230\x07t1241AA\r')
    expect(frames.map(brief)).toEqual(['std data 123 [0]', 'std data 124 [1] AA'])
    expect(stats.nacks).toBe(1)
  })

  it('reads Fxx status replies and keeps the last flags', () => {
    const {events, stats} = parse('F00\rFA4\r')
    expect(events).toEqual([
      {flags: 0, kind: 'status'},
      {flags: 0xa4, kind: 'status'},
    ])
    expect(stats).toMatchObject({lastStatusFlags: 0xa4, statusReplies: 2})
  })

  it('reads the V replies of each family and the N serial', () => {
    const {events, stats} = parse(
      'V1013\rVL2K1\rNA123\r+Board: MksMakerbase\tMCU: STM32G431\tDevID: 1128\tFirmware: 2427156\tSlcan: 100\tClock: 160\tLimits: 512,256,128,128,32,32,16,16\rba6b1dd https://github.com/normaldotcom/canable2-fw.git\r',
    )
    expect(events.map((e) => e.kind)).toEqual(['version', 'version', 'serial', 'version', 'text'])
    expect(events[4]).toEqual({kind: 'text', text: 'ba6b1dd https://github.com/normaldotcom/canable2-fw.git'})
    expect(stats).toMatchObject({badLines: 0, frames: 0, serialReplies: 1, textLines: 1, versionReplies: 3})
  })

  it('does not mistake a stock version line that starts with a frame letter for a frame', () => {
    const {frames, events} = parse('d0a1b2c https://github.com/normaldotcom/canable-fw.git\r')
    expect(frames).toEqual([])
    expect(events[0]?.kind).toBe('text')
  })

  it('counts Linux kernel e (bus error) and s (state) lines', () => {
    const {events, stats} = parse('e1a\re3bcs\rsa057033\rsb255128\re9aaaaaaaaa\rsx000000\r')
    expect(events.slice(0, 4)).toEqual([
      {errors: ['ack'], kind: 'bus-error'},
      {errors: ['bit0', 'crc', 'stuff'], kind: 'bus-error'},
      {kind: 'bus-state', rxErrors: 57, state: 'active', txErrors: 33},
      {kind: 'bus-state', rxErrors: 255, state: 'bus-off', txErrors: 128},
    ])
    expect(stats).toMatchObject({badLines: 2, busErrors: 2, busStates: 2})
  })

  it('reads CANable 2.5 feedback and debug lines as text', () => {
    const {stats} = parse('#\r#9\r>Debug message\r')
    expect(stats).toMatchObject({badLines: 0, textLines: 3})
  })

  it('splits the stock E reply (no terminator) off the frame glued to it', () => {
    const {events, frames, stats} = parse('CANable Error Register: 4t1241AA\rCANable Error Register: 1BB000000122ABCD\rCANable Error Register: 0\r')
    expect(frames.map(brief)).toEqual(['std data 124 [1] AA', 'ext fd+brs 12 [2] ABCD'])
    expect(events.filter((e) => e.kind === 'error-register')).toEqual([
      {kind: 'error-register', value: 4},
      {kind: 'error-register', value: 0x1b},
      {kind: 'error-register', value: 0},
    ])
    expect(stats.badLines).toBe(0)
  })
})

describe('SlcanParser: chunking and bounds', () => {
  const stream = 't42080011223344556677\rT1FFFFFFF2AABB\r\x07z\rd7E09112233445566778899AABBCC\rF04\rt1230EA5F\r'

  it('gives the same result for a split at every byte offset, and for byte-by-byte reads', () => {
    const whole = parse(stream)
    expect(whole.frames).toHaveLength(4)
    for (let cut = 1; cut < stream.length; cut++) {
      const split = parseChunks([stream.slice(0, cut), stream.slice(cut)])
      expect(split.frames.map(brief), `cut at ${cut}`).toEqual(whole.frames.map(brief))
      expect(split.events, `cut at ${cut}`).toEqual(whole.events)
    }
    const single = parseChunks([...stream])
    expect(single.frames.map(brief)).toEqual(whole.frames.map(brief))
    expect(single.stats).toEqual(whole.stats)
  })

  it('stops when the batch is full and resumes from the returned offset without loss', () => {
    const parser = new SlcanParser()
    const batch = new FrameBatch(2)
    const data = bytes('t1000\rt1010\rt1020\rt1030\rt1040\r')
    expect(parser.feed(data, HOST_US, batch)).toBe(12)
    expect(batch.full).toBe(true)
    expect(parser.feed(data, HOST_US, batch, 12)).toBe(12) // no room: nothing consumed
    batch.clear()
    expect(parser.feed(data, HOST_US, batch, 12)).toBe(24)
    batch.clear()
    expect(parser.feed(data, HOST_US, batch, 24)).toBe(data.length)
    expect(Array.from(batch.id.subarray(0, batch.length))).toEqual([0x104])
    expect(parser.stats.frames).toBe(5)
  })

  it('cuts over-long lines, counts them once, and recovers at the next terminator', () => {
    const long = 't123' + '0'.repeat(MAX_LINE)
    const {frames, stats} = parseChunks([long.slice(0, 100), long.slice(100, 150), long.slice(150) + '\rt1241AA\r'])
    expect(frames.map(brief)).toEqual(['std data 124 [1] AA'])
    expect(stats).toMatchObject({badLines: 0, garbageBytes: long.length, overlongLines: 1})
  })

  it('parses a line of exactly MAX_LINE bytes (z + longest FD frame + Z2 stamp)', () => {
    const line = 'zB1FFFFFFFF' + 'AB'.repeat(64) + '0000ABCD'
    expect(line.length).toBe(MAX_LINE)
    expect(parse(line + '\r').frames.map(brief)).toEqual(['ext fd+brs 1FFFFFFF [64] ' + 'AB'.repeat(64) + ' tx'])
  })

  it('survives 100 KB of random bytes without terminators, then 1 MB with: bounded memory, counted, recovers', () => {
    let seed = 12345
    const random = (n: number, noTerminators: boolean): Uint8Array => {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0
        let b = seed >>> 24
        if (noTerminators && (b === 0x0d || b === 0x07)) b = 0x41
        out[i] = b
      }
      return out
    }
    const chunks: Uint8Array[] = []
    for (let i = 0; i < 25; i++) chunks.push(random(4096, true))
    chunks.push(bytes('\rt1241AA\r'))
    for (let i = 0; i < 256; i++) chunks.push(random(4096, false))
    chunks.push(bytes('\rt1251BB\r'))
    const parser = new SlcanParser()
    const batch = new FrameBatch()
    const before = process.memoryUsage().heapUsed
    for (const chunk of chunks) {
      let offset = 0
      while (offset < chunk.length) {
        offset = parser.feed(chunk, HOST_US, batch, offset)
        if (batch.full) batch.clear()
      }
    }
    const grown = process.memoryUsage().heapUsed - before
    const ids = Array.from(batch.id.subarray(0, batch.length))
    expect(ids.slice(-1)).toEqual([0x125])
    expect(ids).toContain(0x124)
    expect(parser.stats.overlongLines).toBeGreaterThan(0)
    expect(parser.stats.badLines).toBeGreaterThan(1000)
    // Every byte is accounted for: garbage, a terminator, or part of a frame line that parsed.
    expect(parser.stats.garbageBytes).toBeGreaterThan(1_000_000)
    expect(grown).toBeLessThan(16 * 1024 * 1024)
  })

  it('finish parses a whole frame left without a terminator and counts a partial one', () => {
    expect(parseChunks(['t1230\rt1241AA']).frames.map(brief)).toEqual(['std data 123 [0]', 'std data 124 [1] AA'])
    const partial = parseChunks(['t1230\rt1241A'])
    expect(partial.frames).toHaveLength(1)
    expect(partial.stats).toMatchObject({badLines: 1, garbageBytes: 6})
    expect(partial.events.at(-1)).toEqual({kind: 'bad-line', reason: 'partial', text: 't1241A'})
  })
})
