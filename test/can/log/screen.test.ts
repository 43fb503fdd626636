import {describe, expect, it} from 'vitest'

import {hex, readText} from './helpers.js'

const opts = {format: 'candump-screen' as const, utcOffsetMinutes: 0}

describe('candump screen output', () => {
  it('reads every line form candump prints', async () => {
    const text = [
      '  vcan0  1F0   [8]  80 4A 0F 00 00 00 00 00',
      '  can0  RX B -  123  [12]  11 22 33 44 55 66 77 88 99 AA BB CC',
      '  can0  TX - E  12345678  [08]  01 02 03 04 05 06 07 08',
      '  can0  RX - -  123   [3]  01 02 03',
      '  can0  123   [4]  remote request',
      '  can0  123   {E}  11 22 33 44 55 66 77 88',
      '  can0  123   {3}  11 22 33',
      '  can0  20000080   [8]  00 00 00 00 00 00 00 00   ERRORFRAME',
      '\tbus-error',
      '  can0  321   [2]  41 42                     \'AB\'',
      '  vcan0  12333 [064]  ' + Array.from({length: 64}, (_, k) => (k === 0 ? '02' : '00')).join(' '),
      '  can0  7ff   [0] ',
      '',
    ].join('\n')
    const {frames, stats, format} = await readText(text, {utcOffsetMinutes: 0})
    expect(format).toBe('candump-screen')
    expect(stats).toMatchObject({badLines: 0, framesRead: 11, linesRead: 12, skippedLines: 1, timeBase: 'none'})
    const view = frames.map((f) => ({...f, data: hex(f.data)}))
    expect(view[0]).toMatchObject({channel: 'vcan0', data: '804a0f0000000000', extended: false, fd: false, id: 0x1f0, length: 8, timestampUs: 0})
    expect(view[1]).toMatchObject({brs: true, data: '112233445566778899aabbcc', direction: 'rx', esi: false, fd: true, length: 12})
    expect(view[2]).toMatchObject({brs: false, direction: 'tx', esi: true, extended: true, fd: true, id: 0x12345678, length: 8})
    expect(view[3]).toMatchObject({data: '010203', direction: 'rx', fd: false, length: 3})
    expect(view[4]).toMatchObject({data: '', length: 4, remote: true})
    expect(view[5]).toMatchObject({data: '1122334455667788', length: 8, rawDlc: 14})
    expect(view[6]).toMatchObject({data: '112233', length: 3})
    expect(view[6]!.rawDlc).toBeUndefined()
    expect(view[7]).toMatchObject({error: true, extended: false, id: 0x80, length: 8})
    expect(view[8]).toMatchObject({data: '4142', id: 0x321})
    expect(view[9]).toMatchObject({extended: true, fd: true, id: 0x12333, length: 64})
    expect(view[10]).toMatchObject({data: '', id: 0x7ff, length: 0})
  })

  it('reads -ta epoch, -tA dates (in the given zone) and -tz relative stamps', async () => {
    const ta = await readText(' (1594172461.968006)  vcan0  0C8   [1]  F0\n (1594172462.000001)  vcan0  0C8   [1]  F1', opts)
    expect(ta.frames.map((f) => f.timestampUs)).toEqual([1594172461968006, 1594172462000001])
    const tA = await readText(' (2020-12-19 12:04:45.485261)  vcan0  0C8   [1]  F0', {...opts, utcOffsetMinutes: 60})
    expect(tA.frames[0]!.timestampUs).toBe(Date.UTC(2020, 11, 19, 11, 4, 45) * 1000 + 485261)
    const local = await readText(' (2020-12-19 12:04:45.485261)  vcan0  0C8   [1]  F0', {format: 'candump-screen'})
    expect(local.frames[0]!.timestampUs).toBe(new Date(2020, 11, 19, 12, 4, 45).getTime() * 1000 + 485261)
    const tz = await readText(' (000.000000)  vcan0  0C8   [1]  F0\n (000.100000)  vcan0  0C8   [1]  F0\n (000.200000)  vcan0  0C8   [1]  F0', opts)
    expect(tz.frames.map((f) => f.timestampUs)).toEqual([0, 100_000, 200_000])
    expect(tz.stats.timeBase).toBe('relative')
  })

  it('tells -td deltas from -tz on the first batch, or as told, and anchors with startTimeUs', async () => {
    const td = [' (000.000000)  can0  001   [0] ', ' (000.100000)  can0  001   [0] ', ' (000.050000)  can0  001   [0] ', ' (000.070000)  can0  001   [0] ']
    const auto = await readText(td.join('\n'), opts)
    expect(auto.frames.map((f) => f.timestampUs)).toEqual([0, 100_000, 150_000, 220_000])
    const small = await readText(td.join('\n'), {...opts, batchSize: 2})
    expect(small.frames.map((f) => f.timestampUs)).toEqual([0, 100_000, 150_000, 220_000])
    const sinceStart = await readText(td.join('\n'), {...opts, relativeStamps: 'since-start'})
    expect(sinceStart.frames.map((f) => f.timestampUs)).toEqual([0, 100_000, 50_000, 70_000])
    const tz = [' (000.000000)  can0  001   [0] ', ' (000.100000)  can0  001   [0] ', ' (000.150000)  can0  001   [0] ']
    const forced = await readText(tz.join('\n'), {...opts, relativeStamps: 'delta'})
    expect(forced.frames.map((f) => f.timestampUs)).toEqual([0, 100_000, 250_000])
    const anchored = await readText(td.join('\n'), {...opts, startTimeUs: 1_000_000_000_000_000})
    expect(anchored.frames.map((f) => f.timestampUs - 1_000_000_000_000_000)).toEqual([0, 100_000, 150_000, 220_000])
    expect(anchored.stats.timeBase).toBe('absolute')
  })

  it('decides on the first 256 frames whatever the batch size, and yields every batch in order', async () => {
    const deltas = Array.from({length: 600}, (_, k) => (k === 0 ? 0 : k % 2 ? 1000 : 500))
    const text = deltas.map((d, k) => ` (000.${String(d).padStart(6, '0')})  can0  ${(k % 0x800).toString(16).padStart(3, '0')}   [0] `).join('\n')
    const {batches, frames} = await readText(text, {...opts, batchSize: 16})
    expect(batches.every((b) => b.length === 16 || b === batches.at(-1))).toBe(true)
    expect(frames.map((f) => f.id)).toEqual(deltas.map((_, k) => k % 0x800))
    let sum = 0
    expect(frames.map((f) => f.timestampUs)).toEqual(deltas.map((d) => (sum += d)))
  })

  it('counts malformed lines as bad with their line numbers', async () => {
    const text = [
      '  can0  123   [3]  01 02', // 1 too few bytes
      '  can0  123   [2]  01 02 03', // 2 too many
      '  can0  123   [9]  01 02 03 04 05 06 07 08 09', // 3 classic > 8
      '  can0  123  [13]  ' + '00 '.repeat(13), // 4 bad FD length
      '  can0  800   [1]  01', // 5 11-bit id too big
      '  can0  123   [1]  0G', // 6 bad byte
      '  can0  123   [1]  01', // 7 good
      ' (2020-12-19 12:04:45.485261)  can0  123   [1]  01', // 8 stamp kind differs
      'garbage', // 9
      ' (abc)  can0  123   [1]  01', // 10 bad stamp
      '  can0  123  [12]  remote request', // 11 FD remote
    ].join('\n')
    const {stats} = await readText(text, opts)
    expect(stats.framesRead).toBe(1)
    expect(stats.problems).toEqual([
      {line: 1, message: 'length [3] but 2 data bytes'},
      {line: 2, message: 'length [2] but 3 data bytes'},
      {line: 3, message: 'length 9 in a classic CAN frame (at most 8)'},
      {line: 4, message: '13 is not a CAN FD length (0..8, 12, 16, 20, 24, 32, 48, 64)'},
      {line: 5, message: '11-bit id 800 is above 7FF'},
      {line: 6, message: 'length [1] but 0 data bytes'},
      {line: 8, message: 'absolute timestamp in a log whose first frame had a none one'},
      {line: 9, message: 'not a candump screen line (expected "interface id [length] data")'},
      {line: 10, message: 'bad timestamp "(abc)"'},
      {line: 11, message: 'a CAN FD frame cannot be a remote request'},
    ])
  })
})
