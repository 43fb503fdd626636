import {describe, expect, it} from 'vitest'

import {compiledOf} from '../../src/lib/formula/compile.js'
import {FORMULA_FUNCTIONS, instantiate, paramProblems} from '../../src/lib/formula/index.js'
import {problemsOf, run, specOf} from './helpers.js'

const NaN_ = Number.NaN

describe('numbers, constants and operators', () => {
  it.each([
    ['1.5', 1.5],
    ['1e3', 1000],
    ['.5', 0.5],
    ['0x10', 16],
    ['1_000', 1000],
    ['0.1 + 0.2', 0.30000000000000004],
    ['1e-320', 1e-320],
    ['1e999', Number.POSITIVE_INFINITY],
    ['pi', Math.PI],
    ['e', Math.E],
    ['inf', Number.POSITIVE_INFINITY],
    ['-inf', Number.NEGATIVE_INFINITY],
    ['-(3)', -3],
    ['- -3', 3],
    ['+4', 4],
    ['!0', 1],
    ['!5', 0],
    ['!nan', 1],
    ['7 + 2', 9],
    ['7 - 2', 5],
    ['7 * 2', 14],
    ['7 / 2', 3.5],
    ['7 % 4', 3],
    ['-7 % 4', -3],
    ['2 ** 10', 1024],
    ['1 / 0', Number.POSITIVE_INFINITY],
  ])('%s = %d', (expr, expected) => {
    expect(run(expr)).toBe(expected)
  })

  it('nan is NaN', () => {
    expect(run('nan')).toBeNaN()
    expect(run('0 / 0')).toBeNaN()
  })

  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['2 * 3 % 4', 2],
    ['2 ** 3 ** 2', 512],
    ['(2 ** 3) ** 2', 64],
    ['(-2) ** 2', 4],
    ['-(2 ** 2)', -4],
    ['1 + 2 < 4', 1],
    ['1 < 2 == 1', 1],
    ['0 || 1 && 0', 0],
    ['1 || 0 && 0', 1],
    ['1 ? 2 : 3 ? 4 : 5', 2],
    ['0 ? 2 : 0 ? 4 : 5', 5],
    ['1 + (0 ? 10 : 20)', 21],
    ['!0 + 1', 2],
  ])('precedence: %s = %d', (expr, expected) => {
    expect(run(expr)).toBe(expected)
  })

  it.each([
    ['1 < 2', 1], ['2 < 1', 0], ['2 <= 2', 1], ['3 <= 2', 0],
    ['3 > 2', 1], ['2 > 3', 0], ['2 >= 2', 1], ['1 >= 2', 0],
    ['2 == 2', 1], ['2 == 3', 0], ['2 === 2', 1], ['2 === 3', 0],
    ['2 != 3', 1], ['2 != 2', 0], ['2 !== 3', 1], ['2 !== 2', 0],
    ['2 && 3', 1], ['0 && 3', 0], ['2 && 0', 0],
    ['0 || 7', 1], ['0 || 0', 0], ['3 || 0', 1],
  ])('comparison and logic give 1 or 0: %s = %d', (expr, expected) => {
    const value = run(expr)
    expect(typeof value).toBe('number')
    expect(value).toBe(expected)
  })

  it('NaN: comparisons are false, NaN is false in conditions, arithmetic propagates it', () => {
    expect(run('x < 1', {x: NaN_})).toBe(0)
    expect(run('x >= 1', {x: NaN_})).toBe(0)
    expect(run('x == x', {x: NaN_})).toBe(0)
    expect(run('x != x', {x: NaN_})).toBe(1)
    expect(run('x ? 1 : 2', {x: NaN_})).toBe(2)
    expect(run('x || 0', {x: NaN_})).toBe(0)
    expect(run('x + 1', {x: NaN_})).toBeNaN()
    expect(run('x * 0', {x: NaN_})).toBeNaN()
    expect(run('is_nan(x) ? -1 : x', {x: NaN_})).toBe(-1)
  })

  it('inputs arrive in order, params as bound constants', () => {
    expect(run('a - b', {a: 10, b: 3})).toBe(7)
    expect(run('b - a', {a: 10, b: 3})).toBe(-7)
    expect(run('x * k + c', {x: 2}, [{default: 3, name: 'k'}, {default: 1, name: 'c'}])).toBe(7)
  })

  it('comments inside the expression are skipped', () => {
    expect(run('x /* scale */ * 2 // done', {x: 4})).toBe(8)
  })
})

