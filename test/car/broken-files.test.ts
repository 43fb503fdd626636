import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, it} from 'vitest'

import {CarValidator} from '../../src/lib/validate/index.js'
import {ROOT} from '../helpers.js'

const BROKEN = join(ROOT, 'test', 'fixtures', 'broken')

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : /\.(ya?ml|dbc)$/.test(f) ? [p] : []
  })
}

//   # expect: 12:7 unknown-formula        (YAML)
//   // expect: 5:30 signal-overlap        (DBC)
const EXPECT = /^\s*(?:#|\/\/)\s*expect:\s*(\d+):(\d+)\s+([a-z][a-z0-9-]*)\s*$/gm

const files = walk(BROKEN).sort()

describe('broken car, DBC and formula files: each states its findings by hand', () => {
  it('there are at least 30 of them, in every kind', () => {
    expect(files.length).toBeGreaterThanOrEqual(30)
    for (const kind of ['cars', 'dbc', 'formulas']) expect(files.some((f) => f.includes(`/broken/${kind}/`))).toBe(true)
  })

  it.each(files.map((f) => [relative(BROKEN, f), f]))('%s', async (_name, file) => {
    const text = readFileSync(file, 'utf8')
    const expected = [...text.matchAll(EXPECT)].map((m) => `${m[1]}:${m[2]} ${m[3]}`).sort()
    expect(expected.length, 'the file states no expect: line').toBeGreaterThan(0)
    const validator = new CarValidator()
    await validator.validate(file)
    const shown = relative(process.cwd(), file)
    const report = validator.report()
    const actual = report.findings.map((f) => `${f.file === shown ? '' : `${f.file}:`}${f.line}:${f.column} ${f.rule}`).sort()
    expect(actual, report.findings.map((f) => `${f.line}:${f.column} ${f.rule}: ${f.message}`).join('\n')).toEqual(expected)
  })
})
