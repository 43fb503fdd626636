import type {FastifyPluginAsync} from 'fastify'

import type {BridgeContext} from '../context.js'
import {errorResponses} from '../http-error.js'
import {capabilitiesSchema, registrySchema, signalsQuerySchema, signalsResponseSchema} from '../schemas/signals.js'
import {resolveSession} from '../session-lookup.js'
import {parseWindow, windowFromMemory, windowFromStore} from '../signal-window.js'
import {HttpError} from '../http-error.js'

interface SignalsQuery {
  names?: string
  from?: string
  to?: string
  rate_hz?: number
}

/**
 * The signal routes: the registry of the car's channels, a session's capabilities, and windows of
 * values. The live session's recent windows come from memory (LiveView); anything older, and
 * stored sessions, from DuckDB with time-range predicates.
 */
export const signalRoutes: FastifyPluginAsync<{ctx: BridgeContext}> = async (app, {ctx}) => {
  const {bridge} = ctx
  const rateLimit = {max: ctx.rateLimitPerS, timeWindow: 1000}

  app.get<{Querystring: {include_can_state?: boolean}}>(
    '/signals/registry',
    {schema: {querystring: {additionalProperties: false, properties: {include_can_state: {type: 'boolean'}}, type: 'object'}, response: {200: registrySchema, ...errorResponses}}},
    async (request) => {
      const live = bridge.live
      const signals = bridge.car.channels.map((c, i) => ({
        description: c.description ?? null,
        kind: c.kind,
        latest: Number.isNaN(live.latest[i]!) ? null : live.latest[i]!,
        message: c.source?.message.name ?? null,
        name: c.name,
        range: c.range ? [...c.range] : null,
        signal: c.source?.signal.name ?? null,
        unit: c.unit,
      }))
      return {car: bridge.car.id, signals, ...(request.query.include_can_state ? {can: bridge.canIds.states()} : {})}
    },
  )

  app.get<{Params: {sid: string}}>('/session/:sid/capabilities', {schema: {response: {200: capabilitiesSchema, ...errorResponses}}}, async (request) => {
    const session = await resolveSession(bridge, request.params.sid)
    const byName = new Map(bridge.car.channels.map((c) => [c.name, c]))
    const names = [...session.channels.keys()]
    const withValues = session.live ? new Set(names.filter((n) => !Number.isNaN(bridge.live.latestUs[session.channels.get(n)!]!))) : undefined
    const describe = (name: string) => {
      const c = byName.get(name)
      return {has_values: withValues ? withValues.has(name) : null, kind: c?.kind ?? null, name, unit: c?.unit ?? null}
    }
    return {
      derived: names.filter((n) => byName.get(n)?.kind !== 'signal').map(describe),
      session: session.id,
      signals: names.filter((n) => byName.get(n)?.kind === 'signal').map(describe),
    }
  })

  app.get<{Params: {sid: string}; Querystring: SignalsQuery}>(
    '/session/:sid/signals',
    {config: {rateLimit}, schema: {querystring: signalsQuerySchema, response: {200: signalsResponseSchema, ...errorResponses}}},
    async (request) => {
      const session = await resolveSession(bridge, request.params.sid)
      const names = (request.query.names ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '')
      if (names.length === 0) throw new HttpError(400, '`names` is required: a comma-separated list of signal names (GET /signals/registry lists them)', 'PW_NO_NAMES')
      const unknown = names.filter((n) => !session.channels.has(n))
      if (unknown.length > 0) throw new HttpError(400, `unknown signal${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, 'PW_UNKNOWN_SIGNAL')
      const window = parseWindow(request.query, session.nowUs)
      const ids = names.map((n) => session.channels.get(n)!)
      const memory = session.live ? windowFromMemory(bridge.live, ids, window) : undefined
      const values = memory ?? (await windowFromStore(bridge.store, session.key, ids, window))
      const stepS = 1 / window.rateHz
      const t = Array.from({length: window.points}, (_, i) => Math.round((window.fromUs / 1e6 + i * stepS) * 1e6) / 1e6)
      return {
        from: window.fromUs / 1e6,
        rate_hz: window.rateHz,
        session: session.id,
        signals: Object.fromEntries(names.map((n, i) => [n, values[i]!])),
        source: memory ? 'memory' : 'db',
        t,
        to: window.toUs / 1e6,
      }
    },
  )
}
