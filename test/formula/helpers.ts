import {FindingSink, type Finding} from '../../src/lib/findings.js'
import {compileExpression} from '../../src/lib/formula/compile.js'
import {instantiate, readFormulaMap, type FormulaSpec, type ParamValue} from '../../src/lib/formula/index.js'
import {YamlSource} from '../../src/lib/yaml/index.js'

/** A param as a test declares it; the kind follows from the default unless given. */
export interface TestParam {
  readonly name: string
  readonly default?: ParamValue
  readonly kind?: 'number' | 'table'
}

const AT = {column: 1, line: 1}

/** A formula spec built by hand, the way a caller outside the loader could. */
export function specOf(expression: string, inputs: readonly string[] = ['x'], params: readonly TestParam[] = []): FormulaSpec {
  return {
    description: 'test',
    examples: [],
    expression,
    expressionPos: AT,
    file: 'test',
    inputs: inputs.map((name) => ({name, pos: AT, unit: 'any'})),
    name: 'test',
    outputUnit: 'any',
    params: params.map((p) => ({
      kind: p.kind ?? (Array.isArray(p.default) ? 'table' : 'number'),
      name: p.name,
      pos: AT,
      ...(p.default === undefined ? {} : {default: p.default}),
    })),
    pos: AT,
    sequences: [],
    stateful: expression.includes('prev'),
  }
}

/** Evaluates an expression once: inputs by name (in the order given), params as defaults. */
export function run(expression: string, inputs: Readonly<Record<string, number>> = {}, params: readonly TestParam[] = []): number {
  const names = Object.keys(inputs)
  return instantiate(specOf(expression, names.length > 0 ? names : ['x'], params)).evaluate(...Object.values(inputs))
}

/** The problems of an expression as `rule@offset` strings, plus the messages. */
export function problemsOf(expression: string, inputs: readonly string[] = ['x'], params: readonly TestParam[] = []): Array<{at: string; message: string}> {
  const kinds = params.map((p) => ({kind: p.kind ?? (Array.isArray(p.default) ? 'table' : 'number') as 'number' | 'table', name: p.name}))
  const {problems} = compileExpression(expression, inputs.map((name) => ({name})), kinds)
  return problems.map((p) => ({at: `${p.rule}@${p.offset}`, message: p.message}))
}

/** Reads a formula library text through the real YAML reader; returns formulas and findings. */
export function readLibraryText(text: string, file = 'test.yaml'): {formulas: Map<string, FormulaSpec>; findings: Finding[]} {
  const sink = new FindingSink(file)
  const source = new YamlSource(text, file, sink)
  const formulas = readFormulaMap(source, ['formulas'], sink)
  return {findings: sink.findings, formulas}
}

/** `line:column rule` of each finding, sorted: what the broken-file comments state. */
export function brief(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.line}:${f.column} ${f.rule}`).sort()
}
