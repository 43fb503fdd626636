import type {DbcDatabase} from '../dbc/model.js'
import type {FindingSink, SourcePos} from '../findings.js'
import {paramBindingProblems} from '../formula/index.js'
import type {FormulaSpec, ParamValue} from '../formula/model.js'
import {sameUnit} from '../units/index.js'
import type {YamlSource} from '../yaml/index.js'
import type {Channel, ChannelKind, FormulaUse, SignalRef} from './model.js'
import {SignalIndex} from './signal-index.js'

/** Formula lookup: car-local first, then the shared library. */
export type FormulaLookup = (name: string) => FormulaSpec | undefined

type Entry = Readonly<Record<string, unknown>>
interface Declared {
  readonly name: string
  readonly kind: Exclude<ChannelKind, 'signal'>
  readonly body: Entry
  readonly path: ReadonlyArray<string | number>
}

const SECTIONS = [
  ['signals', 'pipeline'],
  ['derived', 'derived'],
  ['methods', 'method'],
] as const

const isEntry = (v: unknown): v is Entry => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Turns the car file's `signals`, `derived` and `methods` sections into channels, checking every
 * reference: signals, formulas, inputs, parameters, units, cycles, name clashes. Entries with a
 * wrong shape were already reported by the schema check and are skipped here, so one bad entry
 * does not hide the problems of the others.
 */
export class ChannelBinder {
  private readonly signals: SignalIndex
  private readonly declared = new Map<string, Declared>()
  private readonly built = new Map<string, Channel>()
  private readonly units = new Map<string, string>()
  private readonly inProgress: string[] = []
  private readonly reportedCycles = new Set<string>()
  private readonly consumed = new Set<unknown>()
  private passthrough = true

  constructor(
    private readonly source: YamlSource,
    private readonly dbc: DbcDatabase,
    private readonly formulas: FormulaLookup,
    private readonly sink: FindingSink,
  ) {
    this.signals = new SignalIndex(dbc)
  }

  /** Binds everything; returns channels in evaluation order (dependencies first). */
  bind(data: Entry, passthrough: boolean): Channel[] {
    this.passthrough = passthrough
    for (const [section, kind] of SECTIONS) {
      const entries = data[section]
      if (!isEntry(entries)) continue
      for (const [name, body] of Object.entries(entries)) {
        if (!isEntry(body)) continue
        const path = [section, name]
        const clash = this.declared.get(name)
        if (clash) {
          this.error(this.keyPos(path), 'duplicate-output', `channel "${name}" is already declared in ${clash.path[0]}`)
          continue
        }
        this.declared.set(name, {body, kind, name, path})
      }
    }
    // A DBC signal that a pipeline reads is replaced by that pipeline's output: it does not also
    // pass through under its DBC name (a rename must not leave the misleading name behind).
    for (const decl of this.declared.values()) {
      const from = decl.body['from']
      if (decl.kind !== 'pipeline' || typeof from !== 'string' || (from !== decl.name && this.declared.has(from))) continue
      const found = this.signals.find(from)
      if (found.kind === 'one') this.consumed.add(found.ref.signal)
    }
    for (const name of this.declared.keys()) this.build(name)
    const passed = passthrough ? this.passthroughChannels() : []
    return [...passed, ...this.order()]
  }

  private passthroughChannels(): Channel[] {
    const out: Channel[] = []
    for (const ref of this.signals.all()) {
      if (this.consumed.has(ref.signal)) continue
      const name = this.signals.channelName(ref)
      const clash = this.declared.get(name)
      if (clash) {
        this.error(
          this.keyPos(clash.path),
          'duplicate-output',
          `channel "${name}" collides with DBC signal ${ref.message.name}.${ref.signal.name}, which passes through; ` +
            `read it in a pipeline under another name (e.g. dbc_${name}: {from: ${name}}) or set passthrough: false`,
        )
        continue
      }
      out.push({dependsOn: [], kind: 'signal', name, pos: ref.signal.pos, source: ref, steps: [], unit: ref.signal.unit})
    }
    return out
  }

