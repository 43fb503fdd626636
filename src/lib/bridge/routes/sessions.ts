import type {FastifyPluginAsync} from 'fastify'

import {listSessions, RUN_SHEET_COLUMNS, type RunSheetPatch} from '../../store/index.js'
import type {BridgeContext} from '../context.js'
import {errorResponses, HttpError} from '../http-error.js'
import {endAcceptedSchema, lapsSchema, noteBodySchema, noteAcceptedSchema, runSheetPatchSchema, sessionDetailSchema, sessionListSchema} from '../schemas/sessions.js'
import {resolveSession} from '../session-lookup.js'

/** Sessions: the list, one session with its run sheet, run-sheet edits, laps, notes, and ending the live one. */
export const sessionRoutes: FastifyPluginAsync<{ctx: BridgeContext}> = async (app, {ctx}) => {
  const {bridge} = ctx
  const params = {properties: {sid: {maxLength: 128, type: 'string'}}, required: ['sid'], type: 'object'}

  app.get('/sessions', {schema: {response: {200: sessionListSchema, ...errorResponses}}}, async () => ({sessions: await listSessions(bridge.store)}))

  const detail = async (sid: string) => {
    const session = await resolveSession(bridge, sid)
    const r = await bridge.store.sessionDetail(session.key)
    if (!r) throw new HttpError(404, `no session ${sid} (GET /sessions lists them)`, 'PW_NO_SESSION')
    const iso = (us: number | null): string | null => (us === null ? null : new Date(Math.floor(us / 1000)).toISOString())
    return {
      archive_path: r.archivePath,
      car: r.carId,
      car_hash: r.carHash,
      end_reason: r.endReason,
      ended: iso(r.endedUs),
      first_frame: iso(r.firstFrameUs),
      id: session.id,
      laps: r.laps,
      last_frame: iso(r.lastFrameUs),
      run_sheet: {...r.runSheet, ...r.meta},
      sources: r.sources,
      started: iso(r.startedUs)!,
      state: session.live ? 'live' : r.state,
    }
  }

  app.get<{Params: {sid: string}}>('/session/:sid', {schema: {params, response: {200: sessionDetailSchema, ...errorResponses}}}, async (request) => detail(request.params.sid))

  app.patch<{Params: {sid: string}; Body: RunSheetPatch}>(
    '/session/:sid',
    {schema: {body: runSheetPatchSchema, params, response: {200: sessionDetailSchema, ...errorResponses}}},
    async (request) => {
      const session = await resolveSession(bridge, request.params.sid)
      if (Object.keys(request.body).length === 0) throw new HttpError(400, `nothing to change: send one or more of ${RUN_SHEET_COLUMNS.join(', ')}`, 'PW_EMPTY_PATCH')
      // The body schema admits the run-sheet columns only (additionalProperties: false).
      await bridge.store.updateRunSheet(session.key, request.body)
      return detail(request.params.sid)
    },
  )

  app.get<{Params: {sid: string}}>('/session/:sid/laps', {schema: {params, response: {200: lapsSchema, ...errorResponses}}}, async (request) => {
    const session = await resolveSession(bridge, request.params.sid)
    const laps = (await bridge.store.laps(session.key)).map((l) => ({
      end: l.endUs === null ? null : l.endUs / 1e6,
      lap: l.lap,
      lap_time_ms: l.lapTimeMs,
      sectors_ms: l.sectorsMs,
      start: l.startUs / 1e6,
      valid: l.valid,
    }))
    const valid = laps.filter((l) => l.valid && l.lap_time_ms !== null)
    const best = valid.length === 0 ? null : valid.reduce((a, b) => (b.lap_time_ms! < a.lap_time_ms! ? b : a)).lap
    return {best_lap: best, laps, session: session.id}
  })

  app.post<{Params: {sid: string}; Body: {text: string; lap?: number; priority?: string}}>(
    '/session/:sid/notes',
    {schema: {body: noteBodySchema, params, response: {202: noteAcceptedSchema, ...errorResponses}}},
    async (request, reply) => {
      const session = await resolveSession(bridge, request.params.sid)
      const {lap, priority, text} = request.body
      await bridge.store.addNote(session.key, {engine: 'user', lap: lap ?? null, priority: priority ?? null, rule: null, text, tsUs: Date.now() * 1000})
      return reply.code(202).send({accepted: true, session: session.id})
    },
  )

  app.post<{Params: {sid: string}}>('/session/:sid/end', {schema: {params, response: {202: endAcceptedSchema, ...errorResponses}}}, async (request, reply) => {
    const session = await resolveSession(bridge, request.params.sid)
    if (!session.live) throw new HttpError(409, `session ${session.id} is not live (it is ${session.state})`, 'PW_NOT_LIVE')
    // Queued behind the writer: the answer does not wait for the flush or the archive.
    void bridge.endSession('requested').catch((error: unknown) => ctx.log.error({err: error, session: session.id}, 'ending the session failed'))
    return reply.code(202).send({session: session.id, state: 'ending'})
  })
}
