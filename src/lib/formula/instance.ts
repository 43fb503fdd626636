import {RUNTIME_FUNCTIONS} from './codegen.js'
import {compiledOf} from './compile.js'
import type {FormulaInstance, FormulaParam, FormulaSpec, ParamValue} from './model.js'

type Params = Readonly<Record<string, ParamValue>>

// Own properties only: a param called `constructor` must not find Object.prototype.constructor.
const own = (params: Params | undefined, name: string): ParamValue | undefined =>
  params && Object.hasOwn(params, name) ? params[name] : undefined

/** The value a param gets: the override when given, else the default (possibly undefined). */
export function paramValue(param: FormulaParam, params?: Params): ParamValue | undefined {
  return own(params, param.name) ?? param.default
}

/**
 * One reason params cannot be bound, with the param it concerns when there is one:
 * `unknown` (no such param), `missing` (no value and no default), `type` (a table where a number
 * belongs or the reverse), `value` (a table its function cannot use).
 */
export interface ParamProblem {
  readonly kind: 'unknown' | 'missing' | 'type' | 'value'
  readonly param?: string
  readonly message: string
}

/**
 * Everything wrong with binding `params` (overrides over defaults) to a formula, one sentence
 * each; empty when `instantiate` will succeed. Car loaders report these at the override.
 */
export function paramProblems(spec: FormulaSpec, params?: Params): string[] {
  return bindProblems(spec, params, false).map((p) => p.message)
}

/** The same problems as `paramProblems`, with their kind and param, for loaders that place them. */
export function paramBindingProblems(spec: FormulaSpec, params?: Params): ParamProblem[] {
  return bindProblems(spec, params, false)
}

/** Problems of the defaults alone (a missing default is fine: the car gives the value). */
export function defaultParamProblems(spec: FormulaSpec): ParamProblem[] {
  return bindProblems(spec, undefined, true)
}

function bindProblems(spec: FormulaSpec, params: Params | undefined, allowMissing: boolean): ParamProblem[] {
  const problems: ParamProblem[] = []
  const declared = new Set(spec.params.map((p) => p.name))
  for (const key of Object.keys(params ?? {})) if (!declared.has(key)) problems.push({kind: 'unknown', message: `${spec.name} has no param "${key}"`, param: key})
  const tables = new Map<string, readonly number[]>()
  for (const param of spec.params) {
    const {kind, name} = param
    const value = paramValue(param, params)
    if (value === undefined) {
      if (!allowMissing) problems.push({kind: 'missing', message: `param "${name}" of ${spec.name} needs a value`, param: name})
    } else if (kind === 'number' && typeof value !== 'number') {
      problems.push({kind: 'type', message: `param "${name}" must be a number`, param: name})
    } else if (kind === 'table') {
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number')) {
        problems.push({kind: 'type', message: `param "${name}" must be a table: a non-empty list of numbers`, param: name})
      } else tables.set(name, value)
    }
  }
  problems.push(...tableProblems(spec, tables))
  return problems
}

// What the table functions assume of their tables, checked once at bind instead of per call.
function tableProblems(spec: FormulaSpec, tables: ReadonlyMap<string, readonly number[]>): ParamProblem[] {
  const problems = new Map<string, ParamProblem>()
  const add = (param: string, message: string): void => void problems.set(message, {kind: 'value', message, param})
  const uses = compiledOf(spec).checked.tableUses
  for (const use of uses) {
    const table = tables.get(use.param)
    if (!table) continue
    if (use.fn === 'interp' && use.argument === 1) {
      if (!table.every((v, i) => !Number.isNaN(v) && (i === 0 || v > table[i - 1]!))) {
        add(use.param, `table "${use.param}" must be strictly ascending (it is the xs of interp)`)
      }
      const ys = uses.find((u) => u.call === use.call && u.argument === 2)
      const ysTable = ys && tables.get(ys.param)
      if (ysTable && ysTable.length !== table.length) {
        add(ys.param, `tables "${use.param}" and "${ys.param}" must have the same length (${table.length} ≠ ${ysTable.length})`)
      }
    }
    if (use.fn === 'nearest_index' && table.some((v) => Number.isNaN(v))) add(use.param, `table "${use.param}" must not contain NaN`)
  }
  return [...problems.values()]
}

/**
 * One use of a formula with its params bound (overrides over defaults). The expression was
 * compiled at load; this only binds values, so it is cheap, and `evaluate` allocates nothing.
 * Throws a RangeError listing the problems when the params do not fit (see `paramProblems`).
 */
export function instantiate(spec: FormulaSpec, params?: Params): FormulaInstance {
  const problems = paramProblems(spec, params)
  if (problems.length > 0) throw new RangeError(`cannot instantiate ${spec.name}: ${problems.join('; ')}`)
  const compiled = compiledOf(spec)
  const numbers: number[] = []
  const tables: Float64Array[] = []
  for (const param of spec.params) {
    const binding = compiled.names.get(param.name)
    const value = paramValue(param, params)!
    if (binding?.kind === 'table-param') tables[binding.index] = Float64Array.from(value as readonly number[])
    else if (binding?.kind === 'number-param') numbers[binding.index] = value as number
  }
  const {evaluate, reset} = compiled.factory(RUNTIME_FUNCTIONS, numbers, tables)
  return {evaluate, reset, spec}
}
