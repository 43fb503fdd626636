import type {FindingSink, SourcePos} from '../findings.js'
import type {YamlSource} from '../yaml/index.js'
import type {FormulaExample, FormulaInput, FormulaParam, ParamValue} from './model.js'
import {lengthAt, valueAt, type YamlPath} from './yaml-walk.js'

/** What reading one formula's examples needs to know. */
export interface ExampleContext {
  readonly source: YamlSource
  readonly sink: FindingSink
  readonly formula: string
  readonly inputs: readonly FormulaInput[]
  readonly params: readonly FormulaParam[]
}

/** Examples as the schema shaped them. */
interface ExampleJson {
  readonly in: Readonly<Record<string, number | null>>
  readonly params?: Readonly<Record<string, ParamValue>>
  readonly out: number | null
  readonly tolerance?: number
}

type ParamsJson = Readonly<Record<string, ParamValue>> | undefined

/**
 * Reads `examples`, `sequence` and `sequences` under a formula. An example that names an unknown
 * input or param, misses an input, or leaves a param without a value is reported
 * (`formula-example`) and dropped; the formula itself stays usable.
 */
export function readExamples(ctx: ExampleContext, path: YamlPath): {examples: FormulaExample[]; sequences: FormulaExample[][]; written: number} {
  const examples: FormulaExample[] = []
  const sequences: FormulaExample[][] = []
  const count = lengthAt(ctx.source, [...path, 'examples'])
  for (let i = 0; i < count; i++) {
    const at = [...path, 'examples', i]
    const json = valueAt(ctx.source, at) as ExampleJson
    const example = readOne(ctx, at, json, json.params, true)
    if (example) examples.push(example)
  }
  let written = count
  if (lengthAt(ctx.source, [...path, 'sequence']) > 0) {
    written++
    const group = readGroup(ctx, [...path, 'sequence'], [...path, 'sequence'], undefined)
    if (group) sequences.push(group)
  }
  const groups = lengthAt(ctx.source, [...path, 'sequences'])
  for (let g = 0; g < groups; g++) {
    written++
    const at = [...path, 'sequences', g]
    const group = readGroup(ctx, at, [...at, 'steps'], valueAt(ctx.source, [...at, 'params']) as ParamsJson)
    if (group) sequences.push(group)
  }
  return {examples, sequences, written}
}

// One instance runs every step of a group, so a group with a bad step is dropped whole.
function readGroup(ctx: ExampleContext, groupPath: YamlPath, stepsPath: YamlPath, params: ParamsJson): FormulaExample[] | undefined {
  const problems = paramProblemsOf(ctx, params)
  if (problems.length > 0) {
    report(ctx, ctx.source.closestPos(groupPath), `sequence of ${ctx.formula}: ${problems.join('; ')}`)
    return undefined
  }
  const steps: FormulaExample[] = []
  let ok = true
  const count = lengthAt(ctx.source, stepsPath)
  for (let i = 0; i < count; i++) {
    const at = [...stepsPath, i]
    const step = readOne(ctx, at, valueAt(ctx.source, at) as ExampleJson, params, false)
    if (step) steps.push(step)
    else ok = false
  }
  return ok && steps.length > 0 ? steps : undefined
}

function readOne(ctx: ExampleContext, at: YamlPath, json: ExampleJson, params: ParamsJson, checkParams: boolean): FormulaExample | undefined {
  const problems = inputProblems(ctx, json.in)
  if (checkParams) problems.push(...paramProblemsOf(ctx, params))
  const pos = ctx.source.closestPos(at)
  if (problems.length > 0) {
    report(ctx, pos, `${checkParams ? 'example' : 'sequence step'} of ${ctx.formula}: ${problems.join('; ')}`)
    return undefined
  }
  const inputs = Object.fromEntries(ctx.inputs.map((input) => [input.name, json.in[input.name] ?? Number.NaN]))
  const output = json.out === null || Number.isNaN(json.out) ? null : json.out
  return {
    inputs,
    output,
    pos,
    ...(params ? {params} : {}),
    ...(json.tolerance === undefined ? {} : {tolerance: json.tolerance}),
  }
}

function inputProblems(ctx: ExampleContext, given: Readonly<Record<string, unknown>>): string[] {
  const names = new Set(ctx.inputs.map((i) => i.name))
  const problems = Object.keys(given)
    .filter((key) => !names.has(key))
    .map((key) => `unknown input "${key}" (inputs: ${[...names].join(', ')})`)
  for (const input of ctx.inputs) if (!Object.hasOwn(given, input.name)) problems.push(`missing input "${input.name}"`)
  return problems
}

function paramProblemsOf(ctx: ExampleContext, given: ParamsJson): string[] {
  const problems: string[] = []
  const byName = new Map(ctx.params.map((p) => [p.name, p]))
  for (const [key, value] of Object.entries(given ?? {})) {
    const param = byName.get(key)
    if (!param) problems.push(`unknown param "${key}"${byName.size > 0 ? ` (params: ${[...byName.keys()].join(', ')})` : ''}`)
    else if ((param.kind === 'table') !== Array.isArray(value)) problems.push(`param "${key}" must be a ${param.kind}`)
  }
  for (const param of ctx.params) {
    if (param.default === undefined && !(given && Object.hasOwn(given, param.name))) problems.push(`param "${param.name}" has no default: give it here`)
  }
  return problems
}

function report(ctx: ExampleContext, pos: SourcePos, message: string): void {
  ctx.sink.error(pos, 'formula-example', message)
}
