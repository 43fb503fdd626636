/**
 * The ffi driver's koffi declarations against duckdb.h itself: a C probe prints the sizes, offsets
 * and enum values the header defines, and every declared prototype is compiled against the header
 * with its deprecated functions left out (a changed signature, a deprecated or an absent function
 * fails the compile). Needs gcc and the npm registry (for the header, cached after the first run).
 */
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import koffi from 'koffi'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CFunctionName} from '../../../src/lib/store/driver/ffi/capi.js'
import {DECLARATIONS, DUCKDB_STATE, DUCKDB_TYPE, ERROR_TYPE_NAMES, LAYOUT, NEWER_THAN_PROBE_HEADER} from '../../../src/lib/store/driver/ffi/index.js'
import {loadLibrary} from '../../../src/lib/store/driver/ffi/library.js'
import {tempDir} from '../../helpers.js'
import {duckdbHeaderDir} from './duckdb-header.js'

const work = tempDir('pitwall-probe-')
let include: string
let probe: Map<string, number>

beforeAll(() => {
  include = duckdbHeaderDir()
  const binary = join(work.path, 'probe')
  execFileSync('gcc', ['-std=c11', '-Wall', '-Werror', '-I', include, '-o', binary, join(import.meta.dirname, 'probe.c')])
  probe = new Map(
    execFileSync(binary, {encoding: 'utf8'})
      .trim()
      .split('\n')
      .map((line) => {
        const at = line.lastIndexOf('=')
        return [line.slice(0, at), Number(line.slice(at + 1))] as const
      }),
  )
}, 120_000)
afterAll(() => work.cleanup())

const at = (key: string): number => {
  expect(probe.has(key), `the probe prints ${key}`).toBe(true)
  return probe.get(key)!
}

describe('the ffi declarations against duckdb.h', () => {
  it('reads strings, lists and hugeints with the header layouts', () => {
    expect(LAYOUT.idx_t.size).toBe(at('sizeof(idx_t)'))
    expect(LAYOUT.enum.size).toBe(at('sizeof(duckdb_type)'))
    const s = LAYOUT.duckdb_string_t
    expect([s.size, s.lengthOffset, s.inlinedOffset, s.pointerOffset, s.inlinedBytes]).toEqual([
      at('sizeof(duckdb_string_t)'),
      at('offsetof(duckdb_string_t,value.inlined.length)'),
      at('offsetof(duckdb_string_t,value.inlined.inlined)'),
      at('offsetof(duckdb_string_t,value.pointer.ptr)'),
      at('sizeof(duckdb_string_t.value.inlined.inlined)'),
    ])
    const l = LAYOUT.duckdb_list_entry
    expect([l.size, l.offsetOffset, l.lengthOffset]).toEqual([at('sizeof(duckdb_list_entry)'), at('offsetof(duckdb_list_entry,offset)'), at('offsetof(duckdb_list_entry,length)')])
    const h = LAYOUT.duckdb_hugeint
    expect([h.size, h.lowerOffset, h.upperOffset]).toEqual([at('sizeof(duckdb_hugeint)'), at('offsetof(duckdb_hugeint,lower)'), at('offsetof(duckdb_hugeint,upper)')])
  })

  it('passes structs and typedefs to koffi with the header sizes and offsets', () => {
    loadLibrary(undefined) // registers the types with koffi
    for (const name of ['idx_t', 'duckdb_state', 'duckdb_type', 'duckdb_error_type', 'duckdb_connection', 'duckdb_data_chunk', 'duckdb_hugeint', 'duckdb_decimal', 'duckdb_result']) {
      expect(koffi.sizeof(name), name).toBe(at(`sizeof(${name})`))
    }
    expect(koffi.sizeof('bool')).toBe(at('sizeof(bool)'))
    const offsets = (type: string, fields: readonly string[]): {koffi: number[]; header: number[]} => ({
      header: fields.map((f) => at(`offsetof(${type},${f})`)),
      koffi: fields.map((f) => koffi.offsetof(type, f)),
    })
    for (const [type, fields] of [['duckdb_hugeint', ['lower', 'upper']], ['duckdb_decimal', ['width', 'scale', 'value']], ['duckdb_result', ['internal_data']]] as const) {
      const {header, koffi: declared} = offsets(type, fields)
      expect(declared, type).toEqual(header)
    }
    const d = LAYOUT.duckdb_decimal
    expect([d.size, d.widthOffset, d.scaleOffset, d.valueOffset]).toEqual([at('sizeof(duckdb_decimal)'), ...offsets('duckdb_decimal', ['width', 'scale', 'value']).header])
    expect([LAYOUT.duckdb_result.size, LAYOUT.duckdb_result.internalDataOffset]).toEqual([at('sizeof(duckdb_result)'), at('offsetof(duckdb_result,internal_data)')])
  })

  it('knows every enum value as the header does', () => {
    expect(DUCKDB_STATE).toEqual({DuckDBError: at('DuckDBError'), DuckDBSuccess: at('DuckDBSuccess')})
    for (const [name, value] of Object.entries(DUCKDB_TYPE)) expect(value, name).toBe(at(`DUCKDB_TYPE_${name}`))
    ERROR_TYPE_NAMES.forEach((name, value) => expect(value, name).toBe(at(`DUCKDB_ERROR_${name}`)))
    const printed = [...probe.keys()].filter((k) => k.startsWith('DUCKDB_TYPE_') || k.startsWith('DUCKDB_ERROR_'))
    expect(printed).toHaveLength(Object.keys(DUCKDB_TYPE).length + ERROR_TYPE_NAMES.length)
  })

  it('declares only functions of the header, with its signatures, none deprecated', () => {
    const checked = (Object.keys(DECLARATIONS) as CFunctionName[]).filter((name) => NEWER_THAN_PROBE_HEADER[name] === undefined)
    const source = [
      '#include "duckdb.h"',
      // Naming a function the header leaves out (the deprecated ones, under this macro) fails: first, before ours declare them.
      `void *pitwall_bound[] = {${checked.map((name) => `(void *)&${name}`).join(', ')}};`,
      // A redeclaration that differs from the header's is a "conflicting types" error.
      ...checked.map((name) => `${DECLARATIONS[name]};`),
    ].join('\n')
    const file = join(work.path, 'declarations.c')
    writeFileSync(file, `${source}\n`)
    const compile = (): string => execFileSync('gcc', ['-std=c11', '-Wall', '-Werror', '-DDUCKDB_API_NO_DEPRECATED', '-fsyntax-only', '-I', include, file], {encoding: 'utf8', stdio: 'pipe'})
    expect(compile).not.toThrow()
    expect(checked.length).toBeGreaterThan(50)
  })

  it('binds every declared function on the library under test', () => {
    const {api, version} = loadLibrary(undefined)
    for (const name of Object.keys(DECLARATIONS) as CFunctionName[]) expect(typeof api[name], `${name} in libduckdb ${version}`).toBe('function')
  })
})
