import {readFileSync} from 'node:fs'
import path from 'node:path'
import {PassThrough, Writable} from 'node:stream'

import {afterAll, describe, expect, it} from 'vitest'

import {FrameBatch} from '../../../src/lib/can/index.js'
import {AscWriter, CandumpWriter} from '../../../src/lib/can/log/index.js'
import {tempDir} from './helpers.js'

const tmp = tempDir()
afterAll(tmp.remove)

function batchOf(n: number, channels: string[] = []): FrameBatch {
  const batch = new FrameBatch(n, channels)
  for (let i = 0; i < n; i++) batch.push({channel: `can${i % 2}`, data: [i & 0xff, 0xaa], id: i & 0x7ff, timestampUs: 1_600_000_000_000_000 + i})
  return batch
}

describe('CandumpWriter', () => {
  it('writes a path and closes it', async () => {
    const file = path.join(tmp.dir, 'out.log')
    const writer = new CandumpWriter(file)
    await writer.write(batchOf(3))
    await writer.write(new FrameBatch(1))
    await writer.close()
    expect(writer.framesWritten).toBe(3)
    expect(readFileSync(file, 'utf8')).toBe(
      '(1600000000.000000) can0 000#00AA\n(1600000000.000001) can1 001#01AA\n(1600000000.000002) can0 002#02AA\n',
    )
  })

  it('leaves a given stream open unless asked to end it', async () => {
    const open = new PassThrough()
    const writer = new CandumpWriter(open)
    await writer.write(batchOf(1))
    await writer.close()
    expect(open.writableEnded).toBe(false)
    const ended = new PassThrough()
    ended.resume()
    const closing = new CandumpWriter(ended, {end: true})
    await closing.write(batchOf(1))
    await closing.close()
    expect(ended.writableFinished).toBe(true)
    expect(() => closing.write(batchOf(1))).toThrow('write after close')
  })

  it('returns a promise under backpressure that resolves on drain, losing nothing', async () => {
    const chunks: Buffer[] = []
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk)
        setTimeout(done, 1)
      },
    })
    const writer = new CandumpWriter(slow, {end: true})
    const pending = writer.write(batchOf(100))
    expect(pending).toBeInstanceOf(Promise)
    await pending
    await writer.write(batchOf(100))
    await writer.close()
    expect(Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean)).toHaveLength(200)
  })

  it('surfaces a stream error on the next call', async () => {
    const broken = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error('disk full'))
      },
    })
    const writer = new CandumpWriter(broken, {end: true})
    await Promise.resolve(writer.write(batchOf(1))).catch(() => undefined)
    await new Promise((resolve) => setImmediate(resolve))
    expect(() => writer.write(batchOf(1))).toThrow('disk full')
    await expect(writer.close()).rejects.toThrow('disk full')
  })
})

describe('AscWriter', () => {
  it('writes the python-can layout, dated at the first frame to the millisecond', async () => {
    const file = path.join(tmp.dir, 'out.asc')
    const writer = new AscWriter(file, {utcOffsetMinutes: 0})
    const batch = new FrameBatch(4)
    const t0 = Date.UTC(2017, 8, 30, 22, 6, 13, 191) * 1000 + 456
    batch.push({channel: 'can0', data: [0x11, 0x22], direction: 'rx', id: 0x123, timestampUs: t0})
    batch.push({channel: 'can1', direction: 'tx', extended: true, id: 0x1234, length: 8, rawDlc: 15, remote: true, timestampUs: t0 + 1000})
    batch.push({brs: true, channel: 'can0', data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], fd: true, id: 0x7ff, timestampUs: t0 + 2_000_000})
    batch.push({channel: 'can0', error: true, id: 0x80, timestampUs: t0 + 3_000_000})
    await writer.write(batch)
    await writer.close()
    expect(readFileSync(file, 'utf8')).toBe(
      [
        'date Sat Sep 30 10:06:13.191 PM 2017',
        'base hex  timestamps absolute',
        'internal events logged',
        '// version 9.0.0',
        'Begin Triggerblock Sat Sep 30 10:06:13.191 PM 2017',
        '   0.000000 Start of measurement',
        '   0.000456 1  123             Rx   d 2 11 22',
        '   0.001456 2  1234x           Tx   r F',
        `   2.000456 CANFD   1 Rx        7FF${' '.repeat(34)} 1 0 9 12 01 02 03 04 05 06 07 08 09 0A 0B 0C        0    0     3000        0        0        0        0        0`,
        '   3.000456 1  ErrorFrame',
        'End TriggerBlock',
        '',
      ].join('\n'),
    )
  })
})
