import type {FastifyPluginAsync} from 'fastify'

import {listSessions, RUN_SHEET_COLUMNS} from '../../store/index.js'
import type {BridgeContext} from '../context.js'
import {errorResponses, HttpError} from '../http-error.js'
import {endAcceptedSchema, lapsSchema, noteBodySchema, noteAcceptedSchema, runSheetPatchSchema, sessionDetailSchema, sessionListSchema} from '../schemas/sessions.js'
import {resolveSession} from '../session-lookup.js'

type RunSheetPatch = Partial<Record<(typeof RUN_SHEET_COLUMNS)[number], string | null>>

/** Sessions: the list, one session with its run sheet, run-sheet edits, laps, notes, and ending the live one. */
export const sessionRoutes: FastifyPluginAsync<{ctx: BridgeContext}> = async (app, {ctx}) => {
  const {bridge} = ctx
  const params = {properties: {sid: {maxLength: 128, type: 'string'}}, required: ['sid'], type: 'object'}

  app.get('/sessions', {schema: {response: {200: sessionListSchema, ...errorResponses}}}, async () => ({sessions: await listSessions(bridge.store)}))

  const detail = async (sid: string) => {
    const session = await resolveSession(bridge, sid)
    const rows = await bridge.store.query(
      `SELECT id, state, car_id, car_hash, sources, started_us, ended_us, end_reason, first_frame_us, last_frame_us,
              driver, track, event, outing, tyres, fuel, notes, meta, archive_path,
              (SELECT count(*) FROM laps WHERE session_key = $1) AS laps
       FROM sessions WHERE session_key = $1`,
      [session.key],
    )
    const r = rows[0]!
    const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(Math.floor(Number(v) / 1000)).toISOString())
    return {
      archive_path: (r['archive_path'] as string | null) ?? null,
      car: String(r['car_id']),
      car_hash: String(r['car_hash']),
      end_reason: (r['end_reason'] as string | null) ?? null,
      ended: iso(r['ended_us']),
      first_frame: iso(r['first_frame_us']),
      id: session.id,
      laps: Number(r['laps']),
      last_frame: iso(r['last_frame_us']),
      run_sheet: {
        ...Object.fromEntries(RUN_SHEET_COLUMNS.map((c) => [c, (r[c] as string | null) ?? null])),
        ...(typeof r['meta'] === 'string' ? (JSON.parse(r['meta']) as Record<string, string>) : {}),
      },
      sources: Array.isArray(r['sources']) ? (r['sources'] as unknown[]).map(String) : [],
      started: iso(r['started_us'])!,
      state: session.live ? 'live' : String(r['state']),
    }
  }

  app.get<{Params: {sid: string}}>('/session/:sid', {schema: {params, response: {200: sessionDetailSchema, ...errorResponses}}}, async (request) => detail(request.params.sid))

  app.patch<{Params: {sid: string}; Body: RunSheetPatch}>(
    '/session/:sid',
    {schema: {body: runSheetPatchSchema, params, response: {200: sessionDetailSchema, ...errorResponses}}},
    async (request) => {
      const session = await resolveSession(bridge, request.params.sid)
      const entries = Object.entries(request.body) as Array<[string, string | null]>
      if (entries.length === 0) throw new HttpError(400, `nothing to change: send one or more of ${RUN_SHEET_COLUMNS.join(', ')}`, 'PW_EMPTY_PATCH')
      // Column names come from the schema's closed list, values as parameters.
      const sets = entries.map(([k], i) => `${k} = $${i + 2}`).join(', ')
      await bridge.store.execute(`UPDATE sessions SET ${sets} WHERE session_key = $1`, [session.key, ...entries.map(([, v]) => v)])
      return detail(request.params.sid)
    },
  )

  app.get<{Params: {sid: string}}>('/session/:sid/laps', {schema: {params, response: {200: lapsSchema, ...errorResponses}}}, async (request) => {
    const session = await resolveSession(bridge, request.params.sid)
    const rows = await bridge.store.query('SELECT lap, start_us, end_us, lap_time_ms, valid, sectors_ms FROM laps WHERE session_key = ? ORDER BY lap', [session.key])
    const laps = rows.map((r) => ({
      end: r['end_us'] === null ? null : Number(r['end_us']) / 1e6,
      lap: Number(r['lap']),
      lap_time_ms: r['lap_time_ms'] === null ? null : Number(r['lap_time_ms']),
      sectors_ms: Array.isArray(r['sectors_ms']) ? (r['sectors_ms'] as unknown[]).map((s) => (s === null ? null : Number(s))) : [],
      start: Number(r['start_us']) / 1e6,
      valid: r['valid'] === null ? null : Boolean(r['valid']),
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
      await bridge.store.execute('INSERT INTO coaching_notes VALUES (?, ?, ?, ?, ?, ?, ?)', [session.key, Date.now() * 1000, lap ?? null, 'user', null, priority ?? null, text])
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
