import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {loadBareDbcCar} from '../../src/lib/car/index.js'
import {FrameBatch} from '../../src/lib/can/index.js'
import {CarDecoder} from '../../src/lib/decode/index.js'
import {SHARED_FIXTURES} from '../helpers.js'

interface Expected {
  id: string
  dbc: string
  message?: string
  frame_id: number
  extended: boolean
  data_hex: string
  expected?: Record<string, number | string>
  expected_labels?: Record<string, string>
  expected_error?: string
}

const CANTOOLS = join(SHARED_FIXTURES, 'cantools')
const frames = (JSON.parse(readFileSync(join(CANTOOLS, 'expected.json'), 'utf8')) as {frames: Expected[]}).frames
const decoders = new Map<string, Promise<CarDecoder>>()
const decoderFor = (dbc: string): Promise<CarDecoder> => {
  if (!decoders.has(dbc)) decoders.set(dbc, loadBareDbcCar(join(CANTOOLS, dbc)).then((r) => new CarDecoder(r.car!)))
  return decoders.get(dbc)!
}

const close = (actual: number, expected: number): boolean =>
  actual === expected || Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(actual), Math.abs(expected))

describe('decoding matches cantools on every frame of expected.json (read from the file, not copied)', () => {
  it('covers all 152 frames', () => {
    expect(frames.length).toBe(152)
  })

  it.each(frames.map((f) => [f.id, f]))('%s', async (_id, f) => {
    const decoder = await decoderFor(f.dbc)
    const batch = new FrameBatch(1)
    const data = Buffer.from(f.data_hex, 'hex')
    batch.push({data, extended: f.extended, id: f.frame_id})
    const m = decoder.messageIndex(f.frame_id, f.extended)
    if (f.expected_error) {
      // 10 data bytes cannot be a classic frame: our readers refuse the line; an unknown id is not decoded.
      if (data.length > 8) expect(f.expected_error).toMatch(/Wrong data size/)
      else {
        expect(decoder.decodeFrame(batch, 0)).toBe(-1)
        expect(decoder.stats.unknown).toBeGreaterThan(0)
      }
      return
    }
    expect(decoder.decodeFrame(batch, 0), 'frame matched no message').toBe(m)
    const md = decoder.decoders[m]!
    if (f.message) expect(md.message.name).toBe(f.message)
    const slot = new Map(md.message.signals.map((s, i) => [s.name, i]))
    for (const [key, want] of Object.entries(f.expected ?? {})) {
      const isRaw = key.startsWith('_raw:')
      const name = isRaw ? key.slice(5) : key
      const i = slot.get(name)
      expect(i, `signal ${name}`).toBeDefined()
      expect(md.present[i!], `${name} present`).toBe(1)
      if (typeof want === 'string') {
        // 64-bit values beyond 2^53, given as hex: compare exactly.
        expect(md.big[i!], `${name} decoded as BigInt`).toBeTypeOf('bigint')
        expect(BigInt.asUintN(64, md.big[i!]!), name).toBe(BigInt.asUintN(64, BigInt(want)))
      } else {
        const got = isRaw ? md.raw[i!]! : md.values[i!]!
        expect(close(got, want), `${name}: got ${got}, want ${want}`).toBe(true)
      }
    }
    for (const [name, label] of Object.entries(f.expected_labels ?? {})) {
      const s = md.message.signals[slot.get(name)!]!
      expect(s.choices?.get(BigInt(md.raw[slot.get(name)!]!)), name).toBe(label)
    }
    // Signals cantools did not return are not present (multiplexing), except those it did not list for other reasons.
    const listed = new Set(Object.keys(f.expected ?? {}).map((k) => k.replace(/^_raw:/, '')))
    for (const [i, s] of md.message.signals.entries()) {
      if (s.multiplexerValues !== undefined && !listed.has(s.name)) expect(md.present[i], `${s.name} should not be selected`).toBe(0)
    }
  })
})
