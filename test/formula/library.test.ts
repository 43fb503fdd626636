import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {isAbsolute, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {FindingSink} from '../../src/lib/findings.js'
import {
  checkExamples,
  FORMULA_FUNCTIONS,
  formulaSchema,
  instantiate,
  loadFormulaLibrary,
  readFormulaMap,
  STANDARD_LIBRARY_PATH,
  type FormulaLibrary,
  type FormulaSpec,
} from '../../src/lib/formula/index.js'
import {YamlSource} from '../../src/lib/yaml/index.js'
import {ROOT} from '../helpers.js'
import {brief, readLibraryText} from './helpers.js'

const REQUIRED = [
  'mph_to_ms', 'mph_to_kmh', 'kmh_to_ms', 'ms_to_kmh', 'degf_to_degc', 'degc_to_degf', 'psi_to_bar', 'bar_to_psi',
  'kpa_to_bar', 'gal_to_l', 'l_to_gal', 'g_to_ms2', 'deg_to_rad', 'mv_to_v', 'linear', 'sign_flip', 'bias', 'clamp',
  'deadband', 'thermistor_beta', 'thermistor_divider', 'lookup_interp', 'combined_g', 'mean_of_2', 'mean_of_4',
  'gear_from_speed_ratio', 'hold_last_value', 'low_pass', 'rate_limit', 'lambda_to_afr', 'afr_to_lambda',
  'brake_bias_pct', 'wheel_slip_pct',
]

let library: FormulaLibrary
let sink: FindingSink

beforeAll(async () => {
  sink = new FindingSink('formulas/standard.yaml')
  library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, sink, 'formulas/standard.yaml')
  for (const spec of library.formulas.values()) checkExamples(spec, sink)
})

const exampleCount = (spec: FormulaSpec): number => spec.examples.length + spec.sequences.reduce((n, s) => n + s.length, 0)

describe('formulas/standard.yaml', () => {
  it('is found from the module location', () => {
    expect(isAbsolute(STANDARD_LIBRARY_PATH)).toBe(true)
    expect(existsSync(STANDARD_LIBRARY_PATH)).toBe(true)
  })

  it('loads with no errors and no warnings, and every example holds', () => {
    expect(sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}: ${f.message}`)).toEqual([])
  })

  it('has at least 32 formulas, including the ones car files rely on', () => {
    expect(library.formulas.size).toBeGreaterThanOrEqual(32)
    expect(REQUIRED.filter((name) => !library.formulas.has(name))).toEqual([])
  })

  it('gives every formula a description, units and at least two examples', () => {
    for (const spec of library.formulas.values()) {
      expect(spec.description.length, spec.name).toBeGreaterThan(10)
      expect(spec.inputs.length, spec.name).toBeGreaterThan(0)
      expect(spec.outputUnit, spec.name).not.toBe('')
      expect(exampleCount(spec), spec.name).toBeGreaterThanOrEqual(2)
    }
  })

  it('runs every example: changing any one expected value makes exactly that one fail', () => {
    let checked = 0
    for (const spec of library.formulas.values()) {
      const variants: FormulaSpec[] = []
      for (const [i, example] of spec.examples.entries()) {
        const examples = spec.examples.map((e, j) => (j === i ? {...example, output: wrong(example.output)} : e))
        variants.push({...spec, examples, sequences: []})
      }
      for (const [g, steps] of spec.sequences.entries()) {
        for (const [i, step] of steps.entries()) {
          const changed = steps.map((e, j) => (j === i ? {...step, output: wrong(step.output)} : e))
          variants.push({...spec, examples: [], sequences: spec.sequences.map((other, h) => (h === g ? changed : other))})
        }
      }
      for (const variant of variants) {
        const s = new FindingSink('x')
        checkExamples(variant, s)
        expect(s.findings.map((f) => f.rule), spec.name).toEqual(['formula-example'])
        checked++
      }
    }
    expect(checked).toBeGreaterThan(100)
  })

  it('is described in docs/formulas.md: every formula and every function has a table row', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'formulas.md'), 'utf8')
    for (const name of library.formulas.keys()) expect(docs, name).toMatch(new RegExp(`^\\| \`${name}\``, 'm'))
    for (const [name, info] of FORMULA_FUNCTIONS) expect(docs, name).toContain(`| \`${info.signature}\` |`)
  })

  it('marks the formulas that read prev as stateful', () => {
    const stateful = [...library.formulas.values()].filter((s) => s.stateful).map((s) => s.name).sort()
    expect(stateful).toEqual(['hold_last_value', 'hysteresis', 'low_pass', 'peak_hold', 'rate_limit'])
  })
})

function wrong(output: number | null): number | null {
  if (output === null) return 0
  return output === 0 ? 1 : output * 1.01
}

