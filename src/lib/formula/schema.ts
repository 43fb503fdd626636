import {readFileSync} from 'node:fs'

import {Ajv, type ValidateFunction} from 'ajv'

import {FORMULA_SCHEMA_PATH} from './location.js'

type JsonObject = Readonly<Record<string, unknown>>

let schema: JsonObject | undefined

/**
 * The JSON Schema of formula library files (`formulas/formulas.schema.json`), read once. Its
 * `definitions.formula` is one formula definition and `definitions.formulaMap` a map of them, for
 * other schemas to reuse: copy `definitions` in and `$ref` `#/definitions/formulaMap`.
 */
export function formulaSchema(): JsonObject {
  schema ??= JSON.parse(readFileSync(FORMULA_SCHEMA_PATH, 'utf8')) as JsonObject
  return schema
}

const wrappers = new Map<string, object>()

/**
 * A schema that checks, with `checkAgainstSchema`, only the named entries of the map at `path`
 * of a document as formula definitions: how readFormulaMap checks a car file's `formulas:`.
 * Whether that map exists, is a map of maps, and has well-formed names is left to the document's
 * own schema (car.schema.json checks it), so no problem is reported twice.
 */
export function formulaEntriesSchemaAt(path: ReadonlyArray<string | number>, entries: readonly string[]): object {
  const key = JSON.stringify([path, entries])
  let wrapper = wrappers.get(key)
  if (!wrapper) {
    let inner: object = {properties: Object.fromEntries(entries.map((name) => [name, {$ref: '#/definitions/formula'}]))}
    for (const step of [...path].reverse()) {
      inner = typeof step === 'number' ? {items: [...Array.from({length: step}, () => ({})), inner]} : {properties: {[step]: inner}}
    }
    wrapper = {...inner, definitions: formulaSchema()['definitions']}
    wrappers.set(key, wrapper)
  }
  return wrapper
}

// A quiet validator: findings come from checkAgainstSchema; this only says which entries to read.
let formulaValidator: ValidateFunction | undefined

/** True when a value has the shape of one formula definition (already reported when not). */
export function isFormulaShape(value: unknown): boolean {
  if (!formulaValidator) {
    // strict: false as in checkAgainstSchema, which also lets `.nan` and `.inf` pass as numbers.
    const ajv = new Ajv({allErrors: false, allowUnionTypes: true, strict: false})
    formulaValidator = ajv.compile({$ref: '#/definitions/formula', definitions: formulaSchema()['definitions']})
  }
  return formulaValidator(value)
}
