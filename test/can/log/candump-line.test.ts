import {describe, expect, it} from 'vitest'

import {FrameBatch, type FrameInit} from '../../../src/lib/can/index.js'
import {formatCandumpLine, parseCandumpLine} from '../../../src/lib/can/log/index.js'
import {hex} from './helpers.js'

/** The frame on a line, with its payload as hex for readable expectations. */
function frameOf(line: string) {
  const result = parseCandumpLine(line)
  if (result.kind !== 'frame') throw new Error(`expected a frame from ${JSON.stringify(line)}, got ${JSON.stringify(result)}`)
  const {data, ...rest} = result.frame
  return {...rest, data: hex(data)}
}

const base = {brs: false, error: false, esi: false, extended: false, fd: false, remote: false}

describe('parseCandumpLine: the candump -l grammar', () => {
  it.each([
    ['(1436509052.249713) vcan0 044#2A366C2BBA', {...base, channel: 'vcan0', data: '2a366c2bba', id: 0x44, length: 5, timestampUs: 1436509052249713}],
    ['(1436509052.249713) can0 12345678#112233', {...base, channel: 'can0', data: '112233', extended: true, id: 0x12345678, length: 3, timestampUs: 1436509052249713}],
    ['(1436509052.249713) can0 123#', {...base, channel: 'can0', data: '', id: 0x123, length: 0, timestampUs: 1436509052249713}],
    ['(1436509052.249713) can0 00000123#11', {...base, channel: 'can0', data: '11', extended: true, id: 0x123, length: 1, timestampUs: 1436509052249713}],
    ['(1436509052.249713) can0 7FF#aabbccddeeff0011', {...base, channel: 'can0', data: 'aabbccddeeff0011', id: 0x7ff, length: 8, timestampUs: 1436509052249713}],
    ['(1436509052.249713) can0 123#11.22.33', {...base, channel: 'can0', data: '112233', id: 0x123, length: 3, timestampUs: 1436509052249713}],
    ['(1436509052.249713) can0 1fffffff#', {...base, channel: 'can0', data: '', extended: true, id: 0x1fffffff, length: 0, timestampUs: 1436509052249713}],
  ])('%s', (line, expected) => {
    expect(frameOf(line)).toEqual(expected)
  })

  it('reads remote frames with and without a length, and with a raw DLC', () => {
    expect(frameOf('(1.000000) can0 123#R')).toMatchObject({data: '', id: 0x123, length: 0, remote: true})
    expect(frameOf('(1.000000) can0 123#R7')).toMatchObject({data: '', length: 7, remote: true})
    expect(frameOf('(1.000000) can0 123#r0')).toMatchObject({length: 0, remote: true})
    expect(frameOf('(1.000000) can0 123#R8_E')).toMatchObject({length: 8, rawDlc: 14, remote: true})
    expect(frameOf('(1.000000) can0 12345678#R3')).toMatchObject({extended: true, length: 3, remote: true})
  })

  it('reads the raw DLC of an 8-byte classic frame', () => {
    expect(frameOf('(1.000000) can0 123#1122334455667788_E')).toMatchObject({data: '1122334455667788', length: 8, rawDlc: 14})
    expect(frameOf('(1.000000) can0 123#1122334455667788_9')).toMatchObject({rawDlc: 9})
    expect(frameOf('(1.000000) can0 123#1122334455667788_f')).toMatchObject({rawDlc: 15})
  })

  it('reads CAN FD flags old (##0/##1) and new (##4/##5, FDF set) and every valid length', () => {
    expect(frameOf('(1.000000) can0 123##0')).toMatchObject({brs: false, esi: false, fd: true, length: 0})
    expect(frameOf('(1.000000) can0 123##1112233')).toMatchObject({brs: true, data: '112233', esi: false, fd: true, length: 3})
    expect(frameOf('(1.000000) can0 123##2')).toMatchObject({brs: false, esi: true, fd: true})
    expect(frameOf('(1.000000) can0 123##3')).toMatchObject({brs: true, esi: true, fd: true})
    expect(frameOf('(1.000000) can0 123##4')).toMatchObject({brs: false, esi: false, fd: true, length: 0})
    expect(frameOf('(1.000000) can0 123##5AA')).toMatchObject({brs: true, data: 'aa', fd: true})
    expect(frameOf('(1.000000) can0 123##7')).toMatchObject({brs: true, esi: true, fd: true})
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]) {
      expect(frameOf(`(1.000000) can0 12345678##4${'A5'.repeat(n)}`)).toMatchObject({data: 'a5'.repeat(n), extended: true, fd: true, length: n})
    }
  })

  it('reads error frames: CAN_ERR_FLAG set, class bits kept in the id', () => {
    expect(frameOf('(1.000000) can0 20000080#0000000000000000')).toMatchObject({data: '0000000000000000', error: true, extended: false, id: 0x80, length: 8})
    expect(frameOf('(1.000000) can0 20000004#0004000000000000')).toMatchObject({error: true, id: 0x4})
  })

  it('reads direction flags, padded interface names, CRLF and surrounding blanks', () => {
    expect(frameOf('(1.000000) can0 123#11 R')).toMatchObject({direction: 'rx'})
    expect(frameOf('(1.000000) can0 123#11 T')).toMatchObject({direction: 'tx'})
    expect(frameOf('(1.000000) can0 123#11   T  ')).toMatchObject({direction: 'tx'})
    expect(frameOf('(1.000000)  vcan0 123#11')).toMatchObject({channel: 'vcan0'})
    expect(frameOf('(1.000000)    can0 123#11')).toMatchObject({channel: 'can0'})
    expect(frameOf('(1.000000) can0 123#11\r')).toMatchObject({data: '11'})
    expect(frameOf('  (1.000000)\tcan0\t123#11')).toMatchObject({channel: 'can0', data: '11'})
  })

  it('reads 6- and 9-digit fractions, relative and unpadded (python-can %f) seconds', () => {
    expect(frameOf('(1436509052.249713) can0 123#')).toMatchObject({timestampUs: 1436509052249713})
    expect(frameOf('(1436509052.249713123) can0 123#')).toMatchObject({subMicroNs: 123, timestampUs: 1436509052249713})
    expect(frameOf('(1436509052.249713000) can0 123#').subMicroNs).toBeUndefined()
    expect(frameOf('(000.123456) can0 123#')).toMatchObject({timestampUs: 123456})
    expect(frameOf('(0.000000) can0 123#')).toMatchObject({timestampUs: 0})
    expect(frameOf('(12.5) can0 123#')).toMatchObject({timestampUs: 12_500_000})
    expect(frameOf('(0662688000.000001) can0 123#')).toMatchObject({timestampUs: 662688000000001})
  })

  it('skips lines that are not frames by design', () => {
    for (const line of ['', '   ', '\r', 'DROPCOUNT: 3 frames lost', '# a comment', '// a comment', '; a comment', 'Warning-2: x']) {
      expect(parseCandumpLine(line), JSON.stringify(line)).toEqual({kind: 'skipped'})
    }
  })

  it.each([
    ['(1594172462.126542) vcan0 064#F001FFFFFFFFFFFFFFFF', '10 data bytes in a classic CAN frame (at most 8)'],
    ['(1594172462.127684) vcan0 ERROR', 'expected "<hex id>#<data>" after the interface name, not "ERROR"'],
    ['(1.000000) can0 123#112', 'odd number of hex digits in the data'],
    ['(1.000000) can0 123#11223', 'odd number of hex digits in the data'],
    ['(1.000000) can0 800#11', '11-bit id 800 is above 7FF'],
    ['(1.000000) can0 123456789#11', 'id has more than 8 hex digits'],
    ['(1.000000) can0 #11', 'missing id before "#"'],
    ['(1.000000) can0 12G#11', 'expected "<hex id>#<data>" after the interface name, not "12G#11"'],
    ['(1.000000) can0 40000000#', 'id is above 29 bits'],
    ['(1.000000) can0 123##', 'missing CAN FD flags after "##"'],
    ['(1.000000) can0 123##4112233445566778899', '9 is not a CAN FD length (0..8, 12, 16, 20, 24, 32, 48, 64)'],
    [`(1.000000) can0 123##4${'00'.repeat(65)}`, '65 data bytes in a CAN FD frame (at most 64)'],
    ['(1.000000) can0 123#1122_E', 'a raw DLC "_9".."_F" needs 8 data bytes'],
    ['(1.000000) can0 123#1122334455667788_8', 'a raw DLC "_9".."_F" needs 8 data bytes'],
    ['(1.000000) can0 123#R7_E', 'a raw DLC "_9".."_F" needs a length of 8'],
    ['(1.000000) can0 123#R9', 'unexpected "9" after the frame'],
    ['(1.000000) can0 123#11 X', 'unexpected text after the frame (only " R" or " T" may follow)'],
    ['(1.000000) can0 123#11 R T', 'unexpected text after the frame (only " R" or " T" may follow)'],
    ['(160.132974) can0 4E1#FFA97(160.132974) can0 5E1#00', 'odd number of hex digits in the data'],
    ['(160.132974) can0 4E1#FFA9(160.132974) can0 5E1#00', 'unexpected "(" after the frame'],
    ['(1436509052.2497', 'timestamp fraction must be 1 to 9 digits followed by ")"'],
    ['(1436509052.249713) can0', 'missing frame after the interface name'],
    ['(1436509052.249713)', 'expected a space after the timestamp'],
    ['(1436509052) can0 123#', 'timestamp must be "(seconds.fraction)"'],
    ['(1.1234567890) can0 123#', 'timestamp fraction must be 1 to 9 digits followed by ")"'],
    ['(12345678901.000000) can0 123#', 'timestamp has more than 10 digits of seconds'],
    ['(9999999999.000000) can0 123#', 'timestamp is out of range'],
    ['(1.000000)can0 123#', 'expected a space after the timestamp'],
    ['(1.000000) can0 12345#01:00:00000000#', 'CAN XL frames are not supported'],
    ['0.132974) can0 123#11', 'not a candump frame line (expected "(timestamp) interface frame")'],
    ['  vcan0  1F0   [8]  80 4A 0F 00 00 00 00 00', 'not a candump frame line (expected "(timestamp) interface frame")'],
  ])('bad: %s', (line, message) => {
    expect(parseCandumpLine(line)).toEqual({kind: 'bad', message})
  })
})

