import type {FastifyPluginAsync} from 'fastify'

import type {BridgeContext} from '../context.js'
import {errorResponses, HttpError} from '../http-error.js'
import {arr, int, mapOf, numOrNull, obj, str} from '../schema-kit.js'

const MAX_RECENT = 1000
const RECENT_STEP_MS = 100

const pointBody = {anyOf: [{type: 'object'}, {items: {type: 'object'}, maxItems: 10_000, minItems: 1, type: 'array'}]}
const acceptedSchema = obj({points: int, samples: int, unknown_fields: mapOf(int)})
const recentSchema = obj({points: arr({additionalProperties: numOrNull, properties: {meta_time: str}, required: ['meta_time'], type: 'object'})})

/**
 * Seed 001's telemetry API: `POST /api/ingest` (one point or a batch: stored as samples of the car's
 * channels, by name or the seed's field names) and `GET /api/recent/:n` (the live values at the
 * last n instants, 100 ms apart, from memory).
 */
export const ingestRoutes: FastifyPluginAsync<{ctx: BridgeContext}> = async (app, {ctx}) => {
  const {bridge} = ctx

  app.post<{Body: unknown}>('/api/ingest', {schema: {body: pointBody, response: {202: acceptedSchema, ...errorResponses}}}, async (request, reply) => {
    const before = {...bridge.pointStats.unknownFields}
    const result = await bridge.acceptPoints(request.body)
    if (result.malformed) throw new HttpError(400, 'not a telemetry point: an object of numeric fields with an optional meta_time (ISO 8601, 2020 or later), or an array of them', 'PW_BAD_POINT')
    const unknown: Record<string, number> = {}
    for (const [k, n] of Object.entries(bridge.pointStats.unknownFields)) if (n !== (before[k] ?? 0)) unknown[k] = n - (before[k] ?? 0)
    return reply.code(202).send({points: result.points, samples: result.samples, unknown_fields: unknown})
  })

  app.get<{Params: {n: number}}>(
    '/api/recent/:n',
    {schema: {params: {properties: {n: {maximum: MAX_RECENT, minimum: 1, type: 'integer'}}, required: ['n'], type: 'object'}, response: {200: recentSchema, ...errorResponses}}},
    async (request) => {
      const live = bridge.live
      const n = request.params.n
      if (Number.isNaN(live.newestUs)) return {points: []}
      const stepUs = RECENT_STEP_MS * 1000
      const fromUs = live.newestUs - (n - 1) * stepUs
      const columns = bridge.car.channels.map((_, slot) => live.resample(slot, fromUs, stepUs, n))
      const points = Array.from({length: n}, (_, p) => {
        const point: Record<string, string | number | null> = {meta_time: new Date((fromUs + p * stepUs) / 1000).toISOString()}
        bridge.car.channels.forEach((c, slot) => (point[c.name] = columns[slot]![p]!))
        return point
      })
      return {points}
    },
  )
}