describe('gear_from_speed_ratio on the E46 M3 (S6S420G, 3.62, 1.998 m)', () => {
  const ratios = [4.227, 2.528, 1.669, 1.226, 1.0, 0.828]
  const params = {final_drive: 3.62, ratios, tyre_circumference_m: 1.998}

  it('finds every gear across the rev range', () => {
    const gear = instantiate(library.formulas.get('gear_from_speed_ratio')!, params)
    for (const [g, ratio] of ratios.entries()) {
      for (const rpm of [2500, 4000, 6000, 7900]) {
        const speed = (rpm / (ratio * 3.62) / 60) * 1.998
        if (speed * 3.6 < 5) continue
        expect(gear.evaluate(rpm, speed), `${rpm} rpm in ${g + 1}`).toBe(g + 1)
      }
    }
  })

  it('gives no gear below 5 km/h, with the clutch open, or between gears', () => {
    const gear = instantiate(library.formulas.get('gear_from_speed_ratio')!, params)
    expect(gear.evaluate(1200, 1.3)).toBeNaN()
    expect(gear.evaluate(900, 40)).toBeNaN()
    expect(gear.evaluate(5000, 21.902)).toBeNaN()
    expect(gear.evaluate(5000, 0)).toBeNaN()
  })
})

describe('loading other library files', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-formulas-'))
  })
  afterAll(() => rmSync(dir, {force: true, recursive: true}))

  it('reports a wrong example at its position, with inputs, expected and actual', async () => {
    const file = join(dir, 'wrong.yaml')
    writeFileSync(file, [
      'version: 1',
      'formulas:',
      '  mph_to_ms:',
      '    description: Miles per hour to metres per second.',
      '    inputs:',
      '      x: {unit: mph}',
      '    params:',
      '      k: {default: 0.44704}',
      '    output: {unit: m/s}',
      '    expr: x * k',
      '    examples:',
      '      - {in: {x: 100}, out: 44.704}',
      '      - {in: {x: 100}, params: {k: 0.5}, out: 44.704}',
      '      - {in: {x: .nan}, out: 0}',
      '',
    ].join('\n'))
    const s = new FindingSink('wrong.yaml')
    const lib = await loadFormulaLibrary(file, s, 'wrong.yaml')
    for (const spec of lib.formulas.values()) checkExamples(spec, s)
    expect(s.findings.map((f) => `${f.line}:${f.column} ${f.rule}: ${f.message}`)).toEqual([
      '13:9 formula-example: example: mph_to_ms(x=100; k=0.5) = 50, expected 44.704',
      '14:9 formula-example: example: mph_to_ms(x=.nan) = .nan, expected 0',
    ])
  })

  it('reports an unreadable file at 1:1', async () => {
    const s = new FindingSink('missing.yaml')
    const lib = await loadFormulaLibrary(join(dir, 'missing.yaml'), s, 'missing.yaml')
    expect(lib.formulas.size).toBe(0)
    expect(brief(s.findings)).toEqual(['1:1 file-unreadable'])
  })

  it('the schema exports one formula definition for car files to reuse', () => {
    const definitions = formulaSchema()['definitions'] as Record<string, unknown>
    expect(definitions['formula']).toBeTypeOf('object')
    expect(definitions['formulaMap']).toBeTypeOf('object')
  })
})

describe('readFormulaMap on any YAML document', () => {
  const carLike = [
    'name: a car',
    'formulas:',
    '  double_it:',
    '    description: Twice the input.',
    '    inputs: {x: {unit: any}}',
    '    output: {unit: any}',
    '    expr: x * 2',
    '    examples: [{in: {x: 2}, out: 4}, {in: {x: -1}, out: -2}]',
    '  broken_shape:',
    '    description: No output.',
    '    inputs: {x: {unit: any}}',
    '    expr: x',
    '    examples: [{in: {x: 2}, out: 2}]',
    '',
  ].join('\n')

  it('checks the entries itself, reports shape problems where they are, and keeps the good ones', () => {
    const {findings, formulas} = readLibraryText(carLike)
    expect(brief(findings)).toEqual(['10:5 schema'])
    expect(findings[0]!.message).toBe('missing required key "output" in "formulas.broken_shape"')
    expect([...formulas.keys()]).toEqual(['double_it'])
    expect(instantiate(formulas.get('double_it')!).evaluate(21)).toBe(42)
  })

  it('reads a map at any path, through sequences too', () => {
    const text = ['cars:', '  - name: first', '  - formulas:', '      half:', '        description: Half of x.', '        inputs: {x: {unit: any}}', '        expr: x / 2', ''].join('\n')
    const sink = new FindingSink('nested.yaml')
    const source = new YamlSource(text, 'nested.yaml', sink)
    const formulas = readFormulaMap(source, ['cars', 1, 'formulas'], sink)
    expect(sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}: ${f.message}`)).toEqual([
      '5:9 schema: missing required key "output" in "cars.1.formulas.half"',
    ])
    expect(formulas.size).toBe(0)
  })

  it("leaves entries that are not maps to the document's schema (no double reports)", () => {
    const {findings, formulas} = readLibraryText('formulas:\n  a_number: 3\n  a_list: [1]\n')
    expect(findings).toEqual([])
    expect(formulas.size).toBe(0)
  })

  it('a formula map that is absent is simply empty', () => {
    const {findings, formulas} = readLibraryText('name: a car\n')
    expect(findings).toEqual([])
    expect(formulas.size).toBe(0)
  })
})
