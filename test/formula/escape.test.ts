import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'

import {FindingSink} from '../../src/lib/findings.js'
import {checkExamples, instantiate, loadFormulaLibrary} from '../../src/lib/formula/index.js'
import {specOf} from './helpers.js'

// Escape attempts: each must be refused at load with one exact finding, and nothing of it may run.
// Canaries: a global, a file, process.exitCode. The expression sits in a `|-` block, so an
// offset k inside it is line 9, column 7 + k of the file.

const CANARY_FILE = join(tmpdir(), `pitwall-escape-canary-${process.pid}`)
const dir = join(tmpdir(), `pitwall-escape-${process.pid}`)

declare global {
  // `var` is how a global is typed; the tests only read it.
  var __pwned: unknown
}

function library(expr: string): string {
  return [
    'version: 1',
    'formulas:',
    '  evil:',
    '    description: an escape attempt',
    '    inputs:',
    '      x: {unit: any}',
    '    output: {unit: any}',
    '    expr: |-',
    `      ${expr}`,
    '    examples:',
    '      - {in: {x: 1}, out: 1}',
    '',
  ].join('\n')
}

async function load(text: string): Promise<{names: string[]; findings: string[]; messages: string[]}> {
  const file = join(dir, 'evil.yaml')
  writeFileSync(file, text)
  const sink = new FindingSink('evil.yaml')
  const lib = await loadFormulaLibrary(file, sink, 'evil.yaml')
  for (const spec of lib.formulas.values()) checkExamples(spec, sink)
  return {
    findings: sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}`),
    messages: sink.findings.map((f) => f.message),
    names: [...lib.formulas.keys()],
  }
}

const f = CANARY_FILE
const CASES: ReadonlyArray<readonly [string, string, string, string]> = [
  // [expression, the substring the finding points at (first occurrence), rule, message part]
  ['globalThis.__pwned = 1', '=', 'expression-not-allowed', 'assignment is not allowed'],
  [`require("fs").writeFileSync("${f}", "x")`, '.', 'expression-not-allowed', 'member access is not allowed'],
  [`process.mainModule.require("fs").writeFileSync("${f}", "x")`, ').', 'expression-not-allowed', 'member access is not allowed'],
  ['import("fs")', 'import', 'expression-not-allowed', 'import() is not allowed'],
  [`import("fs").then((m) => m.writeFileSync("${f}", "x"))`, ').', 'expression-not-allowed', 'member access is not allowed'],
  ['process.exitCode = 99', '=', 'expression-not-allowed', 'assignment is not allowed'],
  ['constructor.constructor("globalThis.__pwned = 1")()', 'constructor', 'expression-not-allowed', 'only a named function can be called'],
  ['constructor.constructor("globalThis.__pwned = 1")', '.', 'expression-not-allowed', 'member access is not allowed'],
  ['x.constructor', '.', 'expression-not-allowed', 'member access is not allowed'],
  ['x["constructor"]', '[', 'expression-not-allowed', 'member access is not allowed'],
  ['this', 'this', 'expression-not-allowed', 'the this keyword is not allowed'],
  ['__proto__', '__proto__', 'unknown-identifier', 'unknown name "__proto__"'],
  ['constructor', 'constructor', 'unknown-identifier', 'unknown name "constructor"'],
  ['toString', 'toString', 'unknown-identifier', 'unknown name "toString"'],
  ['hasOwnProperty("x")', 'hasOwnProperty', 'unknown-function', 'unknown function "hasOwnProperty"'],
  ['globalThis', 'globalThis', 'unknown-identifier', 'unknown name "globalThis"'],
  ['process', 'process', 'unknown-identifier', 'unknown name "process"'],
  ['process.exit()', '.', 'expression-not-allowed', 'member access is not allowed'],
  ['eval("globalThis.__pwned = 1")', 'eval', 'unknown-function', 'unknown function "eval"'],
  ['\\u0065val("globalThis.__pwned = 1")', '\\u0065val', 'unknown-function', 'unknown function "eval" (written \\u0065val)'],
  ['\\u0067lobalThis', '\\u0067lobalThis', 'unknown-identifier', 'unknown name "globalThis" (written \\u0067lobalThis)'],
  ['Function("globalThis.__pwned = 1")()', 'Function', 'expression-not-allowed', 'only a named function can be called'],
  ['new Function("globalThis.__pwned = 1")()', 'new', 'expression-not-allowed', 'the new operator is not allowed'],
  ['(() => globalThis.__pwned = 1)()', '(', 'expression-not-allowed', 'an arrow function is not allowed'],
  ['`${globalThis.__pwned = 1}`', '`', 'expression-not-allowed', 'a template literal is not allowed'],
  ['String.raw`x`', 'String', 'expression-not-allowed', 'a tagged template is not allowed'],
  ['x, globalThis.__pwned = 1', ',', 'expression-not-allowed', 'the comma operator is not allowed'],
  ['x; globalThis.__pwned = 1', ';', 'expression-syntax', 'unexpected ";" after the end of the expression'],
  ['max(...[globalThis.__pwned = 1])', '...', 'expression-not-allowed', 'spread (...) is not allowed'],
  ['x?.constructor', 'x', 'expression-not-allowed', 'optional chaining (?.) is not allowed'],
  ['globalThis.__pwned ??= 1', '??=', 'expression-not-allowed', 'assignment is not allowed'],
  ['typeof process', 'typeof', 'expression-not-allowed', 'the typeof operator is not allowed'],
  ['"constructor" in x', 'in', 'expression-not-allowed', 'the in operator is not allowed'],
]

