import {arr, bool, mapOf, nullable, num, numOrNull, obj, str, strOrNull} from '../schema-kit.js'

const canIdState = obj({expectedHz: numOrNull, frames: {type: 'integer'}, id: str, lastSeenS: numOrNull, message: strOrNull, rateHz: num, stale: bool})

export const registrySchema = obj(
  {
    can: arr(canIdState),
    car: str,
    signals: arr(obj({description: strOrNull, kind: str, latest: numOrNull, message: strOrNull, name: str, range: nullable(arr(num)), signal: strOrNull, unit: str})),
  },
  ['can'],
)

const capability = obj({has_values: {type: ['boolean', 'null']}, kind: strOrNull, name: str, unit: strOrNull})
export const capabilitiesSchema = obj({derived: arr(capability), session: str, signals: arr(capability)})

export const signalsQuerySchema = {
  additionalProperties: false,
  properties: {from: str, names: str, rate_hz: num, to: str},
  type: 'object',
} as const

export const signalsResponseSchema = obj({
  from: num,
  rate_hz: num,
  session: str,
  /** One array per name, aligned with `t`; null where there was no value. */
  signals: mapOf(arr(numOrNull)),
  source: {enum: ['memory', 'db'], type: 'string'},
  t: arr(num),
  to: num,
})
