import type {AnyNode} from 'acorn'

import type {CheckedExpression} from './allowlist.js'
import {FORMULA_CONSTANTS, FUNCTION_IMPLS, FUNCTION_INDEX, PREV} from './functions.js'
import type {Binding} from './names.js'
import {unwrapParens} from './parse.js'

/** What a compiled formula's factory returns: one instance's evaluate and reset. */
export interface EvaluatorPair {
  readonly evaluate: (...inputs: number[]) => number
  readonly reset: () => void
}

/** Builds one instance from bound param values; compiled once per formula, called per instance. */
export type EvaluatorFactory = (
  fns: ReadonlyArray<unknown>,
  numbers: readonly number[],
  tables: readonly Float64Array[],
) => EvaluatorPair

/**
 * Turns a checked expression into a JavaScript function.
 *
 * Why `new Function` is safe here: the source is generated from the checked AST, never copied from
 * the user's text. Only the node kinds in the allowlist are emitted, through the fixed spellings in
 * this file (a node of any other kind throws). Numbers are printed with `String(n)`, which
 * round-trips every finite double; NaN and infinities become `(0/0)` and `(1/0)`. Inputs become
 * positional parameters `i0…`, params become bound constants `p0…`/`t0…`, `prev` becomes the state
 * variable `s`, and functions become `f0…`, taken from our frozen implementation table by index.
 * No user-provided identifier or string ever reaches the generated source, and it reads no global.
 */
export function compileChecked(checked: CheckedExpression, names: ReadonlyMap<string, Binding>, inputCount: number): {factory: EvaluatorFactory; source: string} {
  const emitter = new Emitter(names)
  const body = emitter.emit(checked.ast)
  const inputs = Array.from({length: inputCount}, (_, i) => `i${i}`).join(', ')
  const lines = ["'use strict'"]
  for (const index of [...emitter.functions].sort((a, b) => a - b)) lines.push(`const f${index} = fns[${index}]`)
  for (const [, b] of names) {
    if (b.kind === 'number-param') lines.push(`const p${b.index} = numbers[${b.index}]`)
    if (b.kind === 'table-param') lines.push(`const t${b.index} = tables[${b.index}]`)
  }
  if (checked.usesPrev) {
    lines.push('let s = 0 / 0')
    lines.push(`function evaluate(${inputs}) { const r = ${body}; s = r; return r }`)
    lines.push('function reset() { s = 0 / 0 }')
  } else {
    lines.push(`function evaluate(${inputs}) { return ${body} }`)
    lines.push('function reset() {}')
  }
  lines.push('return {evaluate, reset}')
  const source = lines.join('\n')
  // The one place pitwall compiles code at run time; see the comment above for why it is safe.
  const factory = new Function('fns', 'numbers', 'tables', source) as EvaluatorFactory
  return {factory, source}
}

/** The function table every compiled formula receives. */
export const RUNTIME_FUNCTIONS: ReadonlyArray<unknown> = FUNCTION_IMPLS

const COMPARISON: ReadonlyMap<string, string> = new Map([
  ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>='], ['==', '==='], ['===', '==='], ['!=', '!=='], ['!==', '!=='],
])
const ARITHMETIC: ReadonlyMap<string, string> = new Map([['+', '+'], ['-', '-'], ['*', '*'], ['/', '/'], ['%', '%'], ['**', '**']])

class Emitter {
  readonly functions = new Set<number>()

  constructor(private readonly names: ReadonlyMap<string, Binding>) {}

  // Every composite result is parenthesized, so precedence never depends on how pieces join.
  emit(node: AnyNode): string {
    switch (node.type) {
      case 'Literal': {
        if (typeof node.value !== 'number') break
        return number(node.value)
      }
      case 'Identifier': {
        return this.identifier(node.name)
      }
      case 'UnaryExpression': {
        const a = this.emit(node.argument)
        if (node.operator === '-') return `(-${a})`
        if (node.operator === '+') return `(+${a})`
        if (node.operator === '!') return `(${a} ? 0 : 1)`
        break
      }
      case 'BinaryExpression': {
        if (node.left.type === 'PrivateIdentifier') break
        const l = this.emit(node.left)
        const r = this.emit(node.right)
        const arithmetic = ARITHMETIC.get(node.operator)
        if (arithmetic) return `(${l} ${arithmetic} ${r})`
        const comparison = COMPARISON.get(node.operator)
        if (comparison) return `(${l} ${comparison} ${r} ? 1 : 0)`
        break
      }
      case 'LogicalExpression': {
        const l = this.emit(node.left)
        const r = this.emit(node.right)
        if (node.operator === '&&') return `(${l} && ${r} ? 1 : 0)`
        if (node.operator === '||') return `(${l} || ${r} ? 1 : 0)`
        break
      }
      case 'ConditionalExpression': {
        return `(${this.emit(node.test)} ? ${this.emit(node.consequent)} : ${this.emit(node.alternate)})`
      }
      case 'ParenthesizedExpression': {
        return this.emit(node.expression)
      }
      case 'CallExpression': {
        const callee = unwrapParens(node.callee)
        if (callee.type !== 'Identifier' || node.optional) break
        const index = FUNCTION_INDEX.get(callee.name)
        if (index === undefined) break
        const args = node.arguments.map((a) => this.emit(a))
        // mean is written inline: a variadic call through a rest parameter would allocate.
        if (callee.name === 'mean') return `((${args.join(' + ')}) / ${args.length})`
        this.functions.add(index)
        return `f${index}(${args.join(', ')})`
      }
      default:
    }
    // Unreachable after the allowlist check; refusing here keeps the generator safe on its own.
    throw new Error(`formula code generator met a node outside the allowlist: ${node.type}`)
  }

  private identifier(name: string): string {
    const b = this.names.get(name)
    if (b?.kind === 'input') return `i${b.index}`
    if (b?.kind === 'number-param') return `p${b.index}`
    if (b?.kind === 'table-param') return `t${b.index}`
    if (name === PREV) return 's'
    const constant = FORMULA_CONSTANTS.get(name)
    if (constant !== undefined) return number(constant)
    throw new Error(`formula code generator met an unbound name`)
  }
}

function number(value: number): string {
  if (Number.isNaN(value)) return '(0 / 0)'
  if (value === Number.POSITIVE_INFINITY) return '(1 / 0)'
  if (value === Number.NEGATIVE_INFINITY) return '(-1 / 0)'
  if (Object.is(value, -0)) return '(-0)'
  const text = String(value)
  if (!Object.is(Number(text), value)) throw new Error(`number ${text} does not round-trip`)
  return value < 0 ? `(${text})` : text
}