beforeEach(() => {
  mkdirSync(dir, {recursive: true})
  globalThis.__pwned = undefined
  rmSync(CANARY_FILE, {force: true})
})

afterAll(() => {
  rmSync(dir, {force: true, recursive: true})
  rmSync(CANARY_FILE, {force: true})
})

describe('escape attempts are refused at load, at the offending token, and never run', () => {
  it('the file canary can be written (so its absence means something)', () => {
    writeFileSync(CANARY_FILE, 'x')
    expect(existsSync(CANARY_FILE)).toBe(true)
    rmSync(CANARY_FILE)
  })

  it.each(CASES)('%s', async (expr, at, rule, message) => {
    const exitCode = process.exitCode
    // For `(() => …)()` the arrow starts after the opening parenthesis.
    const offset = at === '(' ? 1 : at === ').' ? expr.indexOf(at) + 1 : expr.indexOf(at)
    const result = await load(library(expr))
    expect(result.findings).toEqual([`9:${7 + offset} ${rule}`])
    expect(result.messages[0]).toContain(message)
    expect(result.names).toEqual([])
    // Even handed to instantiate directly (not through the loader), it is refused before running.
    expect(() => instantiate(specOf(expr))).toThrow(RangeError)
    expect(globalThis.__pwned).toBeUndefined()
    expect(existsSync(CANARY_FILE)).toBe(false)
    expect(process.exitCode).toBe(exitCode)
  })
})

describe('positions inside quoted scalars', () => {
  it('a double-quoted expression with escapes points at the right column', async () => {
    const text = library('x').replace('    expr: |-\n      x', '    expr: "x + \\"a\\" + globalThis"')
    const result = await load(text)
    // `    expr: "x + \"a\" + globalThis"`: the string starts at column 16, globalThis at 24.
    expect(result.findings).toEqual(['8:16 expression-not-allowed', '8:24 unknown-identifier'])
  })

  it("a single-quoted expression with '' points at the right column", async () => {
    const text = library('x').replace('    expr: |-\n      x', "    expr: 'x + ''a'' + process.exit()'")
    const result = await load(text)
    // `    expr: 'x + ''a'' + process.exit()'`: ''a'' starts at 16, the `.` of process.exit at 31.
    expect(result.findings).toEqual(['8:16 expression-not-allowed', '8:31 expression-not-allowed'])
  })

  it('a multi-line block points at the right line', async () => {
    const text = library('x').replace('      x\n', '      x +\n        this +\n        1\n')
    const result = await load(text)
    expect(result.findings).toEqual(['10:9 expression-not-allowed'])
  })
})
