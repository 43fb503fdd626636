/**
 * What `GET /ws/realtime` sends (seed 001's message types), as types and as the JSON Schema that
 * clients and tests validate against.
 */

/** Telemetry: the latest value of each channel, null when missing (never 0). */
export interface TelemetryUpdate {
  readonly type: 'telemetry_update'
  /** The bridge's message counter: consecutive messages to one client differ by 1 unless some were dropped for it. */
  readonly seq: number
  /** Time of the newest sample, seconds since the epoch (the HTTP API's unit); now when there is none. */
  readonly ts: number
  /** The live session's id, null before the first frames. */
  readonly session: string | null
  /** True when `values` holds every channel (the first message, a new session); else only those that changed. */
  readonly full: boolean
  readonly values: Readonly<Record<string, number | null>>
}

/** What the coach publishes: a kind (`tyre_stress`, `pace_note`, …) and its own fields. */
export interface Insight {
  readonly kind: string
  readonly [field: string]: unknown
}

export interface InsightUpdate {
  readonly type: 'insight_update'
  readonly seq: number
  /** When the bridge sent it, seconds since the epoch. */
  readonly ts: number
  readonly session: string | null
  readonly insight: Insight
}

export type RealtimeMessage = TelemetryUpdate | InsightUpdate

const envelope = {
  seq: {minimum: 0, type: 'integer'},
  session: {type: ['string', 'null']},
  ts: {type: 'number'},
} as const

/** JSON Schema of every message the WebSocket sends (clients and tests validate against it). */
export const realtimeMessageSchema = {
  oneOf: [
    {
      additionalProperties: false,
      properties: {
        ...envelope,
        full: {type: 'boolean'},
        type: {const: 'telemetry_update'},
        values: {additionalProperties: {type: ['number', 'null']}, type: 'object'},
      },
      required: ['type', 'seq', 'ts', 'session', 'full', 'values'],
      type: 'object',
    },
    {
      additionalProperties: false,
      properties: {
        ...envelope,
        insight: {properties: {kind: {minLength: 1, type: 'string'}}, required: ['kind'], type: 'object'},
        type: {const: 'insight_update'},
      },
      required: ['type', 'seq', 'ts', 'session', 'insight'],
      type: 'object',
    },
  ],
} as const
