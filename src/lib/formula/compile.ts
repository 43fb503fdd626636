import {checkExpression, type CheckedExpression} from './allowlist.js'
import {compileChecked, type EvaluatorFactory} from './codegen.js'
import type {FormulaInput, FormulaParam, FormulaSpec} from './model.js'
import type {Binding} from './names.js'
import type {ExpressionProblem} from './parse.js'

/** A formula's expression, checked and compiled: what every instance of it shares. */
export interface CompiledFormula {
  readonly names: ReadonlyMap<string, Binding>
  readonly checked: CheckedExpression
  readonly factory: EvaluatorFactory
  /** The generated JavaScript, for tests and for the curious. */
  readonly source: string
}

/** Binds input and param names to positions; a Map, so `constructor` is just a name. */
export function bindingsOf(inputs: readonly Pick<FormulaInput, 'name'>[], params: readonly Pick<FormulaParam, 'kind' | 'name'>[]): Map<string, Binding> {
  const names = new Map<string, Binding>()
  for (const [index, input] of inputs.entries()) if (!names.has(input.name)) names.set(input.name, {index, kind: 'input'})
  let numbers = 0
  let tables = 0
  for (const param of params) {
    if (names.has(param.name)) continue
    names.set(param.name, param.kind === 'table' ? {index: tables++, kind: 'table-param'} : {index: numbers++, kind: 'number-param'})
  }
  return names
}

/** Checks and compiles an expression against a formula's inputs and params. */
export function compileExpression(
  expression: string,
  inputs: readonly Pick<FormulaInput, 'name'>[],
  params: readonly Pick<FormulaParam, 'kind' | 'name'>[],
): {compiled?: CompiledFormula; problems: ExpressionProblem[]} {
  const names = bindingsOf(inputs, params)
  const {checked, problems} = checkExpression(expression, names)
  if (!checked) return {problems}
  return {compiled: {checked, names, ...compileChecked(checked, names, inputs.length)}, problems}
}

// Specs stay plain data; what was compiled for them at load lives here.
const registry = new WeakMap<FormulaSpec, CompiledFormula>()

/** Remembers the compiled form of a spec made by the loader, so instances reuse it. */
export function registerCompiled(spec: FormulaSpec, compiled: CompiledFormula): void {
  registry.set(spec, compiled)
}

/**
 * The compiled form of a spec: the loader's, or compiled now for a spec built by hand.
 * Throws a RangeError naming the first problem when the expression does not check.
 */
export function compiledOf(spec: FormulaSpec): CompiledFormula {
  const known = registry.get(spec)
  if (known) return known
  const {compiled, problems} = compileExpression(spec.expression, spec.inputs, spec.params)
  if (!compiled) {
    const first = problems[0]!
    throw new RangeError(`formula ${spec.name}: ${first.message} [${first.rule}] at character ${first.offset + 1} of the expression`)
  }
  registry.set(spec, compiled)
  return compiled
}
