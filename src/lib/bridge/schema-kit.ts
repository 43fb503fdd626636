/** Small builders for JSON Schemas of route bodies: every field required unless listed optional, nothing extra. */
export type Schema = Record<string, unknown>

export const str = {type: 'string'} as const
export const num = {type: 'number'} as const
export const int = {type: 'integer'} as const
export const bool = {type: 'boolean'} as const
/** A reading that may be missing: never shown as 0. */
export const numOrNull = {type: ['number', 'null']} as const
export const intOrNull = {type: ['integer', 'null']} as const
export const strOrNull = {type: ['string', 'null']} as const

export function obj(properties: Record<string, Schema>, optional: readonly string[] = []): Schema {
  return {additionalProperties: false, properties, required: Object.keys(properties).filter((k) => !optional.includes(k)), type: 'object'}
}

export function nullable(schema: Schema): Schema {
  return {anyOf: [schema, {type: 'null'}]}
}

export function arr(items: Schema): Schema {
  return {items, type: 'array'}
}

/** A map from any name (signal, CAN id, reason) to values of one schema. */
export function mapOf(values: Schema): Schema {
  return {additionalProperties: values, type: 'object'}
}
