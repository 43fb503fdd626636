import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {Readable} from 'node:stream'
import {gzipSync} from 'node:zlib'

import {afterAll, describe, expect, it} from 'vitest'

import {InputDataError, UsageError} from '../../../src/lib/errors.js'
import {readCanLog} from '../../../src/lib/can/log/index.js'
import {hex, readAll, readText, tempDir} from './helpers.js'

const LOG = [
  '(1436509052.249713) vcan0 044#2A366C2BBA', // 1
  'DROPCOUNT: 2 frames lost', // 2
  '(1436509052.249800) vcan0 12345678#R', // 3
  '', // 4
  '(1436509052.249900) vcan0 064#F001FFFFFFFFFFFFFFFF', // 5 bad: 10 bytes
  '(1436509052.250000)  can10 123##5112233 T', // 6
  '(1436509052.250100) vcan0 123#1122334455667788_E', // 7
  '(1436509052.250200) vcan0 4E1#FFA97(1436509052.250300) vcan0 5E1#00', // 8 bad: glued
  '(1436509052.250400) vcan0 20000080#0000000000000000', // 9
  '# comment', // 10
  '(1436509052.250500) vcan0 123#11', // 11, no final LF
].join('\n')

const tmp = tempDir()
afterAll(tmp.remove)

describe('readCanLog on candump logs', () => {
  it('reads frames, skips non-frame lines and counts bad ones with their line numbers', async () => {
    const {frames, stats, format} = await readText(LOG)
    expect(format).toBe('candump')
    expect(frames.map((f) => [f.id, f.channel, hex(f.data)])).toEqual([
      [0x44, 'vcan0', '2a366c2bba'],
      [0x12345678, 'vcan0', ''],
      [0x123, 'can10', '112233'],
      [0x123, 'vcan0', '1122334455667788'],
      [0x80, 'vcan0', '0000000000000000'],
      [0x123, 'vcan0', '11'],
    ])
    expect(stats).toEqual({
      badLines: 2,
      framesRead: 6,
      linesRead: 11,
      problems: [
        {line: 5, message: '10 data bytes in a classic CAN frame (at most 8)'},
        {line: 8, message: 'odd number of hex digits in the data'},
      ],
      skippedLines: 3,
      timeBase: 'absolute',
    })
  })

  it('gives the same result whatever the chunking (lines cut across chunks, CRLF, BOM)', async () => {
    const whole = await readText(LOG)
    const bytes = Buffer.from('\uFEFF' + LOG.replaceAll('\n', '\r\n'), 'utf8')
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks = Array.from({length: Math.ceil(bytes.length / size)}, (_, k) => bytes.subarray(k * size, (k + 1) * size))
      const cut = await readAll(Readable.from(chunks))
      expect(cut.frames, `chunks of ${size}`).toEqual(whole.frames)
      expect(cut.stats, `chunks of ${size}`).toEqual(whole.stats)
    }
  })

  it('yields batches of at most batchSize frames, each a fresh object sharing the channel list', async () => {
    const lines = Array.from({length: 10}, (_, k) => `(1.${String(k).padStart(6, '0')}) can${k % 3} 123#${k.toString(16).padStart(2, '0')}`)
    const {batches, frames} = await readText(lines.join('\n'), {batchSize: 4})
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2])
    expect(new Set(batches).size).toBe(3)
    expect(batches[0]!.channels).toBe(batches[2]!.channels)
    expect(frames.map((f) => f.channel)).toEqual(['can0', 'can1', 'can2', 'can0', 'can1', 'can2', 'can0', 'can1', 'can2', 'can0'])
    expect(frames.map((f) => f.timestampUs)).toEqual([1e6, 1e6 + 1, 1e6 + 2, 1e6 + 3, 1e6 + 4, 1e6 + 5, 1e6 + 6, 1e6 + 7, 1e6 + 8, 1e6 + 9])
  })

  it('keeps relative (-tz) stamps relative unless startTimeUs anchors them; absolute logs ignore it', async () => {
    const relative = '(000.000000) can0 123#\n(001.250000) can0 123#\n'
    const plain = await readText(relative)
    expect(plain.frames.map((f) => f.timestampUs)).toEqual([0, 1_250_000])
    expect(plain.stats.timeBase).toBe('relative')
    const anchored = await readText(relative, {startTimeUs: 1_600_000_000_000_000})
    expect(anchored.frames.map((f) => f.timestampUs)).toEqual([1_600_000_000_000_000, 1_600_000_001_250_000])
    expect(anchored.stats.timeBase).toBe('absolute')
    const absolute = await readText('(1436509052.249713) can0 123#\n', {startTimeUs: 5})
    expect(absolute.frames[0]!.timestampUs).toBe(1436509052249713)
  })

  it('keeps the first 100 problems and counts the rest', async () => {
    const lines = Array.from({length: 150}, (_, k) => (k % 2 ? '(1.000000) can0 123#1' : '(1.000000) can0 123#11'))
    const {stats} = await readText(lines.join('\n'))
    expect(stats.badLines).toBe(75)
    expect(stats.framesRead).toBe(75)
    expect(stats.problems).toHaveLength(75)
    const many = await readText(Array.from({length: 250}, () => '(1.000000) can0 123#1').join('\n'))
    expect(many.stats.badLines).toBe(250)
    expect(many.stats.problems).toHaveLength(100)
    expect(many.stats.problems[99]).toEqual({line: 100, message: 'odd number of hex digits in the data'})
  })

  it('reads a path, a gzip-compressed path and a gzip stream alike', async () => {
    const file = path.join(tmp.dir, 'plain.log')
    writeFileSync(file, LOG)
    writeFileSync(`${file}.gz`, gzipSync(LOG))
    const plain = await readAll(file)
    const zipped = await readAll(`${file}.gz`)
    const stream = await readAll(Readable.from([gzipSync(LOG)]))
    expect(zipped.frames).toEqual(plain.frames)
    expect(stream.frames).toEqual(plain.frames)
    expect(zipped.stats).toEqual(plain.stats)
  })

  it('reports a corrupt gzip stream as InputDataError, and reads string chunks', async () => {
    const corrupt = readCanLog(Readable.from([Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9])]), {name: 'bad.log.gz'})
    await expect(corrupt.format).rejects.toMatchObject({code: 'PW_LOG_UNREADABLE', exit: 65})
    const strings = await readAll(Readable.from(['(1.000000) can0 12', '3#11\n(1.000001) can0 124#22\n'], {objectMode: true}))
    expect(strings.frames.map((f) => [f.id, hex(f.data)])).toEqual([
      [0x123, '11'],
      [0x124, '22'],
    ])
  })

  it('resolves the format without iterating, and stops reading when the consumer breaks', async () => {
    const file = path.join(tmp.dir, 'many.log')
    writeFileSync(file, Array.from({length: 20_000}, (_, k) => `(1.${String(k % 1e6).padStart(6, '0')}) can0 123#11`).join('\n'))
    const reading = readCanLog(file, {batchSize: 100})
    expect(await reading.format).toBe('candump')
    for await (const batch of reading.batches) {
      expect(batch.length).toBe(100)
      break
    }
    expect(reading.stats.framesRead).toBeLessThan(20_000)
    expect(() => reading.batches[Symbol.asyncIterator]()).toThrow('only once')
  })

  it('treats an empty input as an empty log', async () => {
    const {frames, stats, format} = await readText('')
    expect(frames).toEqual([])
    expect(format).toBe('candump')
    expect(stats).toMatchObject({framesRead: 0, linesRead: 0})
    const file = path.join(tmp.dir, 'empty.asc')
    writeFileSync(file, '\n\n')
    expect((await readAll(file)).format).toBe('asc')
  })

  it('refuses input that is not a CAN log, naming it, with InputDataError', async () => {
    const reading = readCanLog(Readable.from([Buffer.from('hello world\nthis is not CAN\n')]), {name: 'notes.txt'})
    await expect(reading.format).rejects.toThrow(InputDataError)
    await expect(reading.format).rejects.toThrow('notes.txt is not a CAN log pitwall can read')
    await expect(reading.format).rejects.toMatchObject({code: 'PW_LOG_FORMAT', exit: 65})
    const again = readCanLog(Readable.from([Buffer.from('hello\n')]))
    await expect(async () => {
      for await (const _ of again.batches) void _
    }).rejects.toThrow('stdin is not a CAN log')
  })

  it('reports a missing file as InputDataError, and a bad batch size as UsageError', async () => {
    const missing = path.join(tmp.dir, 'nope.log')
    await expect(readCanLog(missing).format).rejects.toMatchObject({code: 'PW_LOG_UNREADABLE', message: `cannot read the CAN log ${missing}: ENOENT`})
    expect(() => readCanLog(missing, {batchSize: 0})).toThrow(UsageError)
    expect(() => readCanLog(missing, {batchSize: 4096})).toThrow('batch size must be an integer from 1 to 2048')
  })

  it('reads a forced format even when the content would say otherwise', async () => {
    const {stats, format} = await readText('(1.000000) can0 123#11\n', {format: 'asc'})
    expect(format).toBe('asc')
    expect(stats).toMatchObject({framesRead: 0, skippedLines: 1})
  })
})