describe('formatCandumpLine: exactly what candump -l prints', () => {
  const line = (frame: FrameInit, options = {}) => {
    const batch = new FrameBatch(1)
    batch.push(frame)
    return formatCandumpLine(batch, 0, options)
  }
  const t = 1436509052249713

  it.each([
    [{channel: 'vcan0', data: [0x2a, 0x36, 0x6c, 0x2b, 0xba], id: 0x44, timestampUs: t}, '(1436509052.249713) vcan0 044#2A366C2BBA'],
    [{channel: 'can0', data: [0x11, 0x22, 0x33], extended: true, id: 0x12345678, timestampUs: t}, '(1436509052.249713) can0 12345678#112233'],
    [{channel: 'can0', id: 0x123, length: 0, remote: true, timestampUs: t}, '(1436509052.249713) can0 123#R'],
    [{channel: 'can0', id: 0x123, length: 7, remote: true, timestampUs: t}, '(1436509052.249713) can0 123#R7'],
    [{channel: 'can0', id: 0x123, length: 8, rawDlc: 14, remote: true, timestampUs: t}, '(1436509052.249713) can0 123#R8_E'],
    [{channel: 'can0', data: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88], id: 0x123, rawDlc: 14, timestampUs: t}, '(1436509052.249713) can0 123#1122334455667788_E'],
    [{brs: true, channel: 'can0', data: [0x11, 0x22, 0x33], fd: true, id: 0x123, timestampUs: t}, '(1436509052.249713) can0 123##5112233'],
    [{channel: 'can0', fd: true, id: 0x123, timestampUs: t}, '(1436509052.249713) can0 123##4'],
    [{brs: true, channel: 'can0', esi: true, fd: true, id: 0x123, timestampUs: t}, '(1436509052.249713) can0 123##7'],
    [{channel: 'can0', data: [0, 0, 0, 0, 0, 0, 0, 0], error: true, id: 0x80, timestampUs: t}, '(1436509052.249713) can0 20000080#0000000000000000'],
    [{channel: 'can0', data: [0x11, 0x22], direction: 'rx' as const, id: 0x123, timestampUs: t}, '(1436509052.249713) can0 123#1122 R'],
    [{channel: 'can0', data: [0x11, 0x22], direction: 'tx' as const, id: 0x123, timestampUs: t}, '(1436509052.249713) can0 123#1122 T'],
    [{data: [0xab], id: 0x1, timestampUs: t}, '(1436509052.249713) can0 001#AB'],
    [{channel: 'can0', id: 0x1, timestampUs: t, subMicroNs: 7}, '(1436509052.249713007) can0 001#'],
    [{channel: 'can0', id: 0x1, timestampUs: 123456}, '(000.123456) can0 001#'],
    [{channel: 'can0', id: 0x1, timestampUs: 1234_000001}, '(1234.000001) can0 001#'],
    [{channel: 'can0', id: 0x1, timestampUs: 662688000_000000}, '(0662688000.000000) can0 001#'],
  ])('%o', (frame, expected) => {
    expect(line(frame)).toBe(expected)
  })

  it('honours the fraction and default channel options', () => {
    expect(line({id: 1, timestampUs: t}, {fraction: 9})).toBe('(1436509052.249713000) can0 001#')
    expect(line({id: 1, subMicroNs: 999, timestampUs: t}, {fraction: 6})).toBe('(1436509052.249713) can0 001#')
    expect(line({id: 1, timestampUs: t}, {defaultChannel: 'vcan3'})).toBe('(1436509052.249713) vcan3 001#')
  })
})
