/**
 * JSON Schemas (draft-07, plain objects) for the coaching routes' bodies and the insight_update
 * message, usable as fastify route schemas: `{schema: {body: analyzeRequestSchema, response:
 * {200: analyzeResponseSchema}}}`. They describe the same shapes as types.ts.
 */
import {MAX_QUESTION} from './coach.js'
import {MAX_POINTS} from './points.js'
import {COACH_SOURCES, CUE_CATEGORIES, CUE_PRIORITIES} from './types.js'

const nullable = (type: string): {type: string[]} => ({type: [type, 'null']})
const coachSource = {enum: [...COACH_SOURCES], type: 'string'} as const
const metrics = {additionalProperties: {type: 'number'}, type: 'object'} as const

export const audioCueSchema = {
  additionalProperties: false,
  description: 'What the HUD shows and speaks.',
  properties: {
    category: {enum: [...CUE_CATEGORIES], type: 'string'},
    corner: nullable('string'),
    id: {type: 'string'},
    lap: nullable('integer'),
    priority: {enum: [...CUE_PRIORITIES], type: 'string'},
    rule: nullable('string'),
    text: {type: 'string'},
    ts_ms: {type: 'number'},
    ttl_ms: {minimum: 0, type: 'integer'},
  },
  required: ['id', 'text', 'priority', 'ttl_ms', 'category', 'rule', 'corner', 'lap', 'ts_ms'],
  type: 'object',
} as const

const cues = {items: audioCueSchema, type: 'array'} as const

// Request schemas use anyOf rather than type arrays: fastify's ajv runs in strict mode.
export const telemetryPointSchema = {
  additionalProperties: {anyOf: [{type: 'number'}, {type: 'string'}, {type: 'null'}]},
  description: 'seed 001 point: meta_time (ISO date-time or epoch seconds), lap, lapdist_m and channel values by name.',
  properties: {
    lap: {minimum: 0, type: 'integer'},
    lapdist_m: {minimum: 0, type: 'number'},
    meta_time: {anyOf: [{type: 'string'}, {type: 'number'}]},
  },
  type: 'object',
} as const

export const analyzeRequestSchema = {
  additionalProperties: false,
  description: '{} analyzes the live session; points analyzes a burst instead.',
  properties: {points: {items: telemetryPointSchema, maxItems: MAX_POINTS, minItems: 1, type: 'array'}},
  type: 'object',
} as const

export const analyzeResponseSchema = {
  additionalProperties: false,
  properties: {coach_source: coachSource, coaching: {type: 'string'}, cues, pace_note: {type: 'string'}},
  required: ['coaching', 'pace_note', 'coach_source', 'cues'],
  type: 'object',
} as const

export const briefRequestSchema = {
  additionalProperties: false,
  description: '{} briefs on the last completed lap.',
  properties: {lap: {minimum: 0, type: 'integer'}},
  type: 'object',
} as const

export const briefResponseSchema = {
  additionalProperties: false,
  properties: {coach_source: coachSource, coaching: {type: 'string'}, cues},
  required: ['coaching', 'coach_source', 'cues'],
  type: 'object',
} as const

export const askRequestSchema = {
  additionalProperties: false,
  properties: {question: {maxLength: MAX_QUESTION, minLength: 1, type: 'string'}},
  required: ['question'],
  type: 'object',
} as const

export const askResponseSchema = {
  additionalProperties: false,
  properties: {answer: {type: 'string'}, coach_source: coachSource},
  required: ['answer', 'coach_source'],
  type: 'object',
} as const

const sectorSchema = {
  additionalProperties: false,
  properties: {
    best_min_speed_kmh: nullable('number'),
    best_ms: nullable('integer'),
    best_peak_g: nullable('number'),
    brake_s: {type: 'number'},
    delta_ms: nullable('integer'),
    min_speed_kmh: nullable('number'),
    peak_g: nullable('number'),
    sector: {minimum: 1, type: 'integer'},
    throttle_s: {type: 'number'},
    time_ms: nullable('integer'),
  },
  required: ['sector', 'time_ms', 'best_ms', 'delta_ms', 'min_speed_kmh', 'peak_g', 'throttle_s', 'brake_s', 'best_min_speed_kmh', 'best_peak_g'],
  type: 'object',
} as const

