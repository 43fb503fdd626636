import {FORMULA_CONSTANTS, FORMULA_FUNCTIONS, PREV} from './functions.js'

/** What a name in an expression stands for, once a formula's inputs and params are known. */
export type Binding =
  | {readonly kind: 'input'; readonly index: number}
  | {readonly kind: 'number-param'; readonly index: number}
  | {readonly kind: 'table-param'; readonly index: number}

/** Formula, input and param names: lower case, digits and underscores, not starting with a digit. */
export const NAME_PATTERN = /^[a-z_][a-z0-9_]*$/

// Words that match NAME_PATTERN but that JavaScript's grammar (and so acorn) treats specially:
// an input called `new` or `this` could never be written in an expression.
const JS_WORDS = new Set([
  'arguments', 'async', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger',
  'default', 'delete', 'do', 'else', 'enum', 'eval', 'export', 'extends', 'false', 'finally', 'for',
  'function', 'if', 'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null',
  'package', 'private', 'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw',
  'true', 'try', 'typeof', 'undefined', 'var', 'void', 'while', 'with', 'yield',
])

/**
 * Why an input or param may not be called `name`, or undefined when it may: names of functions,
 * constants, `prev` and JavaScript keywords are taken.
 */
export function reservedReason(name: string): string | undefined {
  if (FORMULA_FUNCTIONS.has(name)) return `"${name}" is a function name`
  if (FORMULA_CONSTANTS.has(name)) return `"${name}" is a constant`
  if (name === PREV) return '"prev" is the formula\'s previous output'
  if (JS_WORDS.has(name)) return `"${name}" is a JavaScript keyword`
  return undefined
}
