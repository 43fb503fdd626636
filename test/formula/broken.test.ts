import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {FindingSink} from '../../src/lib/findings.js'
import {checkExamples, loadFormulaLibrary} from '../../src/lib/formula/index.js'
import {ROOT} from '../helpers.js'

// Broken formula libraries, each stating by hand every finding it must produce:
//   # expect: LINE:COL rule-id
const DIR = join(ROOT, 'test', 'fixtures', 'broken', 'formulas')
const EXPECT = /^\s*#\s*expect:\s*(\d+):(\d+)\s+([a-z][a-z0-9-]*)\s*$/gm
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()

// Every rule the formula loader reports, except file-unreadable (no file to show it with).
const RULES = [
  'yaml-syntax', 'duplicate-key', 'schema', 'expression-syntax', 'expression-not-allowed', 'unknown-identifier',
  'unknown-function', 'function-arity', 'table-param-misuse', 'formula-example', 'reserved-name', 'duplicate-name',
  'unknown-unit', 'unused-name', 'no-examples', 'param-value',
]

describe('broken formula libraries state their findings by hand', () => {
  it('cover every rule, with at least five files for expression-not-allowed', () => {
    for (const rule of RULES) expect(files.some((f) => f.startsWith(`${rule}-`)), rule).toBe(true)
    expect(files.filter((f) => f.startsWith('expression-not-allowed-')).length).toBeGreaterThanOrEqual(5)
  })

  it.each(files)('%s', async (name) => {
    const file = join(DIR, name)
    const text = readFileSync(file, 'utf8')
    const expected = [...text.matchAll(EXPECT)].map((m) => `${m[1]}:${m[2]} ${m[3]}`).sort()
    expect(expected.length).toBeGreaterThan(0)
    // The file's name says which rule it is about, and that rule is among what it expects.
    expect(expected.some((e) => name.startsWith(`${e.split(' ')[1]}-`))).toBe(true)
    const sink = new FindingSink(name)
    const library = await loadFormulaLibrary(file, sink, name)
    for (const spec of library.formulas.values()) checkExamples(spec, sink)
    const actual = sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}`).sort()
    expect(actual, sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}: ${f.message}`).join('\n')).toEqual(expected)
  })
})
