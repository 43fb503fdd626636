/**
 * Property: whatever frames an adapter emits, split into whatever reads, the parser gives back
 * identical frames, and with `Z1` the adapter's spacing, across any number of 60 s wraps.
 */
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {FD_LENGTHS, FrameBatch, type FrameInit} from '../../../src/lib/can/frame.js'
import {asciiBytes} from '../../../src/lib/can/slcan/ascii.js'
import {SlcanAdapterEmulator} from '../../../src/lib/can/slcan/emulator.js'
import {formatFrameLine} from '../../../src/lib/can/slcan/frame-line.js'
import {HOST_US, brief, parseChunks} from './helpers.js'

const byte = fc.integer({max: 255, min: 0})

const frameArb: fc.Arbitrary<FrameInit> = fc
  .record({
    extended: fc.boolean(),
    id: fc.integer({max: 0x1fffffff, min: 0}),
    kind: fc.constantFrom('data', 'remote', 'fd', 'fd-brs'),
    length: fc.integer({max: 8, min: 0}),
    fdCode: fc.integer({max: 15, min: 0}),
    payload: fc.array(byte, {maxLength: 64, minLength: 64}),
  })
  .map(({extended, fdCode, id, kind, length, payload}) => {
    const frameId = extended ? id : id & 0x7ff
    if (kind === 'remote') return {extended, id: frameId, length, remote: true}
    if (kind === 'data') return {data: payload.slice(0, length), extended, id: frameId}
    return {brs: kind === 'fd-brs', data: payload.slice(0, FD_LENGTHS[fdCode]), extended, fd: true, id: frameId}
  })

/** The brief of a frame as pitwall itself would hold it. */
function expected(frame: FrameInit): string {
  const batch = new FrameBatch(1)
  batch.push(frame)
  return brief(batch.frame(0))
}

/** Cuts `bytes` at the given fractions. */
function cut(bytes: Uint8Array, fractions: readonly number[]): Uint8Array[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let from = 0
  for (const point of [...points, bytes.length]) {
    if (point > from) chunks.push(bytes.subarray(from, point))
    from = Math.max(from, point)
  }
  return chunks
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const part of parts) {
    out.set(part, o)
    o += part.length
  }
  return out
}

describe('emitFrame → parser round trip', () => {
  it('gives back identical frames for every kind, whatever the read boundaries (all families)', () => {
    fc.assert(
      fc.property(fc.array(frameArb, {maxLength: 40, minLength: 1}), fc.array(fc.double({max: 1, min: 0, noNaN: true}), {maxLength: 12}), fc.constantFrom('canable-stock', 'lawicel', 'canable-2.5' as const), (frames, fractions, family) => {
        const adapter = new SlcanAdapterEmulator(family)
        adapter.receive(asciiBytes('S8\rO\r'))
        const wire = concat(frames.map((frame) => adapter.emitFrame(frame)))
        const parsed = parseChunks(cut(wire, fractions), {capacity: 3})
        expect(parsed.frames.map(brief)).toEqual(frames.map(expected))
        expect(parsed.stats).toMatchObject({badLines: 0, frames: frames.length, garbageBytes: 0})
      }),
      {numRuns: 300},
    )
  })

  it('keeps the adapter spacing of Z1 stamps across wraps (steps under 30 s, host clock standing still)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(frameArb, fc.integer({max: 29_999, min: 0})), {maxLength: 60, minLength: 1}), fc.integer({max: 59_999, min: 0}), (steps, startMs) => {
        const adapter = new SlcanAdapterEmulator('lawicel')
        adapter.receive(asciiBytes('S8\rZ1\rO\r'))
        let ms = startMs
        const times: number[] = []
        const wire = concat(
          steps.map(([frame, step]) => {
            ms += step
            times.push(ms)
            return adapter.emitFrame(frame, ms)
          }),
        )
        const parsed = parseChunks([wire])
        expect(parsed.frames.map((f) => (f.timestampUs - HOST_US) / 1000)).toEqual(times.map((t) => t - times[0]!))
      }),
      {numRuns: 200},
    )
  })

  it('formatFrameLine rejects what slcan cannot carry', () => {
    expect(() => formatFrameLine({id: 0x800, extended: false})).toThrow(RangeError)
    expect(() => formatFrameLine({data: new Uint8Array(9), id: 1})).toThrow(RangeError)
    expect(() => formatFrameLine({fd: true, id: 1, remote: true})).toThrow(RangeError)
    expect(formatFrameLine({id: 0x800})).toBe('T000008000\r')
  })
})