const tyreSchema = {
  additionalProperties: false,
  properties: {energy_kj: {type: 'number'}, load_peak: {type: 'number'}, temp_c: nullable('number')},
  required: ['load_peak', 'energy_kj', 'temp_c'],
  type: 'object',
} as const

const cornerSchema = {
  additionalProperties: false,
  properties: {
    brake_before_m: nullable('number'),
    corner: {type: 'string'},
    min_speed_kmh: nullable('number'),
    number: nullable('integer'),
    peak_g: nullable('number'),
    tyres: {additionalProperties: false, properties: {fl: tyreSchema, fr: tyreSchema, rl: tyreSchema, rr: tyreSchema}, required: ['fl', 'fr', 'rl', 'rr'], type: 'object'},
  },
  required: ['corner', 'number', 'min_speed_kmh', 'peak_g', 'brake_before_m', 'tyres'],
  type: 'object',
} as const

const lapSummarySchema = {
  additionalProperties: false,
  properties: {
    best_lap: nullable('integer'),
    best_ms: nullable('integer'),
    corners: {items: cornerSchema, type: 'array'},
    delta_ms: nullable('integer'),
    findings: {additionalProperties: {type: 'integer'}, type: 'object'},
    lap_time_ms: nullable('integer'),
    sectors: {items: sectorSchema, type: 'array'},
    valid: {type: 'boolean'},
  },
  required: ['lap_time_ms', 'valid', 'best_lap', 'best_ms', 'delta_ms', 'sectors', 'corners', 'findings'],
  type: 'object',
} as const

const base = {coach_source: coachSource, lap: nullable('integer'), ts_ms: {type: 'number'}, type: {const: 'insight_update'}} as const
const baseRequired = ['type', 'kind', 'ts_ms', 'coach_source', 'lap'] as const

/** The `insight_update` WebSocket message: one of four kinds. */
export const insightUpdateSchema = {
  oneOf: [
    {
      additionalProperties: false,
      properties: {...base, corner: nullable('string'), cue: audioCueSchema, kind: {const: 'cue'}, message: {type: 'string'}, metrics, rule: {type: 'string'}},
      required: [...baseRequired, 'cue', 'rule', 'message', 'corner', 'metrics'],
      type: 'object',
    },
    {additionalProperties: false, properties: {...base, kind: {const: 'sector'}, sector: sectorSchema}, required: [...baseRequired, 'sector'], type: 'object'},
    {additionalProperties: false, properties: {...base, kind: {const: 'lap'}, summary: lapSummarySchema}, required: [...baseRequired, 'summary'], type: 'object'},
    {
      additionalProperties: false,
      properties: {...base, coaching: {type: 'string'}, cues, kind: {const: 'refinement'}, pace_note: {type: 'string'}},
      required: [...baseRequired, 'coaching', 'pace_note', 'cues'],
      type: 'object',
    },
  ],
} as const

/** Coach.status(), for /health's `litert` and `coach` sections. */
export const coachStatusSchema = {
  additionalProperties: false,
  properties: {
    litert: {
      additionalProperties: false,
      properties: {
        configured: {type: 'boolean'},
        last_error: nullable('string'),
        last_probe_ms_ago: nullable('number'),
        model: nullable('string'),
        up: {type: 'boolean'},
        url: nullable('string'),
      },
      required: ['configured', 'up', 'url', 'model', 'last_probe_ms_ago', 'last_error'],
      type: 'object',
    },
    rules: {
      additionalProperties: false,
      properties: {
        best_lap: nullable('integer'),
        best_lap_ms: nullable('integer'),
        findings: {minimum: 0, type: 'integer'},
        last_sample_age_s: nullable('number'),
        laps: {minimum: 0, type: 'integer'},
        rules: {items: {type: 'string'}, type: 'array'},
      },
      required: ['rules', 'findings', 'laps', 'best_lap', 'best_lap_ms', 'last_sample_age_s'],
      type: 'object',
    },
  },
  required: ['litert', 'rules'],
  type: 'object',
} as const

/** The note rows for `coaching_notes` (without session_key). */
export const coachingNoteSchema = {
  additionalProperties: false,
  properties: {
    engine: coachSource,
    lap: nullable('integer'),
    priority: {enum: [...CUE_PRIORITIES, null], type: ['string', 'null']},
    rule: nullable('string'),
    text: {type: 'string'},
    ts_us: {type: 'number'},
  },
  required: ['ts_us', 'lap', 'engine', 'rule', 'priority', 'text'],
  type: 'object',
} as const