const FUNCTION_CASES: ReadonlyArray<readonly [string, number]> = [
  ['abs(-3)', 3], ['abs(3)', 3],
  ['sign(-2)', -1], ['sign(0)', 0], ['sign(5)', 1],
  ['min(3, 1, 2)', 1], ['min(4)', 4],
  ['max(3, 1, 2)', 3], ['max(-4)', -4],
  ['mean(1, 2, 3, 4)', 2.5], ['mean(7)', 7],
  ['clamp(5, 0, 3)', 3], ['clamp(-1, 0, 3)', 0], ['clamp(2, 0, 3)', 2],
  ['hypot(3, 4)', 5], ['hypot(2, 3, 6)', 7],
  ['sqrt(16)', 4], ['cbrt(-27)', -3],
  ['pow(2, 8)', 256], ['exp(0)', 1], ['ln(e)', 1], ['log10(1000)', 3], ['log2(8)', 3],
  ['sin(0)', 0], ['cos(0)', 1], ['tan(0)', 0], ['asin(1)', Math.PI / 2], ['acos(1)', 0], ['atan(1)', Math.PI / 4],
  ['atan2(1, 0)', Math.PI / 2], ['atan2(0, -1)', Math.PI],
  ['floor(-1.5)', -2], ['ceil(-1.5)', -1], ['trunc(-1.7)', -1],
  ['round(2.5)', 3], ['round(-2.5)', -3], ['round(2.4)', 2], ['round(-2.6)', -3],
  ['is_nan(nan)', 1], ['is_nan(0)', 0],
]

describe('functions', () => {
  it.each(FUNCTION_CASES)('%s = %d', (expr, expected) => {
    expect(run(expr)).toBeCloseTo(expected, 12)
  })

  it('every function in FORMULA_FUNCTIONS is exercised here', () => {
    const called = new Set([...FUNCTION_CASES.map(([e]) => e), 'interp(', 'nearest_index('].map((e) => e.slice(0, e.indexOf('('))))
    expect([...FORMULA_FUNCTIONS.keys()].filter((name) => !called.has(name))).toEqual([])
  })

  it('NaN arguments give NaN (min, max, mean, clamp and the math functions)', () => {
    for (const expr of ['min(1, x)', 'max(x, 1)', 'mean(1, x)', 'clamp(x, 0, 1)', 'sqrt(x)', 'round(x)', 'hypot(x, 1)']) {
      expect(run(expr, {x: NaN_}), expr).toBeNaN()
    }
    expect(run('sqrt(-1)')).toBeNaN()
  })

  const table = [{default: [0, 1, 2, 3], name: 'xs'}, {default: [0, 10, 15, 30], name: 'ys'}]

  it('interp interpolates linearly, clamps at the ends, and keeps NaN', () => {
    expect(run('interp(x, xs, ys)', {x: 0.5}, table)).toBe(5)
    expect(run('interp(x, xs, ys)', {x: 2.25}, table)).toBe(18.75)
    expect(run('interp(x, xs, ys)', {x: 3}, table)).toBe(30)
    expect(run('interp(x, xs, ys)', {x: -5}, table)).toBe(0)
    expect(run('interp(x, xs, ys)', {x: 99}, table)).toBe(30)
    expect(run('interp(x, xs, ys)', {x: NaN_}, table)).toBeNaN()
    expect(run('interp(x, xs, ys)', {x: 7}, [{default: [1], name: 'xs'}, {default: [42], name: 'ys'}])).toBe(42)
  })

  it('nearest_index returns the 1-based nearest entry, the first on a tie, NaN for NaN', () => {
    const ratios = [{default: [4.227, 2.528, 1.669, 1.226, 1, 0.828], name: 't'}]
    expect(run('nearest_index(x, t)', {x: 1.7}, ratios)).toBe(3)
    expect(run('nearest_index(x, t)', {x: 100}, ratios)).toBe(1)
    expect(run('nearest_index(x, t)', {x: 0}, ratios)).toBe(6)
    expect(run('nearest_index(x, t)', {x: 1.5}, [{default: [1, 2], name: 't'}])).toBe(1)
    expect(run('nearest_index(x, t)', {x: NaN_}, ratios)).toBeNaN()
  })

  it('nearest_index with a tolerance gives NaN when even the nearest entry is too far', () => {
    const ratios = [{default: [4.227, 2.528, 1.669, 1.226, 1, 0.828], name: 't'}]
    expect(run('nearest_index(x, t, 0.15)', {x: 1.669 * 1.1}, ratios)).toBe(3)
    expect(run('nearest_index(x, t, 0.15)', {x: 2.1}, ratios)).toBeNaN()
    expect(run('nearest_index(x, t, 0.15)', {x: 0.276}, ratios)).toBeNaN()
  })
})

