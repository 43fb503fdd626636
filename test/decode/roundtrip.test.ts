import {readdirSync} from 'node:fs'
import {join, relative} from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {FindingSink} from '../../src/lib/findings.js'
import {lintDbc, loadDbcFile, rawRange} from '../../src/lib/dbc/index.js'
import type {DbcMessage, DbcSignal} from '../../src/lib/dbc/model.js'
import {compileMessageDecoder, encodeMessage, rawKindOf} from '../../src/lib/decode/index.js'
import {ROOT, SHARED_FIXTURES} from '../helpers.js'

function dbcFiles(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile() && e.name.endsWith('.dbc'))
    .map((e) => join(e.parentPath, e.name))
}

const files = [...dbcFiles(SHARED_FIXTURES), join(ROOT, 'cars', 'bmw_e46_m3.dbc')].sort()

/** A message can be round-tripped when its layout is valid (lint has no error for it). */
async function usableMessages(file: string): Promise<DbcMessage[]> {
  const sink = new FindingSink(file)
  const db = (await loadDbcFile(file, sink))!
  lintDbc(db, sink)
  const bad = new Set(sink.findings.filter((f) => f.severity === 'error').map((f) => f.line))
  return db.messages.filter((m) => m.signals.length > 0 && !m.signals.some((s) => bad.has(s.pos.line)) && !bad.has(m.pos.line))
}

/** A random raw value in a signal's field, as the physical value the encoder takes. */
function physicalArb(s: DbcSignal): fc.Arbitrary<number | bigint> {
  const kind = rawKindOf(s)
  if (kind === 'float32') return fc.float({noDefaultInfinity: true, noNaN: true}).map((x) => x * s.scale + s.offset)
  if (kind === 'float64') return fc.double({noDefaultInfinity: true, noNaN: true, max: 1e300, min: -1e300}).map((x) => x * s.scale + s.offset)
  const min = s.signed ? -(1n << BigInt(s.length - 1)) : 0n
  const max = s.signed ? (1n << BigInt(s.length - 1)) - 1n : (1n << BigInt(s.length)) - 1n
  if (kind === 'bigint') return fc.bigInt({max, min})
  return fc.bigInt({max, min}).map((raw) => Number(raw) * s.scale + s.offset)
}

/** Values for one multiplexer branch: every switch gets a value, then the signals it selects. */
function messageArb(m: DbcMessage): fc.Arbitrary<Record<string, number | bigint>> {
  const switches = m.signals.filter((s) => s.isMultiplexer)
  const branchValues = (sw: DbcSignal): number[] => [...new Set(m.signals.filter((s) => s.multiplexerSwitch === sw.name).flatMap((s) => s.multiplexerValues ?? []))]
  const switchArb = fc.record(
    Object.fromEntries(
      switches.map((sw) => {
        const options = branchValues(sw).filter((v) => v <= rawRange(sw).rawMax)
        return [sw.name, options.length > 0 ? fc.constantFrom(...options) : fc.constant(0)]
      }),
    ) as Record<string, fc.Arbitrary<number>>,
  )
  return switchArb.chain((raws) => {
    const chosen = (s: DbcSignal): boolean =>
      s.multiplexerValues === undefined || (raws[s.multiplexerSwitch ?? ''] !== undefined && s.multiplexerValues.includes(raws[s.multiplexerSwitch!]!) && chosen(m.signals.find((x) => x.name === s.multiplexerSwitch)!))
    const others = m.signals.filter((s) => !s.isMultiplexer && chosen(s))
    const switchPhys = Object.fromEntries(switches.filter(chosen).map((sw) => [sw.name, raws[sw.name]! * sw.scale + sw.offset]))
    return fc.record(Object.fromEntries(others.map((s) => [s.name, physicalArb(s)]))).map((v) => ({...switchPhys, ...v}))
  })
}

describe('encode → decode is the identity within one raw step, for every signal of every DBC', () => {
  it.each(files.map((f) => [relative(ROOT, f), f]))('%s', async (_name, file) => {
    const messages = await usableMessages(file)
    for (const message of messages) {
      const decoder = compileMessageDecoder(message)
      fc.assert(
        fc.property(messageArb(message), (values) => {
          const data = encodeMessage(message, values)
          expect(decoder.decode(data, 0, data.length)).toBe(true)
          for (const [name, want] of Object.entries(values)) {
            const i = message.signals.findIndex((s) => s.name === name)
            const s = message.signals[i]!
            expect(decoder.present[i], `${message.name}.${name} present`).toBe(1)
            const kind = rawKindOf(s)
            if (kind === 'bigint') expect(decoder.big[i]).toBe(want)
            else if (kind === 'float32') expect(decoder.values[i]).toBe(Math.fround((Number(want) - s.offset) / s.scale) * s.scale + s.offset)
            else {
              const step = Math.abs(s.scale)
              const got = decoder.values[i]!
              expect(Math.abs(got - Number(want)) <= step / 2 + 1e-9 * Math.abs(Number(want)), `${message.name}.${name}: ${got} vs ${want}`).toBe(true)
            }
          }
        }),
        {numRuns: 25},
      )
    }
  })
})
