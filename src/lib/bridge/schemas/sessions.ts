import {RUN_SHEET_COLUMNS} from '../../store/index.js'
import {arr, bool, int, mapOf, nullable, num, numOrNull, obj, str, strOrNull} from '../schema-kit.js'

export const sessionListSchema = obj({
  sessions: arr(
    obj({
      archivePath: strOrNull,
      bytes: num,
      bytesEstimated: bool,
      car: str,
      durationS: num,
      ended: strOrNull,
      endReason: strOrNull,
      frames: int,
      id: str,
      samples: int,
      start: str,
      state: str,
    }),
  ),
})

export const sessionDetailSchema = obj({
  archive_path: strOrNull,
  car: str,
  car_hash: str,
  end_reason: strOrNull,
  ended: strOrNull,
  first_frame: strOrNull,
  id: str,
  laps: int,
  last_frame: strOrNull,
  run_sheet: mapOf({type: ['string', 'null']}),
  sources: arr(str),
  started: str,
  state: str,
})

const runSheetValue = {maxLength: 2000, type: ['string', 'null']}
export const runSheetPatchSchema = {
  additionalProperties: false,
  properties: Object.fromEntries(RUN_SHEET_COLUMNS.map((c) => [c, runSheetValue])),
  type: 'object',
}

export const lapsSchema = obj({
  best_lap: {type: ['integer', 'null']},
  laps: arr(obj({end: numOrNull, lap: int, lap_time_ms: {type: ['integer', 'null']}, sectors_ms: arr({type: ['integer', 'null']}), start: num, valid: nullable(bool)})),
  session: str,
})

export const noteBodySchema = obj({lap: int, priority: {enum: ['low', 'normal', 'high'], type: 'string'}, text: {maxLength: 2000, minLength: 1, type: 'string'}}, ['lap', 'priority'])
export const noteAcceptedSchema = obj({accepted: bool, session: str})
export const endAcceptedSchema = obj({session: str, state: {const: 'ending', type: 'string'}})
