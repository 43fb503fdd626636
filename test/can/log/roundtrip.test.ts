import {Writable} from 'node:stream'

import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {DATA_STRIDE, FrameBatch, type FrameInit} from '../../../src/lib/can/index.js'
import {AscWriter, CandumpWriter, type FractionDigits, type LogWriter} from '../../../src/lib/can/log/index.js'
import {candumpFrame} from './arbitraries.js'
import {readText} from './helpers.js'

/** A writable that keeps what it is given. */
function memorySink(): {stream: Writable; text: () => string} {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk)
      done()
    },
  })
  return {stream, text: () => Buffer.concat(chunks).toString('utf8')}
}

/** Writes `frames` in batches of `perBatch` and returns the text. */
async function writeAll(frames: FrameInit[], perBatch: number, make: (out: Writable) => LogWriter): Promise<string> {
  const sink = memorySink()
  const writer = make(sink.stream)
  const channels: string[] = []
  for (let start = 0; start < frames.length; start += perBatch) {
    const batch = new FrameBatch(perBatch, channels)
    for (const frame of frames.slice(start, start + perBatch)) batch.push(frame)
    await writer.write(batch)
  }
  await writer.close()
  return sink.text()
}

/** Every column of every frame, payload compared over the whole 64-byte slot (bit-exact). */
function columns(batches: FrameBatch[]) {
  return batches.flatMap((b) =>
    Array.from({length: b.length}, (_, i) => ({
      channel: b.channel[i] === 0xffff ? undefined : b.channels[b.channel[i]!],
      data: Buffer.from(b.data.subarray(i * DATA_STRIDE, (i + 1) * DATA_STRIDE)).toString('hex'),
      dataLength: b.dataLength[i],
      flags: b.flags[i],
      id: b.id[i],
      rawDlc: b.rawDlc[i],
      subMicroNs: b.subMicroNs[i],
      timestampUs: b.timestampUs[i],
    })),
  )
}

function batchOf(frames: FrameInit[]): FrameBatch {
  const batch = new FrameBatch(Math.max(frames.length, 1))
  for (const frame of frames) batch.push(frame)
  return batch
}

describe('candump round trip: CandumpWriter then readCanLog gives identical frames, bit-exact', () => {
  it.each<FractionDigits>(['auto', 9])('fraction %s', async (fraction) => {
    await fc.assert(
      fc.asyncProperty(fc.array(candumpFrame, {maxLength: 40, minLength: 1}), fc.integer({max: 16, min: 1}), fc.integer({max: 64, min: 1}), async (frames, perBatch, readBatch) => {
        const text = await writeAll(frames, perBatch, (out) => new CandumpWriter(out, {end: true, fraction}))
        const read = await readText(text, {batchSize: readBatch})
        expect(read.stats).toMatchObject({badLines: 0, framesRead: frames.length, skippedLines: 0})
        expect(columns(read.batches)).toEqual(columns([batchOf(frames)]))
      }),
      {numRuns: 200},
    )
  })

  it('fraction 6 drops only the sub-µs remainder', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(candumpFrame, {maxLength: 20, minLength: 1}), async (frames) => {
        const text = await writeAll(frames, 8, (out) => new CandumpWriter(out, {end: true, fraction: 6}))
        const read = await readText(text)
        expect(columns(read.batches)).toEqual(columns([batchOf(frames.map((f) => ({...f, subMicroNs: 0})))]))
      }),
      {numRuns: 50},
    )
  })

  it('writes unknown channels as can0 and re-reads the road capture byte for byte', async () => {
    const batch = new FrameBatch(1)
    batch.push({data: [1], id: 0x123, timestampUs: 1_600_000_000_000_000})
    expect(await writeAll([batch.frame(0)].map(({channel: _c, ...f}) => f), 1, (out) => new CandumpWriter(out, {end: true}))).toBe('(1600000000.000000) can0 123#01\n')
    const {readFileSync} = await import('node:fs')
    const path = await import('node:path')
    const {FIXTURES} = await import('./helpers.js')
    const original = readFileSync(path.join(FIXTURES, 'road-capture', 'can_sample.log'), 'utf8')
    const read = await readText(original)
    const sink = memorySink()
    const writer = new CandumpWriter(sink.stream, {end: true})
    for (const b of read.batches) await writer.write(b)
    await writer.close()
    expect(sink.text()).toBe(original)
  })
})

describe('ASC round trip: AscWriter then readCanLog', () => {
  /** What ASC keeps: absolute µs, can<N> names, a direction, error frames without id or data. */
  const ascFrame = candumpFrame.map((f): FrameInit => {
    const {subMicroNs: _ns, channel: _c, ...rest} = f
    const base = {...rest, channel: `can${Math.abs(f.id) % 4}`, direction: f.direction ?? ('rx' as const)}
    return f.error ? {channel: base.channel, error: true, id: 0, timestampUs: f.timestampUs ?? 0} : base
  })

  it('keeps every frame exactly (stamps to the µs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ascFrame, {maxLength: 30, minLength: 1}), fc.integer({max: 4_000_000_000_000_000, min: 700_000_000_000_000}), async (raw, start) => {
        // ASC stamps count from the first frame: keep the log in order and absolute.
        let t = start
        const frames = raw.map((f) => ({...f, timestampUs: (t += (f.timestampUs ?? 0) % 5_000_000)}))
        const text = await writeAll(frames, 7, (out) => new AscWriter(out, {end: true, utcOffsetMinutes: 0}))
        const read = await readText(text, {utcOffsetMinutes: 0})
        expect(read.format).toBe('asc')
        expect(read.stats).toMatchObject({badLines: 0, framesRead: frames.length, timeBase: 'absolute'})
        expect(columns(read.batches)).toEqual(columns([batchOf(frames)]))
      }),
      {numRuns: 150},
    )
  })

  it('writes relative stamps without dates, and they read back relative', async () => {
    const frames: FrameInit[] = [
      {channel: 'can0', data: [1, 2], direction: 'rx', id: 0x10, timestampUs: 1_500_000},
      {channel: 'can1', direction: 'tx', extended: true, id: 0x1234, length: 3, remote: true, timestampUs: 2_000_001},
    ]
    const text = await writeAll(frames, 2, (out) => new AscWriter(out, {end: true}))
    expect(text).not.toContain('date')
    expect(text).toContain('Begin Triggerblock\n')
    const read = await readText(text)
    expect(read.stats.timeBase).toBe('relative')
    expect(columns(read.batches)).toEqual(columns([batchOf(frames)]))
  })
})
