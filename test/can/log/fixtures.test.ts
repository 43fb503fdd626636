import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {describe, expect, it} from 'vitest'

import type {Frame} from '../../../src/lib/can/index.js'
import {FIXTURES, hex, readAll} from './helpers.js'

const LOGS = path.join(FIXTURES, 'cantools', 'logs')

interface Expected {
  id: string
  log_file?: string
  log_line?: number | null
  timestamp?: string | null
  channel?: string
  frame_id: number
  extended: boolean
  data_hex: string
  direction_flag?: 'R' | 'T' | null
}

const expected = (JSON.parse(readFileSync(path.join(FIXTURES, 'cantools', 'expected.json'), 'utf8')) as {frames: Expected[]}).frames.filter(
  (e) => e.log_file !== undefined,
)

/** Frames and bad lines per file, counted by hand from the files. */
const COUNTS: Record<string, {frames: number; bad: number; skipped: number; format: string; timeBase: string}> = {
  'abs_BREMSE_33_and_BREMSE_2_from_test_subplots.txt': {bad: 0, format: 'candump-screen', frames: 10, skipped: 0, timeBase: 'absolute'},
  'abs_BREMSE_33_from_test_plot_l.log': {bad: 0, format: 'candump', frames: 5, skipped: 0, timeBase: 'absolute'},
  'abs_BREMSE_33_from_test_plot_no_timestamps.txt': {bad: 0, format: 'candump-screen', frames: 5, skipped: 0, timeBase: 'none'},
  'abs_BREMSE_33_from_test_plot_rt.log': {bad: 0, format: 'candump', frames: 5, skipped: 0, timeBase: 'absolute'},
  'abs_BREMSE_33_from_test_plot_tA.txt': {bad: 0, format: 'candump-screen', frames: 10, skipped: 0, timeBase: 'absolute'},
  'abs_BREMSE_33_from_test_plot_ta.log': {bad: 0, format: 'candump', frames: 9, skipped: 0, timeBase: 'absolute'},
  'abs_BREMSE_33_from_test_plot_td.txt': {bad: 0, format: 'candump-screen', frames: 9, skipped: 0, timeBase: 'relative'},
  'abs_BREMSE_33_from_test_plot_tz.txt': {bad: 0, format: 'candump-screen', frames: 10, skipped: 0, timeBase: 'relative'},
  'choices_Foo_from_test_choices_stem.txt': {bad: 0, format: 'candump-screen', frames: 10, skipped: 0, timeBase: 'absolute'},
  'foobar_CanFd_from_test_decode_can_fd.txt': {bad: 0, format: 'candump-screen', frames: 1, skipped: 0, timeBase: 'none'},
  'msxii_BATTERY_VT_from_test_decode_muxed_data.txt': {bad: 0, format: 'candump-screen', frames: 36, skipped: 0, timeBase: 'none'},
  // The deliberately bad lines: a 10-byte classic frame, "vcan0 ERROR", and a blank line.
  'socialledge_from_test_decode_log_format.log': {bad: 2, format: 'candump', frames: 5, skipped: 1, timeBase: 'absolute'},
}

/** Epoch µs of a stamp as the fixtures print it: epoch seconds, relative seconds, or a UTC-read -tA date. */
function stampUs(text: string): number {
  const date = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})$/.exec(text)
  if (date) {
    const [, y, mo, d, h, mi, s, us] = date.map(Number) as number[]
    return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) * 1000 + us!
  }
  const [secs, frac] = text.split('.')
  return Number(secs) * 1e6 + Number(frac)
}