describe('the checker', () => {
  it.each([
    ['clamp(x, 1)', 'function-arity@0', 'clamp takes 3 arguments (clamp(x, lo, hi)), got 2'],
    ['abs()', 'function-arity@0', 'abs takes 1 argument (abs(x)), got 0'],
    ['1 + abs(1, 2)', 'function-arity@4', 'abs takes 1 argument (abs(x)), got 2'],
    ['max()', 'function-arity@0', 'max takes at least 1 argument (max(a, b, ...)), got 0'],
  ])('arity: %s', (expr, at, message) => {
    expect(problemsOf(expr)).toEqual([{at, message}])
  })

  it('nearest_index takes 2 or 3 arguments', () => {
    const t = [{default: [1, 2], name: 't'}]
    expect(problemsOf('nearest_index(x)', ['x'], t).map((p) => p.at)).toEqual(['function-arity@0'])
    expect(problemsOf('nearest_index(x, t, 1, 2)', ['x'], t).map((p) => p.at)).toEqual(['function-arity@0'])
  })

  it.each([
    ['xs + 1', 'table-param-misuse@0'],
    ['sqrt(xs)', 'table-param-misuse@5'],
    ['interp(x, x, ys)', 'table-param-misuse@10'],
    ['interp(x, 3, ys)', 'table-param-misuse@10'],
    ['interp(x, xs, pi)', 'table-param-misuse@14'],
    ['interp(xs, xs, ys)', 'table-param-misuse@7'],
    ['nearest_index(x, k)', 'table-param-misuse@17'],
    ['interp(x, zz, ys)', 'unknown-identifier@10'],
  ])('table params only as table arguments: %s', (expr, at) => {
    const params = [{default: [0, 1], name: 'xs'}, {default: [0, 1], name: 'ys'}, {default: 2, name: 'k'}]
    expect(problemsOf(expr, ['x'], params).map((p) => p.at)).toEqual([at])
  })

  it.each([
    ['x +', 'expression-syntax@3'],
    ['(x', 'expression-syntax@2'],
    ['x y', 'expression-syntax@2'],
    ['x; y', 'expression-syntax@1'],
    ['x 1', 'expression-syntax@2'],
    ['-2 ** 2', 'expression-syntax@3'],
    ['x /* open', 'expression-syntax@2'],
    ['', 'expression-syntax@0'],
    ['await x', 'expression-syntax@6'],
  ])('syntax: %s', (expr, at) => {
    expect(problemsOf(expr).map((p) => p.at)).toEqual([at])
  })

  it.each([
    ['x = 1', 2, 'assignment'],
    ['x += 1', 2, 'assignment'],
    ['x++', 1, 'increment/decrement'],
    ['--x', 0, 'increment/decrement'],
    ['x, 1', 1, 'the comma operator'],
    ['x.y', 1, 'member access'],
    ['x[0]', 1, 'member access'],
    ['x?.y', 0, 'optional chaining (?.)'],
    ['[1, 2]', 0, 'an array literal'],
    ['({})', 1, 'an object literal'],
    ['typeof x', 0, 'the typeof operator'],
    ['void 0', 0, 'the void operator'],
    ['delete x', 0, 'the delete operator'],
    ['~x', 0, 'the bitwise operator ~'],
    ['x & 1', 2, 'the bitwise operator &'],
    ['x | 1', 2, 'the bitwise operator |'],
    ['x ^ 1', 2, 'the bitwise operator ^'],
    ['x << 1', 2, 'the bitwise operator <<'],
    ['x >>> 1', 2, 'the bitwise operator >>>'],
    ['x in x', 2, 'the in operator'],
    ['x instanceof x', 2, 'the instanceof operator'],
    ['x ?? 1', 2, 'the ?? operator'],
    ['"a"', 0, 'a string'],
    ["'a' + x", 0, 'a string'],
    ['/a/', 0, 'a regular expression'],
    ['1n', 0, 'a BigInt literal'],
    ['true', 0, 'true is not allowed'],
    ['null', 0, 'null is not allowed'],
    ['010', 0, 'a legacy octal literal'],
    ['`a`', 0, 'a template literal'],
    ['(function () { return 1 })', 1, 'a function expression'],
    ['(() => 1)', 1, 'an arrow function'],
    ['(class {})', 1, 'a class'],
    ['new x', 0, 'new'],
    ['import("fs")', 0, 'import()'],
    ['this', 0, 'this'],
    ['max(...x)', 4, 'spread (...)'],
  ])('not allowed: %s', (expr, offset, kind) => {
    const found = problemsOf(expr)
    expect(found.map((p) => p.at)).toEqual([`expression-not-allowed@${offset}`])
    expect(found[0]!.message).toContain(kind)
  })

  it('reports every problem of an expression, each once', () => {
    expect(problemsOf('foo + x.y + bar(1) + sqrt()').map((p) => p.at)).toEqual([
      'unknown-identifier@0', 'expression-not-allowed@7', 'unknown-function@12', 'function-arity@21',
    ])
  })

  it('an input is not a function', () => {
    expect(problemsOf('x(1)')).toEqual([{at: 'unknown-function@0', message: '"x" is an input, not a function (see docs/formulas.md for the function list)'}])
  })
})