  // Depth-first, so a channel's unit is known before anything that reads it is checked.
  private build(name: string): Channel | undefined {
    const done = this.built.get(name)
    if (done) return done
    const decl = this.declared.get(name)
    if (!decl) return undefined
    const cycleStart = this.inProgress.indexOf(name)
    if (cycleStart >= 0) {
      this.reportCycle(this.inProgress.slice(cycleStart))
      return undefined
    }
    this.inProgress.push(name)
    const channel = decl.kind === 'pipeline' ? this.buildPipeline(decl) : this.buildApplication(decl)
    this.inProgress.pop()
    if (channel) {
      this.built.set(name, channel)
      this.units.set(name, channel.unit)
    }
    return channel
  }

  private buildPipeline(decl: Declared): Channel | undefined {
    const from = decl.body['from']
    if (typeof from !== 'string') return undefined
    const fromPath = [...decl.path, 'from']
    let unit: string
    let source: SignalRef | undefined
    let fromChannel: string | undefined
    if (from !== decl.name && this.declared.has(from) && this.signals.find(from).kind !== 'none') {
      this.error(
        this.valuePos(fromPath),
        'ambiguous-signal',
        `"${from}" is both a channel of this car and a DBC signal: write ${this.qualifiedNames(from)} for the signal, or rename the channel`,
      )
      return undefined
    }
    if (from !== decl.name && this.declared.has(from)) {
      const upstream = this.build(from)
      if (!upstream) return undefined
      fromChannel = from
      unit = upstream.unit
    } else {
      const found = this.signals.find(from)
      if (found.kind !== 'one') {
        this.reportUnresolved(this.valuePos(fromPath), from, found.kind === 'many' ? found.candidates : [])
        return undefined
      }
      source = found.ref
      unit = found.ref.signal.unit
    }
    const steps: FormulaUse[] = []
    const rawSteps = Array.isArray(decl.body['steps']) ? (decl.body['steps'] as unknown[]) : []
    let ok = true
    for (const [i, step] of rawSteps.entries()) {
      const use = this.bindStep(step, [...decl.path, 'steps', i], unit, decl.name)
      if (!use) {
        ok = false
        continue
      }
      steps.push(use.use)
      unit = use.unit
    }
    if (!ok || !this.checkDeclaredUnit(decl, unit)) return undefined
    const dependsOn = [...(fromChannel ? [fromChannel] : []), ...steps.flatMap((s) => s.inputs.filter((x): x is string => x !== undefined))]
    return {...this.common(decl, unit), dependsOn, ...(fromChannel ? {fromChannel} : {}), ...(source ? {source} : {}), steps}
  }

  private bindStep(step: unknown, path: Array<string | number>, unitIn: string, channel: string): {use: FormulaUse; unit: string} | undefined {
    const body: Entry | undefined = typeof step === 'string' ? {formula: step} : isEntry(step) ? step : undefined
    if (!body || typeof body['formula'] !== 'string') return undefined
    const formulaPath = typeof step === 'string' ? path : [...path, 'formula']
    const formula = this.lookupFormula(body['formula'], formulaPath)
    if (!formula) return undefined
    const [first, ...rest] = formula.inputs
    if (!first) {
      this.error(this.valuePos(formulaPath), 'missing-input', `formula "${formula.name}" takes no input, so it cannot be a pipeline step`)
      return undefined
    }
    if (!this.unitFits(first.unit, unitIn)) {
      this.error(
        this.valuePos(formulaPath),
        'unit-mismatch',
        `formula "${formula.name}" expects ${first.name} in ${first.unit}, but the value of "${channel}" here is in ${unitIn || 'no unit'}`,
      )
      return undefined
    }
    const inputs = this.bindInputs(formula, rest, body['inputs'], [...path, 'inputs'], path)
    const params = this.bindParams(formula, body['params'], [...path, 'params'], path)
    if (!inputs || !params) return undefined
    return {unit: formula.outputUnit === 'any' ? unitIn : formula.outputUnit, use: {formula, inputs: [undefined, ...inputs], params}}
  }

