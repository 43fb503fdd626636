import {describe, expect, it} from 'vitest'

import {hex, readText} from './helpers.js'

const utc = {utcOffsetMinutes: 0}
const at = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => Date.UTC(y, mo - 1, d, h, mi, s, ms) * 1000

const CANOE = `date Sat Sep 30 10:06:13.191 PM 2017
base hex  timestamps absolute
internal events logged
// version 9.0.0
Begin Triggerblock Sat Sep 30 10:06:13.191 PM 2017
   0.000000 Start of measurement
   0.001234 1  123             Rx   d 8 00 11 22 33 44 55 66 77  Length = 272000 BitCount = 141 ID = 291
   0.002000 2  1234567x        Tx   d 2 AA bb
   0.003000 1  12              Rx   r
   0.003500 1  12              Rx   r 4
   0.004000 1  ErrorFrame
   0.004500 1  Statistic: D 0 R 0 XD 0 XR 0 E 0 O 0 B 0.00%
   0.004600 CAN 1 Status:chip status error active
   0.004700 1  321             TxRq d 1 00
   0.005000 CANFD   1 Rx      123  Engine_Data                      1 0 9 12 00 01 02 03 04 05 06 07 08 09 0a 0b    0    0     3000        0        0        0        0        0
   0.006000 CANFD   3 Tx      1abx                                  0 1 f 64 ${Array.from({length: 64}, () => 'ff').join(' ')}    0    0     5000        0        0        0        0        0
   0.007000 CANFD   1 Rx      456                                   0 0 8  8 01 02 03 04 05 06 07 08    0    0        0        0        0        0        0        0
   0.007500 CANFD   1 Rx      457                                   0 0 3  0    0    0       10        0        0        0        0        0
   0.008000 CANFD   1 Rx      ErrorFrame ECC: 10100010
   0.009000 1  7FF             Rx   d F 01 02 03 04 05 06 07 08
End TriggerBlock
`

describe('Vector ASC', () => {
  it('reads every kind of line CANoe writes, skipping events', async () => {
    const {frames, stats, format} = await readText(CANOE, utc)
    expect(format).toBe('asc')
    expect(stats).toMatchObject({badLines: 0, framesRead: 11, linesRead: 21, skippedLines: 10, timeBase: 'absolute'})
    const start = at(2017, 9, 30, 22, 6, 13, 191)
    const view = frames.map((f) => ({...f, data: hex(f.data)}))
    expect(view[0]).toEqual({brs: false, channel: 'can0', data: '0011223344556677', direction: 'rx', error: false, esi: false, extended: false, fd: false, id: 0x123, length: 8, remote: false, timestampUs: start + 1234})
    expect(view[1]).toMatchObject({channel: 'can1', data: 'aabb', direction: 'tx', extended: true, id: 0x1234567, timestampUs: start + 2000})
    expect(view[2]).toMatchObject({id: 0x12, length: 0, remote: true})
    expect(view[3]).toMatchObject({id: 0x12, length: 4, remote: true})
    expect(view[4]).toMatchObject({channel: 'can0', error: true, id: 0, length: 0, timestampUs: start + 4000})
    expect(view[5]).toMatchObject({brs: true, data: '000102030405060708090a0b', esi: false, fd: true, id: 0x123, length: 12})
    expect(view[6]).toMatchObject({brs: false, channel: 'can2', data: 'ff'.repeat(64), direction: 'tx', esi: true, extended: true, fd: true, id: 0x1ab, length: 64})
    // FD layout without the EDL flag: a classic frame; with RTR (0x10): a remote frame
    expect(view[7]).toMatchObject({data: '0102030405060708', fd: false, id: 0x456, length: 8})
    expect(view[8]).toMatchObject({fd: false, id: 0x457, length: 3, remote: true})
    expect(view[9]).toMatchObject({error: true, timestampUs: start + 8000})
    expect(view[10]).toMatchObject({data: '0102030405060708', length: 8, rawDlc: 15})
  })

  it('reads base dec, relative (delta) timestamps, German and 12 AM dates', async () => {
    const text = `date Mo Okt 22 12:07:43.500 am 2018
base dec  timestamps relative
no internal events logged
   0.100000 1  291             Rx   d 2 255 16
   0.000500 Start of measurement
   0.200000 1  4660x           Rx   d 1 1
`
    const {frames, stats} = await readText(text, utc)
    expect(stats).toMatchObject({badLines: 0, framesRead: 2})
    const start = at(2018, 10, 22, 0, 7, 43, 500)
    expect(frames.map((f) => [f.id, f.extended, hex(f.data), f.timestampUs])).toEqual([
      [291, false, 'ff10', start + 100_000],
      [4660, true, '01', start + 300_500],
    ])
  })

  it('keeps stamps relative without a date, and anchors them with startTimeUs over any date', async () => {
    const bare = '   1.000001 1  1  Rx d 0\n'
    const relative = await readText(bare)
    expect(relative.format).toBe('asc')
    expect(relative.stats.timeBase).toBe('relative')
    expect(relative.frames[0]!.timestampUs).toBe(1_000_001)
    const anchored = await readText(`date Sat Sep 30 10:06:13.191 PM 2017\n${bare}`, {startTimeUs: 5_000_000})
    expect(anchored.frames[0]!.timestampUs).toBe(6_000_001)
    const dated = await readText(`date Sat Sep 30 10:06:13 2017\n${bare}`, utc)
    expect(dated.frames[0]!.timestampUs).toBe(at(2017, 9, 30, 10, 6, 13, 0) + 1_000_001)
  })

  it('counts frame lines it cannot read as bad, with line numbers', async () => {
    const text = [
      'base hex  timestamps absolute', // 1
      '   0.1 1  12G             Rx   d 1 00', // 2 bad id
      '   0.2 1  800             Rx   d 1 00', // 3 11-bit id too big
      '   0.3 1  123             Rx   d 4 00 11', // 4 missing bytes
      '   0.4 1  123             Rx   d 1 XY', // 5 bad byte
      '   0.5 1  123             Rx   q 1 00', // 6 neither d nor r
      '   0.6 1  123             Rx   d G', // 7 bad dlc
      '   0.7 CANFD   1 Rx 123 1 0 9 13 00 00 00 00 00 00 00 00 00 00 00 00 00 0 0 3000 0 0 0 0 0', // 8 bad FD length
      '   0.8 CANFD   x Rx 123 1 0 1 1 00', // 9 bad channel
      '   0.9 CANFD   1 Rx 123 1 0', // 10 truncated
      '   1.0 1  123             Rx   d 1 00', // 11 good
    ].join('\n')
    const {stats} = await readText(text)
    expect(stats.framesRead).toBe(1)
    expect(stats.problems).toEqual([
      {line: 2, message: 'bad id "12G"'},
      {line: 3, message: 'id "800" is out of range'},
      {line: 4, message: '2 data bytes, expected 4'},
      {line: 5, message: 'bad data byte "XY"'},
      {line: 6, message: 'expected "d" or "r" after Rx, not "q"'},
      {line: 7, message: 'bad DLC "G"'},
      {line: 8, message: '13 is not a CAN FD length (0..8, 12, 16, 20, 24, 32, 48, 64)'},
      {line: 9, message: 'bad channel "x" in a CANFD line'},
      {line: 10, message: 'bad DLC or data length in a CANFD line'},
    ])
  })
})