describe('params', () => {
  const spec = specOf('interp(x, xs, ys) * k', ['x'], [{kind: 'table', name: 'xs'}, {kind: 'table', name: 'ys'}, {default: 2, name: 'k'}])

  it('overrides win over defaults', () => {
    const i = instantiate(spec, {k: 10, xs: [0, 1], ys: [0, 1]})
    expect(i.evaluate(0.5)).toBe(5)
  })

  it.each([
    [{xs: [0, 1]}, 'param "ys" of test needs a value'],
    [{xs: [1, 0], ys: [0, 1]}, 'table "xs" must be strictly ascending (it is the xs of interp)'],
    [{xs: [0, 0], ys: [0, 1]}, 'table "xs" must be strictly ascending (it is the xs of interp)'],
    [{xs: [0, 1, 2], ys: [0, 1]}, 'tables "xs" and "ys" must have the same length (3 ≠ 2)'],
    [{k: [1], xs: [0, 1], ys: [0, 1]}, 'param "k" must be a number'],
    [{xs: 3, ys: [0, 1]}, 'param "xs" must be a table: a non-empty list of numbers'],
    [{xs: [], ys: []}, 'param "xs" must be a table: a non-empty list of numbers'],
    [{q: 1, xs: [0, 1], ys: [0, 1]}, 'test has no param "q"'],
  ])('%j is refused: %s', (params, problem) => {
    expect(paramProblems(spec, params)).toContain(problem)
    expect(() => instantiate(spec, params)).toThrow(RangeError)
  })

  it('a param called constructor is looked up as an own property only', () => {
    const s = specOf('x + constructor', ['x'], [{name: 'constructor'}])
    expect(paramProblems(s, {})).toEqual(['param "constructor" of test needs a value'])
    expect(instantiate(s, {constructor: 2}).evaluate(1)).toBe(3)
  })
})