  private buildApplication(decl: Declared): Channel | undefined {
    if (typeof decl.body['formula'] !== 'string') return undefined
    const formula = this.lookupFormula(decl.body['formula'], [...decl.path, 'formula'])
    if (!formula) return undefined
    const inputs = this.bindInputs(formula, formula.inputs, decl.body['inputs'], [...decl.path, 'inputs'], decl.path)
    const params = this.bindParams(formula, decl.body['params'], [...decl.path, 'params'], decl.path)
    if (!inputs || !params) return undefined
    const firstUnit = inputs[0] === undefined ? '' : (this.units.get(inputs[0]) ?? '')
    const unit = formula.outputUnit === 'any' ? firstUnit : formula.outputUnit
    if (!this.checkDeclaredUnit(decl, unit)) return undefined
    return {...this.common(decl, unit), dependsOn: inputs, steps: [{formula, inputs, params}]}
  }

  /** Binds `wanted` formula inputs from an `inputs:` map of input → channel; reports missing/extra/unknown. */
  private bindInputs(
    formula: FormulaSpec,
    wanted: FormulaSpec['inputs'],
    given: unknown,
    path: Array<string | number>,
    ownerPath: ReadonlyArray<string | number>,
  ): string[] | undefined {
    const map = isEntry(given) ? given : {}
    const names = new Set(formula.inputs.map((i) => i.name))
    let ok = true
    for (const key of Object.keys(map)) {
      if (!wanted.some((w) => w.name === key)) {
        const why = names.has(key) ? 'is the value flowing through the pipeline' : 'is not an input of it'
        this.error(this.keyPos([...path, key]), 'extra-input', `"${key}" ${why} (formula "${formula.name}" takes ${[...names].join(', ')})`)
        ok = false
      }
    }
    const bound: string[] = []
    for (const input of wanted) {
      const ref = map[input.name]
      if (typeof ref !== 'string') {
        const at = isEntry(given) ? this.keyPos(path) : this.keyPos(ownerPath)
        this.error(at, 'missing-input', `formula "${formula.name}" needs input "${input.name}" (${input.unit}): bind it under inputs`)
        ok = false
        continue
      }
      const channel = this.declared.has(ref) ? this.build(ref) : this.passthroughLike(ref)
      if (!channel) {
        if (!this.declared.has(ref)) this.reportUnresolved(this.valuePos([...path, input.name]), ref, [], true)
        ok = false
        continue
      }
      if (!this.unitFits(input.unit, channel.unit)) {
        this.error(
          this.valuePos([...path, input.name]),
          'unit-mismatch',
          `formula "${formula.name}" expects ${input.name} in ${input.unit}, but channel "${ref}" is in ${channel.unit || 'no unit'}`,
        )
        ok = false
        continue
      }
      bound.push(channel.name)
    }
    return ok ? bound : undefined
  }

  private bindParams(formula: FormulaSpec, given: unknown, path: Array<string | number>, ownerPath: ReadonlyArray<string | number>): Record<string, ParamValue> | undefined {
    const params = Object.assign(Object.create(null) as Record<string, ParamValue>, isEntry(given) ? given : {})
    // The formula module decides what binds (the same checks instantiate makes); we place each problem.
    const problems = paramBindingProblems(formula, params)
    const missing = problems.filter((p) => p.kind === 'missing').map((p) => `"${p.param}"`)
    if (missing.length > 0) {
      const what = missing.length === 1 ? 'parameter' : 'parameters'
      this.error(this.keyPos(isEntry(given) ? path : ownerPath), 'missing-param', `formula "${formula.name}" needs ${what} ${missing.join(', ')} (no default)`)
    }
    for (const problem of problems) {
      const at = [...path, problem.param ?? '']
      if (problem.kind === 'unknown') {
        const known = formula.params.map((p) => p.name).join(', ') || 'none'
        this.error(this.keyPos(at), 'unknown-param', `formula "${formula.name}" has no parameter "${problem.param}" (it has: ${known})`)
      } else if (problem.kind === 'type') this.error(this.valuePos(at), 'param-type', `${problem.message} (formula "${formula.name}")`)
      else if (problem.kind === 'value') this.error(this.valuePos(at), 'param-value', `${problem.message} (formula "${formula.name}")`)
    }
    return problems.length === 0 ? params : undefined
  }

