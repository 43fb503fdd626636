import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {describe, expect, it} from 'vitest'

import {FindingSink} from '../../src/lib/findings.js'
import {lintDbc, parseDbc} from '../../src/lib/dbc/index.js'

const BROKEN = path.resolve(__dirname, '../fixtures/broken/dbc')

// `// expect: 14:20 dbc-syntax`
const EXPECT = /^\s*\/\/\s*expect:\s*(\d+):(\d+)\s+([a-z][a-z0-9-]*)\s*$/gm

const files = readdirSync(BROKEN).filter((f) => f.endsWith('.dbc')).sort()

describe('broken DBC files state every finding by hand', () => {
  it('cover every error rule, several syntax errors and the warnings', () => {
    const rules = new Set(files.map((f) => f.replace(/-\d+\.dbc$/, '')))
    for (const rule of ['dbc-syntax', 'frame-id-range', 'frame-size', 'signal-out-of-frame', 'signal-overlap', 'duplicate-message', 'duplicate-signal', 'float-length', 'multiplexer-missing']) {
      expect(rules.has(rule), rule).toBe(true)
    }
    expect(files.filter((f) => f.startsWith('dbc-syntax-')).length).toBeGreaterThanOrEqual(4)
  })

  it.each(files)('%s', (name) => {
    const file = path.join(BROKEN, name)
    const text = readFileSync(file, 'utf8')
    const expected = [...text.matchAll(EXPECT)].map((m) => `${m[1]}:${m[2]} ${m[3]}`).sort()
    expect(expected.length, 'the file states no expect: line').toBeGreaterThan(0)
    const sink = new FindingSink(name)
    lintDbc(parseDbc(readFileSync(file), name, sink), sink)
    const actual = sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}`).sort()
    expect(actual, sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}: ${f.message}`).join('\n')).toEqual(expected)
    // The file is named after the rule it is about.
    expect(expected.some((e) => e.endsWith(` ${name.replace(/-\d+\.dbc$/, '')}`))).toBe(true)
  })
})
