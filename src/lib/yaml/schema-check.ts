import {Ajv, type ErrorObject, type ValidateFunction} from 'ajv'

import type {FindingSink} from '../findings.js'
import type {YamlSource} from './source.js'

const ajv = new Ajv({allErrors: true, strict: false, allowUnionTypes: true})
const compiled = new WeakMap<object, ValidateFunction>()

/**
 * Validates a YAML document against a JSON Schema and reports every violation at the YAML node it
 * concerns (rule `schema`). Returns true when the document conforms.
 */
export function checkAgainstSchema(source: YamlSource, schema: object, sink: FindingSink): boolean {
  let validate = compiled.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  const data: unknown = source.doc.toJS({maxAliasCount: 1000})
  if (validate(data)) return true
  for (const error of simplify(validate.errors ?? [])) {
    const path = pointerToPath(error.instancePath)
    if (error.keyword === 'additionalProperties') {
      const key = String(error.params['additionalProperty'])
      const node = source.keyNodeAt([...path, key])
      sink.error(node ? source.posOf(node) : source.closestPos(path), 'schema', `unknown key "${key}"${where(path)}`)
    } else if (error.keyword === 'required') {
      sink.error(source.closestPos(path), 'schema', `missing required key "${String(error.params['missingProperty'])}"${where(path)}`)
    } else {
      sink.error(source.closestPos(path), 'schema', `${describe(path)} ${error.message ?? 'is invalid'}${allowed(error)}`)
    }
  }
  return false
}

// oneOf/anyOf failures repeat every branch's complaint; keep the most specific ones per path.
function simplify(errors: readonly ErrorObject[]): ErrorObject[] {
  const byPath = new Map<string, ErrorObject[]>()
  for (const e of errors) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e])
  const out: ErrorObject[] = []
  for (const list of byPath.values()) {
    const specific = list.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if')
    const chosen = specific.length > 0 ? specific : list
    const seen = new Set<string>()
    for (const e of chosen) {
      const key = `${e.keyword}:${JSON.stringify(e.params)}`
      if (!seen.has(key)) out.push(e)
      seen.add(key)
    }
  }
  return out
}

function pointerToPath(pointer: string): Array<string | number> {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
}

const describe = (path: ReadonlyArray<string | number>): string => (path.length === 0 ? 'the document' : `"${path.join('.')}"`)
const where = (path: ReadonlyArray<string | number>): string => (path.length === 0 ? '' : ` in "${path.join('.')}"`)

function allowed(error: ErrorObject): string {
  const values = error.params['allowedValues'] as unknown[] | undefined
  return values ? `: ${values.map((v) => JSON.stringify(v)).join(', ')}` : ''
}