  /** Inputs may also name a DBC signal that passes through (it becomes a `signal` channel). */
  private passthroughLike(ref: string): Channel | undefined {
    const found = this.signals.find(ref)
    if (!this.passthrough || found.kind !== 'one' || this.consumed.has(found.ref.signal)) return undefined
    const name = this.signals.channelName(found.ref)
    return {dependsOn: [], kind: 'signal', name, pos: found.ref.signal.pos, source: found.ref, steps: [], unit: found.ref.signal.unit}
  }

  private lookupFormula(name: string, path: ReadonlyArray<string | number>): FormulaSpec | undefined {
    const formula = this.formulas(name)
    if (!formula) this.error(this.valuePos(path), 'unknown-formula', `unknown formula "${name}": not in the car's formulas nor in the shared library`)
    return formula
  }

  private checkDeclaredUnit(decl: Declared, computed: string): boolean {
    const declared = decl.body['unit']
    if (typeof declared !== 'string' || sameUnit(declared, computed)) return true
    this.error(this.valuePos([...decl.path, 'unit']), 'unit-mismatch', `"${decl.name}" is declared in ${declared}, but its formulas give ${computed || 'no unit'}`)
    return false
  }

  private unitFits(expected: string, actual: string): boolean {
    return expected === 'any' || sameUnit(expected, actual)
  }

  private reportUnresolved(pos: SourcePos, name: string, candidates: readonly string[], channelOnly = false): void {
    if (candidates.length > 0) {
      this.error(pos, 'ambiguous-signal', `"${name}" is in several messages (${candidates.join(', ')}): write Message.signal`)
      return
    }
    const consumer = [...this.declared.values()].find((d) => d.kind === 'pipeline' && d.body['from'] === name)
    const hint =
      channelOnly && consumer
        ? `: DBC signal "${name}" is read by pipeline "${consumer.name}"; use that channel`
        : channelOnly && !this.passthrough && this.signals.find(name).kind === 'one'
          ? `: with passthrough: false, read DBC signal "${name}" in a pipeline first`
          : ''
    this.error(pos, 'unknown-signal', `unknown signal "${name}": not a channel of this car nor a signal in ${this.dbc.file}${hint}`)
  }

  private qualifiedNames(name: string): string {
    const found = this.signals.find(name)
    return found.kind === 'one' ? `${found.ref.message.name}.${name}` : found.kind === 'many' ? found.candidates.join(' or ') : name
  }

  private reportCycle(cycle: readonly string[]): void {
    const key = [...cycle].sort().join(',')
    if (this.reportedCycles.has(key)) return
    this.reportedCycles.add(key)
    const first = this.declared.get(cycle[0]!)!
    this.error(this.keyPos(first.path), 'dependency-cycle', `channels depend on each other in a cycle: ${[...cycle, cycle[0]].join(' → ')}`)
  }

  private order(): Channel[] {
    // `built` was filled depth-first, dependencies before dependants: insertion order is topological.
    return [...this.built.values()]
  }

  private common(decl: Declared, unit: string): Pick<Channel, 'description' | 'kind' | 'name' | 'pos' | 'range' | 'unit'> {
    const range = decl.body['range']
    const description = decl.body['description']
    return {
      kind: decl.kind,
      name: decl.name,
      pos: this.keyPos(decl.path),
      unit,
      ...(typeof description === 'string' ? {description} : {}),
      ...(Array.isArray(range) && range.length === 2 ? {range: [Number(range[0]), Number(range[1])] as const} : {}),
    }
  }

  private error(pos: SourcePos, rule: string, message: string): void {
    this.sink.error(pos, rule, message)
  }

  private keyPos(path: ReadonlyArray<string | number>): SourcePos {
    const key = this.source.keyNodeAt(path)
    return key ? this.source.posOf(key) : this.source.closestPos(path)
  }

  private valuePos(path: ReadonlyArray<string | number>): SourcePos {
    return this.source.closestPos(path)
  }
}
