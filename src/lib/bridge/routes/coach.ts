import type {FastifyPluginAsync} from 'fastify'

import {
  analyzeRequestSchema,
  analyzeResponseSchema,
  askRequestSchema,
  askResponseSchema,
  briefRequestSchema,
  briefResponseSchema,
  type Coach,
  CoachRequestError,
} from '../../coach/index.js'
import type {BridgePlugin} from '../app.js'
import type {BridgeContext} from '../context.js'
import {errorResponses, HttpError} from '../http-error.js'

/**
 * Coaching routes (seed 003): `POST /analyze` answers from the rules at once (the model's
 * refinement, if any, follows on the WebSocket); `POST /coach/brief` within 1.5 s and
 * `POST /coach/ask` within 5 s, from the model when it answers in time, else from the rules. All
 * three are rate-limited per client like the signal windows.
 */
export function coachRoutes(coach: Coach): BridgePlugin {
  const plugin: FastifyPluginAsync<{ctx: BridgeContext}> = async (app, {ctx}) => {
    const config = {rateLimit: {max: ctx.rateLimitPerS, timeWindow: 1000}}
    const asHttp = (error: unknown): never => {
      if (error instanceof CoachRequestError) throw new HttpError(400, error.message, error.code)
      throw error
    }
    app.post<{Body: Parameters<Coach['analyze']>[0]}>(
      '/analyze',
      {config, schema: {body: analyzeRequestSchema, response: {200: analyzeResponseSchema, ...errorResponses}}},
      async (request) => {
        try {
          return coach.analyze(request.body ?? {})
        } catch (error) {
          return asHttp(error)
        }
      },
    )
    app.post<{Body: Parameters<Coach['brief']>[0]}>('/coach/brief', {config, schema: {body: briefRequestSchema, response: {200: briefResponseSchema, ...errorResponses}}}, async (request) =>
      coach.brief(request.body ?? {}).catch(asHttp),
    )
    app.post<{Body: Parameters<Coach['ask']>[0]}>('/coach/ask', {config, schema: {body: askRequestSchema, response: {200: askResponseSchema, ...errorResponses}}}, async (request) =>
      coach.ask(request.body).catch(asHttp),
    )
  }
  return plugin
}
