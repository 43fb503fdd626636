import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {DATA_STRIDE, FrameBatch, type FrameInit} from '../../src/lib/can/index.js'
import {candumpFrame} from './log/arbitraries.js'

function batchOf(frames: readonly FrameInit[], channels: string[] = []): FrameBatch {
  const batch = new FrameBatch(Math.max(frames.length, 1), channels)
  for (const f of frames) batch.push(f)
  return batch
}

const frames = fc.array(candumpFrame, {maxLength: 40, minLength: 1})

describe('FrameBatch.pushFrom', () => {
  it('appends the same frame, whether or not the batches share their interface names', () => {
    fc.assert(
      fc.property(frames, fc.boolean(), (list, share) => {
        const from = batchOf(list)
        const to = new FrameBatch(list.length, share ? from.channels : ['other0'])
        for (let i = 0; i < from.length; i++) expect(to.pushFrom(from, i)).toBe(i)
        expect(to.frames()).toEqual(from.frames())
        // The whole stride travels, bytes past the payload included.
        expect(to.data.subarray(0, to.length * DATA_STRIDE)).toEqual(from.data.subarray(0, from.length * DATA_STRIDE))
      }),
      {numRuns: 100},
    )
  })

  it('overwrites a reused row completely (no tail of the frame that was there before)', () => {
    const to = batchOf([{data: new Uint8Array(64).fill(0xee), fd: true, id: 1, subMicroNs: 7, timestampUs: 5}])
    to.clear()
    const from = batchOf([{data: [1, 2], id: 0x123, timestampUs: 10}])
    to.pushFrom(from, 0)
    expect(to.frame(0)).toEqual(from.frame(0))
    expect(Array.from(to.data.subarray(0, DATA_STRIDE))).toEqual([1, 2, ...Array.from({length: 62}, () => 0)])
  })

  it('keeps chosen frames of its own batch in place, in order', () => {
    fc.assert(
      fc.property(frames, fc.array(fc.boolean(), {maxLength: 40, minLength: 40}), (list, keep) => {
        const batch = batchOf(list)
        const want = batch.frames().filter((_, i) => keep[i])
        const read = batch.length
        batch.length = 0
        for (let r = 0; r < read; r++) if (keep[r]) batch.pushFrom(batch, r)
        expect(batch.frames()).toEqual(want)
      }),
      {numRuns: 100},
    )
  })

  it('leaves an unknown interface unknown', () => {
    const from = batchOf([{id: 1}])
    const to = new FrameBatch(1, ['can0'])
    to.pushFrom(from, 0)
    expect(to.channel[0]).toBe(0xffff)
    expect(to.channels).toEqual(['can0'])
  })
})

describe('FrameBatch.slice', () => {
  it('copies frames start … end - 1 into a batch of exactly that size', () => {
    fc.assert(
      fc.property(frames, fc.nat(), fc.nat(), (list, a, b) => {
        const batch = batchOf(list)
        const start = a % (batch.length + 1)
        const end = start + (b % (batch.length - start + 1))
        const part = batch.slice(start, end)
        expect(part.capacity).toBe(end - start)
        expect(part.channels).toBe(batch.channels)
        expect(part.frames()).toEqual(batch.frames().slice(start, end))
        // A copy: changing the slice leaves the batch alone.
        if (part.length > 0) {
          part.id[0] = part.id[0]! ^ 1
          expect(batch.id[start]).not.toBe(part.id[0])
        }
      }),
      {numRuns: 100},
    )
  })

  it('defaults to the rest of the batch and refuses a range outside it', () => {
    const batch = batchOf([{id: 1}, {id: 2}, {id: 3}])
    expect(batch.slice(1).frames().map((f) => f.id)).toEqual([2, 3])
    expect(() => batch.slice(2, 4)).toThrow(RangeError)
    expect(() => batch.slice(2, 1)).toThrow(RangeError)
    expect(() => batch.slice(-1, 1)).toThrow(RangeError)
  })
})