describe('prev: stateful formulas', () => {
  it('starts at NaN, keeps state per instance, and resets', () => {
    const spec = specOf('is_nan(prev) ? x : prev + x')
    const a = instantiate(spec)
    const b = instantiate(spec)
    expect([a.evaluate(1), a.evaluate(2), a.evaluate(3)]).toEqual([1, 3, 6])
    expect(b.evaluate(10)).toBe(10)
    a.reset()
    expect(a.evaluate(5)).toBe(5)
    expect(b.evaluate(1)).toBe(11)
  })

  it('prev alone is NaN first, then the previous output', () => {
    const i = instantiate(specOf('is_nan(x) ? prev : x * 2'))
    expect(i.evaluate(Number.NaN)).toBeNaN()
    expect(i.evaluate(2)).toBe(4)
    expect(i.evaluate(Number.NaN)).toBe(4)
  })

  it('a low-pass filter converges', () => {
    const i = instantiate(specOf('is_nan(prev) ? x : prev + 0.5 * (x - prev)'))
    expect([0, 8, 8, 8].map((x) => i.evaluate(x))).toEqual([0, 4, 6, 7])
  })
})

describe('generated code', () => {
  it('contains none of the names the user wrote', () => {
    const spec = specOf('constructor * __proto__ + max(valueof, 1)', ['constructor', '__proto__'], [{default: 3, name: 'valueof'}])
    const {source} = compiledOf(spec)
    for (const name of ['constructor', '__proto__', 'valueof', 'max']) expect(source).not.toContain(name)
    expect(instantiate(spec).evaluate(2, 5)).toBe(13)
  })

  it('prints numbers so they round-trip, and non-finite constants without globals', () => {
    const {source} = compiledOf(specOf('x * 0.1 + 1e-320 + 1e999 + nan + pi'))
    expect(source).toContain('0.1')
    expect(source).toContain('1e-320')
    expect(source).toContain('(1 / 0)')
    expect(source).toContain('(0 / 0)')
    expect(source).toContain(String(Math.PI))
    expect(source).not.toMatch(/Infinity|NaN|Math|globalThis/)
  })

  it('evaluate takes the inputs as positional parameters', () => {
    const i = instantiate(specOf('a + b * c', ['a', 'b', 'c']))
    expect(i.evaluate.length).toBe(3)
    expect(i.evaluate(1, 2, 3)).toBe(7)
  })
})

describe('syntax messages', () => {
  it.each([
    ['x +', 'the expression ends too early'],
    ['x + // nothing', 'the expression ends too early'],
    ['max(a b)', 'unexpected "b"'],
    ['x y', 'unexpected "y" after the end of the expression'],
  ])('%s: %s', (expr, message) => {
    expect(problemsOf(expr, ['x', 'a', 'b']).map((p) => p.message)).toEqual([message])
  })
})

describe('hints for names from other languages', () => {
  it.each([
    ['NaN', 'unknown name "NaN": write nan'],
    ['x + Infinity', 'unknown name "Infinity": write inf'],
    ['Math', 'unknown name "Math": call functions by their plain name, e.g. sqrt(x)'],
  ])('%s', (expr, message) => {
    expect(problemsOf(expr).map((p) => p.message)).toEqual([message])
  })
})
