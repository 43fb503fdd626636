/**
 * The fixed function set of the formula language: names, arities, meaning, and our own
 * implementations. Nothing else can be called from a formula. Tables arrive as Float64Arrays
 * bound once per instance, so the table functions never allocate.
 */

/** What docs and the checker need to know about one function. */
export interface FormulaFunctionInfo {
  /** Minimum and maximum argument count; the maximum is `Infinity` for variadic functions. */
  readonly arity: [number, number]
  /** How it is called, e.g. `clamp(x, lo, hi)`. */
  readonly signature: string
  readonly description: string
  /** 0-based positions of arguments that must name a table param. */
  readonly tableArgs: readonly number[]
}

type Impl = (...args: never[]) => number

interface Entry extends FormulaFunctionInfo {
  /** Undefined for functions the code generator writes inline (`mean`). */
  readonly impl: Impl | undefined
}

const VARIADIC = Number.POSITIVE_INFINITY

// Round half away from zero, as engineers expect from round(-2.5) = -3 (Math.round gives -2).
const round = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x))

// NaN stays NaN; a NaN bound is ignored because the comparisons with it are false.
const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x)

const isNan = (x: number): number => (x === x ? 0 : 1)

/** Linear interpolation in a table, clamped at both ends; `xs` is strictly ascending (checked at bind). */
function interp(x: number, xs: Float64Array, ys: Float64Array): number {
  if (x !== x) return Number.NaN
  const last = xs.length - 1
  if (x <= xs[0]!) return ys[0]!
  if (x >= xs[last]!) return ys[last]!
  let lo = 0
  let hi = last
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (xs[mid]! <= x) lo = mid
    else hi = mid
  }
  const t = (x - xs[lo]!) / (xs[hi]! - xs[lo]!)
  return ys[lo]! + t * (ys[hi]! - ys[lo]!)
}

/**
 * 1-based index of the table entry nearest to x (the first one on a tie). With `tol`, NaN when
 * even the nearest entry is further than tol × |entry| away: how a gear is "none of them".
 */
function nearestIndex(x: number, table: Float64Array, tol?: number): number {
  if (x !== x) return Number.NaN
  let best = -1
  let bestDistance = Number.POSITIVE_INFINITY
  for (let i = 0; i < table.length; i++) {
    const d = Math.abs(x - table[i]!)
    if (d < bestDistance) {
      bestDistance = d
      best = i
    }
  }
  if (best < 0) return Number.NaN
  if (tol !== undefined && !(bestDistance <= tol * Math.abs(table[best]!))) return Number.NaN
  return best + 1
}

const unary = (signature: string, description: string, impl: Impl): Entry => ({arity: [1, 1], description, impl, signature, tableArgs: []})

// [name, entry]: table order is the documentation order.
const ENTRIES: ReadonlyArray<readonly [string, Entry]> = [
  ['abs', unary('abs(x)', 'Absolute value.', Math.abs)],
  ['sign', unary('sign(x)', '-1, 0 or 1 by the sign of x.', Math.sign)],
  ['min', {arity: [1, VARIADIC], description: 'Smallest argument; NaN when any argument is NaN.', impl: Math.min, signature: 'min(a, b, ...)', tableArgs: []}],
  ['max', {arity: [1, VARIADIC], description: 'Largest argument; NaN when any argument is NaN.', impl: Math.max, signature: 'max(a, b, ...)', tableArgs: []}],
  ['mean', {arity: [1, VARIADIC], description: 'Arithmetic mean of the arguments; NaN when any argument is NaN.', impl: undefined, signature: 'mean(a, b, ...)', tableArgs: []}],
  ['clamp', {arity: [3, 3], description: 'x limited to [lo, hi]; NaN stays NaN.', impl: clamp, signature: 'clamp(x, lo, hi)', tableArgs: []}],
  ['hypot', {arity: [1, VARIADIC], description: 'Square root of the sum of squares (vector length).', impl: Math.hypot, signature: 'hypot(a, b, ...)', tableArgs: []}],
  ['sqrt', unary('sqrt(x)', 'Square root (NaN for x < 0).', Math.sqrt)],
  ['cbrt', unary('cbrt(x)', 'Cube root.', Math.cbrt)],
  ['pow', {arity: [2, 2], description: 'x to the power y (same as x ** y).', impl: Math.pow, signature: 'pow(x, y)', tableArgs: []}],
  ['exp', unary('exp(x)', 'e to the power x.', Math.exp)],
  ['ln', unary('ln(x)', 'Natural logarithm.', Math.log)],
  ['log10', unary('log10(x)', 'Base-10 logarithm.', Math.log10)],
  ['log2', unary('log2(x)', 'Base-2 logarithm.', Math.log2)],
  ['sin', unary('sin(x)', 'Sine, x in radians.', Math.sin)],
  ['cos', unary('cos(x)', 'Cosine, x in radians.', Math.cos)],
  ['tan', unary('tan(x)', 'Tangent, x in radians.', Math.tan)],
  ['asin', unary('asin(x)', 'Arc sine, in radians.', Math.asin)],
  ['acos', unary('acos(x)', 'Arc cosine, in radians.', Math.acos)],
  ['atan', unary('atan(x)', 'Arc tangent, in radians.', Math.atan)],
  ['atan2', {arity: [2, 2], description: 'Angle of the point (x, y) in radians, from y and x.', impl: Math.atan2, signature: 'atan2(y, x)', tableArgs: []}],
  ['floor', unary('floor(x)', 'Largest integer ≤ x.', Math.floor)],
  ['ceil', unary('ceil(x)', 'Smallest integer ≥ x.', Math.ceil)],
  ['round', unary('round(x)', 'Nearest integer, halves away from zero (round(-2.5) = -3).', round)],
  ['trunc', unary('trunc(x)', 'Integer part (towards zero).', Math.trunc)],
  ['is_nan', unary('is_nan(x)', '1 when x is NaN ("no value"), else 0.', isNan)],
  ['interp', {arity: [3, 3], description: 'Linear interpolation of x in the table xs → ys (xs strictly ascending, same length), clamped at the ends; NaN for NaN x.', impl: interp, signature: 'interp(x, xs, ys)', tableArgs: [1, 2]}],
  ['nearest_index', {arity: [2, 3], description: '1-based index of the table entry nearest to x; NaN for NaN x. With tol, NaN when the nearest entry is further than tol × |entry|.', impl: nearestIndex, signature: 'nearest_index(x, table[, tol])', tableArgs: [1]}],
]

/** Index of each function in `FUNCTION_IMPLS`; generated code refers to functions by this number only. */
export const FUNCTION_INDEX: ReadonlyMap<string, number> = new Map(ENTRIES.map(([name], i) => [name, i]))

/** Implementations in `FUNCTION_INDEX` order, frozen: the only functions compiled formulas can reach. */
export const FUNCTION_IMPLS: ReadonlyArray<Impl | undefined> = Object.freeze(ENTRIES.map(([, e]) => e.impl))

/** Every function a formula can call, for the checker and for docs. */
export const FORMULA_FUNCTIONS: ReadonlyMap<string, FormulaFunctionInfo> = new Map(
  ENTRIES.map(([name, {arity, description, signature, tableArgs}]) => [name, Object.freeze({arity, description, signature, tableArgs})]),
)

/** Named constants; `prev` is not one of them (it is per-instance state). */
export const FORMULA_CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['pi', Math.PI],
  ['e', Math.E],
  ['nan', Number.NaN],
  ['inf', Number.POSITIVE_INFINITY],
])

/** The identifier that reads the formula instance's own previous output. */
export const PREV = 'prev'
