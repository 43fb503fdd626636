import type {FindingSink} from '../findings.js'
import {instantiate} from './instance.js'
import type {FormulaExample, FormulaInstance, FormulaSpec, ParamValue} from './model.js'

/** Default example tolerance: relative, plus an absolute floor for expected values near zero. */
export const DEFAULT_RELATIVE_TOLERANCE = 1e-9
export const DEFAULT_ABSOLUTE_TOLERANCE = 1e-12

/** True when `actual` matches an example's expectation (null = NaN expected). */
export function matchesExpected(actual: number, expected: number | null, tolerance?: number): boolean {
  if (expected === null) return Number.isNaN(actual)
  if (Number.isNaN(actual)) return false
  if (!Number.isFinite(expected)) return actual === expected
  const allowed = tolerance ?? DEFAULT_RELATIVE_TOLERANCE * Math.abs(expected) + DEFAULT_ABSOLUTE_TOLERANCE
  return Math.abs(actual - expected) <= allowed
}

/**
 * Runs a formula's examples, each on a fresh instance, and each sequence in order on one
 * instance; reports every mismatch as `formula-example` at the example, showing inputs, params,
 * the expected and the actual output.
 */
export function checkExamples(spec: FormulaSpec, sink: FindingSink): void {
  for (const example of spec.examples) {
    const instance = bind(spec, example, sink, 'example')
    if (instance) checkOne(instance, example, sink, 'example')
  }
  for (const steps of spec.sequences) {
    const instance = steps[0] && bind(spec, steps[0], sink, 'sequence')
    if (!instance) continue
    for (const [i, step] of steps.entries()) checkOne(instance, step, sink, `sequence step ${i + 1}`)
  }
}

function bind(spec: FormulaSpec, example: FormulaExample, sink: FindingSink, what: string): FormulaInstance | undefined {
  try {
    return instantiate(spec, example.params)
  } catch (error) {
    sink.error(example.pos, 'formula-example', `${what} of ${spec.name}: ${(error as Error).message}`)
    return undefined
  }
}

function checkOne(instance: FormulaInstance, example: FormulaExample, sink: FindingSink, what: string): void {
  const {spec} = instance
  const actual = instance.evaluate(...spec.inputs.map((input) => example.inputs[input.name] ?? Number.NaN))
  if (matchesExpected(actual, example.output, example.tolerance)) return
  const inputs = spec.inputs.map((input) => `${input.name}=${show(example.inputs[input.name] ?? Number.NaN)}`).join(', ')
  const params = Object.entries(example.params ?? {}).map(([name, value]) => `${name}=${show(value)}`)
  const call = `${spec.name}(${inputs}${params.length > 0 ? `; ${params.join(', ')}` : ''})`
  const tolerance = example.tolerance === undefined ? '' : ` ± ${example.tolerance}`
  sink.error(example.pos, 'formula-example', `${what}: ${call} = ${show(actual)}, expected ${show(example.output)}${tolerance}`)
}

// How values read in messages: as they would be written in YAML.
function show(value: ParamValue | null): string {
  if (value === null) return 'null (no value)'
  if (typeof value !== 'number') return `[${value.map((v) => show(v)).join(', ')}]`
  if (Number.isNaN(value)) return '.nan'
  if (value === Number.POSITIVE_INFINITY) return '.inf'
  if (value === Number.NEGATIVE_INFINITY) return '-.inf'
  return String(value)
}