describe('cantools logs', () => {
  it('covers every file in the folder', () => {
    expect(readdirSync(LOGS).sort()).toEqual(Object.keys(COUNTS).sort())
  })

  describe.each(Object.entries(COUNTS))('%s', (file, counts) => {
    it('reads with the expected frame, bad and skipped counts, and every expected.json frame of it', async () => {
      const {frames, stats, format} = await readAll(path.join(LOGS, file), {utcOffsetMinutes: 0})
      expect(format).toBe(counts.format)
      expect(stats).toMatchObject({badLines: counts.bad, framesRead: counts.frames, skippedLines: counts.skipped, timeBase: counts.timeBase})
      expect(frames).toHaveLength(counts.frames)

      // Map file lines to frames: every line that is neither blank nor reported bad is the next frame.
      const lines = readFileSync(path.join(LOGS, file), 'utf8').replace(/\n$/, '').split('\n')
      const bad = new Set(stats.problems.map((p) => p.line))
      const frameAt = new Map<number, Frame>()
      let next = 0
      lines.forEach((line, k) => {
        if (line.trim() !== '' && !bad.has(k + 1)) frameAt.set(k + 1, frames[next++]!)
      })
      expect(next).toBe(frames.length)

      const mine = expected.filter((e) => e.log_file === `logs/${file}`)
      expect(mine.length).toBeGreaterThan(0)
      let deltaSum = 0
      mine.forEach((e, k) => {
        // Entries without log_line are in file order; find them by their timestamp, else by position.
        const lineNo = e.log_line ?? (e.timestamp ? lines.findIndex((l) => l.includes(`(${e.timestamp})`)) + 1 : k + 1)
        if (e.data_hex.length > 16 && e.data_hex.length !== 128) {
          // socialledge's 10-byte classic frame: counted as bad, not read.
          expect(bad.has(lineNo), `${e.id} is a bad line`).toBe(true)
          return
        }
        const frame = frameAt.get(lineNo)
        expect(frame, `${e.id}: line ${lineNo}`).toBeDefined()
        expect({data: hex(frame!.data), extended: frame!.extended, id: frame!.id}, e.id).toEqual({data: e.data_hex, extended: e.extended, id: e.frame_id})
        if (e.channel) expect(frame!.channel).toBe(e.channel)
        if (e.direction_flag) expect(frame!.direction).toBe(e.direction_flag === 'R' ? 'rx' : 'tx')
        if (e.timestamp) {
          deltaSum += stampUs(e.timestamp)
          expect(frame!.timestampUs, `${e.id} stamp`).toBe(file.includes('_td') ? deltaSum : stampUs(e.timestamp))
        } else {
          expect(frame!.timestampUs).toBe(0)
        }
      })
    })
  })

  it('reports socialledge bad lines with their line numbers', async () => {
    const {stats} = await readAll(path.join(LOGS, 'socialledge_from_test_decode_log_format.log'))
    expect(stats.problems).toEqual([
      {line: 4, message: '10 data bytes in a classic CAN frame (at most 8)'},
      {line: 5, message: 'expected "<hex id>#<data>" after the interface name, not "ERROR"'},
    ])
  })
})

describe('road capture (candump -l, 90 s of a real car)', () => {
  it('reads 82,558 frames over 35 ids, first and last stamps exact', async () => {
    const {batches, stats, format} = await readAll(path.join(FIXTURES, 'road-capture', 'can_sample.log'))
    expect(format).toBe('candump')
    expect(stats).toMatchObject({badLines: 0, framesRead: 82_558, linesRead: 82_558, skippedLines: 0, timeBase: 'absolute'})
    expect(batches.every((b) => b.length <= 2048)).toBe(true)
    const ids = new Set<number>()
    let count = 0
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) ids.add(b.id[i]!)
      count += b.length
    }
    expect(count).toBe(82_558)
    expect(ids.size).toBe(35)
    for (const id of [0x140, 0x141, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0x360]) expect(ids.has(id)).toBe(true)
    const first = batches[0]!.frame(0)
    const lastBatch = batches.at(-1)!
    const last = lastBatch.frame(lastBatch.length - 1)
    expect(first).toMatchObject({channel: 'can0', extended: false, id: 0x0d2, timestampUs: 1631416514717133})
    expect(hex(first.data)).toBe('0000ffff10000000')
    expect(last).toMatchObject({channel: 'can0', id: 0x6d0, timestampUs: 1631416604999215})
    expect(hex(last.data)).toBe('0000000000000000')
  })
})
