import {isMap} from 'yaml'

import type {FindingSink, SourcePos} from '../findings.js'
import {findUnit} from '../units/index.js'
import {checkAgainstSchema, type YamlSource} from '../yaml/index.js'
import {compileExpression, registerCompiled} from './compile.js'
import {defaultParamProblems} from './instance.js'
import type {FormulaInput, FormulaParam, FormulaSpec, ParamValue} from './model.js'
import {NAME_PATTERN, reservedReason} from './names.js'
import {readExamples} from './read-examples.js'
import {formulaEntriesSchemaAt, isFormulaShape} from './schema.js'
import {keysAt, valueAt, type KeyAt, type YamlPath} from './yaml-walk.js'

/** Options of `readFormulaMap`. */
export interface ReadFormulaOptions {
  /**
   * The caller already checked the whole document against a schema that uses this module's
   * formula definitions (as the library loader does), so the map is not checked again.
   * Defaults to `false`: readFormulaMap checks the entries' shape itself (rule `schema`).
   */
  readonly schemaChecked?: boolean
}

// A formula entry as the schema shaped it.
interface FormulaJson {
  readonly description: string
  readonly inputs: Readonly<Record<string, {readonly unit: string; readonly description?: string}>>
  readonly params?: Readonly<Record<string, {readonly kind?: 'number' | 'table'; readonly default?: ParamValue; readonly unit?: string; readonly description?: string}>>
  readonly output: {readonly unit: string}
  readonly expr: string
}

/**
 * Reads, checks and compiles the map of formula definitions at `path` of a YAML document (a
 * library's `formulas:`, or a car file's car-local `formulas:`). Every problem is reported to
 * `sink` at its file position; entries with errors are left out of the result (problems in an
 * example only drop that example). Examples are read but not run: see `checkExamples`.
 *
 * Entry names must match `[a-z_][a-z0-9_]*`, and entries must be maps: the document's own schema
 * reports those that are not (the library schema and car.schema.json both do), and they are
 * skipped here.
 */
export function readFormulaMap(source: YamlSource, path: YamlPath, sink: FindingSink, options: ReadFormulaOptions = {}): Map<string, FormulaSpec> {
  const keys = keysAt(source, path)
  if (!options.schemaChecked) {
    const entries = keys.filter((k) => isMap(source.nodeAt([...path, k.name]))).map((k) => k.name)
    if (entries.length > 0) checkAgainstSchema(source, formulaEntriesSchemaAt(path, entries), sink)
  }
  const formulas = new Map<string, FormulaSpec>()
  for (const key of keys) {
    const at = [...path, key.name]
    // A bad name or shape was reported by the schema check; reading it would only add noise.
    if (!NAME_PATTERN.test(key.name) || formulas.has(key.name) || !isFormulaShape(valueAt(source, at))) continue
    const spec = new FormulaReader(source, at, key, sink).read()
    if (spec) formulas.set(key.name, spec)
  }
  return formulas
}

class FormulaReader {
  private errors = 0
  private readonly json: FormulaJson

  constructor(
    private readonly source: YamlSource,
    private readonly path: YamlPath,
    private readonly key: KeyAt,
    private readonly sink: FindingSink,
  ) {
    this.json = valueAt(source, path) as FormulaJson
  }

  read(): FormulaSpec | undefined {
    const {json, path, source} = this
    const inputs = this.inputs()
    const params = this.params()
    this.checkNames(inputs, params)
    this.checkUnit(json.output.unit, [...path, 'output', 'unit'])
    const exprNode = source.nodeAt([...path, 'expr'])!
    const {compiled, problems} = compileExpression(json.expr, inputs, params)
    for (const p of problems) this.error(source.valuePos(exprNode, p.offset), p.rule, p.message)
    if (compiled) {
      for (const item of [...inputs, ...params]) {
        if (!compiled.checked.used.has(item.name)) {
          this.sink.warning(item.pos, 'unused-name', `${inputs.includes(item as FormulaInput) ? 'input' : 'param'} "${item.name}" is not used by the expression`)
        }
      }
    }
    const {examples, sequences, written} = readExamples({formula: this.key.name, inputs, params, sink: this.sink, source}, path)
    if (written === 0) this.sink.warning(this.key.pos, 'no-examples', `formula "${this.key.name}" has no examples: add some so validate-car can check it`)
    if (!compiled || this.errors > 0) return undefined
    const spec: FormulaSpec = {
      description: json.description,
      examples,
      expression: json.expr,
      expressionPos: source.valuePos(exprNode, 0),
      file: source.file,
      inputs,
      name: this.key.name,
      outputUnit: json.output.unit,
      params,
      pos: this.key.pos,
      sequences,
      stateful: compiled.checked.usesPrev,
    }
    registerCompiled(spec, compiled)
    for (const problem of defaultParamProblems(spec)) {
      const param = params.find((p) => p.name === problem.param)
      this.error(param?.pos ?? this.key.pos, 'param-value', problem.message)
    }
    return this.errors > 0 ? undefined : spec
  }

  private inputs(): FormulaInput[] {
    const at = [...this.path, 'inputs']
    return keysAt(this.source, at).map(({name, pos}) => {
      const {description, unit} = this.json.inputs[name]!
      this.checkUnit(unit, [...at, name, 'unit'])
      return {name, pos, unit, ...(description === undefined ? {} : {description})}
    })
  }

  private params(): FormulaParam[] {
    const at = [...this.path, 'params']
    return keysAt(this.source, at).map(({name, pos}) => {
      const {default: value, description, kind, unit} = this.json.params![name]!
      if (unit !== undefined) this.checkUnit(unit, [...at, name, 'unit'])
      return {
        kind: kind ?? (Array.isArray(value) ? 'table' : 'number'),
        name,
        pos,
        ...(value === undefined ? {} : {default: value}),
        ...(description === undefined ? {} : {description}),
        ...(unit === undefined ? {} : {unit}),
      }
    })
  }

  private checkNames(inputs: readonly FormulaInput[], params: readonly FormulaParam[]): void {
    const inputNames = new Set(inputs.map((i) => i.name))
    for (const item of [...inputs, ...params]) {
      const what = inputs.includes(item as FormulaInput) ? 'input' : 'param'
      const reason = reservedReason(item.name)
      if (reason) this.error(item.pos, 'reserved-name', `${what} "${item.name}" cannot be used: ${reason}`)
      else if (what === 'param' && inputNames.has(item.name)) this.error(item.pos, 'duplicate-name', `param "${item.name}" has the name of an input`)
    }
  }

  private checkUnit(unit: string, at: YamlPath): void {
    if (unit === 'any' || findUnit(unit)) return
    this.sink.warning(this.source.closestPos(at), 'unknown-unit', `unknown unit "${unit}": not in pitwall's unit registry (write any for a unit-agnostic value)`)
  }

  private error(pos: SourcePos, rule: string, message: string): void {
    this.errors++
    this.sink.error(pos, rule, message)
  }
}
