import type {FastifyPluginAsync} from 'fastify'

import {ExitCode, PitwallError} from '../../errors.js'
import {ARCHIVE_FORMATS, listSessions, runArchive} from '../../store/index.js'
import type {BridgeContext} from '../context.js'
import {errorResponses, HttpError} from '../http-error.js'

const result = {additionalProperties: true, type: 'object'}
const anyResult = {anyOf: [result, {items: result, type: 'array'}]}

/** What `pitwall archive` sends when serve holds the DB: the same choices as its flags. */
export interface AdminArchiveBody {
  readonly list?: boolean
  readonly restore?: string
  readonly sessions?: string[]
  readonly all_ended?: boolean
  readonly older_than_ms?: number
  readonly format?: (typeof ARCHIVE_FORMATS)[number]
  readonly dry_run?: boolean
}

export interface AdminVacuumBody {
  readonly retention_ms?: number
  readonly min_free_fraction?: number
  readonly force?: boolean
  readonly dry_run?: boolean
}

/**
 * Delegation: while serve holds the live DB no other process can open it, so `pitwall archive`
 * and `pitwall vacuum` send their work here and the store's worker runs it, between commits
 * (vacuum holds frames in memory while it swaps the file). Answers with the same JSON as the
 * commands' `--json`.
 */
export const adminRoutes: FastifyPluginAsync<{ctx: BridgeContext}> = async (app, {ctx}) => {
  const {store} = ctx.bridge
  app.post<{Body: AdminArchiveBody}>(
    '/admin/archive',
    {
      schema: {
        body: {
          additionalProperties: false,
          properties: {
            all_ended: {type: 'boolean'},
            dry_run: {type: 'boolean'},
            format: {enum: [...ARCHIVE_FORMATS], type: 'string'},
            list: {type: 'boolean'},
            older_than_ms: {minimum: 0, type: 'number'},
            restore: {maxLength: 4096, minLength: 1, type: 'string'},
            sessions: {items: {maxLength: 128, type: 'string'}, maxItems: 10_000, type: 'array'},
          },
          type: 'object',
        },
        response: {200: anyResult, ...errorResponses},
      },
    },
    async (request) => {
      const b = request.body
      if (b.list) {
        await store.recoverArchives()
        return listSessions(store)
      }
      if (b.restore) return store.restoreArchive(b.restore).catch(asHttp)
      return runArchive(store, {
        allEnded: b.all_ended ?? false,
        dryRun: b.dry_run ?? false,
        format: b.format ?? 'duckdb',
        ids: b.sessions ?? [],
        quiet: true,
        ...(b.older_than_ms === undefined ? {} : {olderThanMs: b.older_than_ms}),
      }).catch(asHttp)
    },
  )

  app.post<{Body: AdminVacuumBody}>(
    '/admin/vacuum',
    {
      schema: {
        body: {
          additionalProperties: false,
          properties: {dry_run: {type: 'boolean'}, force: {type: 'boolean'}, min_free_fraction: {maximum: 1, minimum: 0, type: 'number'}, retention_ms: {minimum: 0, type: 'number'}},
          type: 'object',
        },
        response: {200: result, ...errorResponses},
      },
    },
    async (request) => {
      const b = request.body
      return store.vacuum({
        dryRun: b.dry_run ?? false,
        force: b.force ?? false,
        minFreeFraction: b.min_free_fraction ?? 0.25,
        retentionMs: b.retention_ms ?? 90 * 86_400_000,
      }).catch(asHttp)
    },
  )
}

/**
 * The store's typed errors keep their code over HTTP, with a status the CLI maps back to the same
 * exit: usage 400 (64), bad data 422 (65), unavailable 503 (69). Anything else is a bug: 500.
 */
function asHttp(error: unknown): never {
  const e = error as {code?: unknown; exit?: unknown; message?: unknown}
  const code = typeof e.code === 'string' && e.code.startsWith('PW_') ? e.code : undefined
  if (!(error instanceof PitwallError) && code === undefined) throw error
  const exit = error instanceof PitwallError ? error.exit : e.exit
  const status = exit === ExitCode.usage ? 400 : exit === ExitCode.dataError ? 422 : exit === ExitCode.unavailable ? 503 : 500
  if (status === 500) throw error
  throw new HttpError(status, String(e.message ?? error), code ?? 'PW_ADMIN_FAILED')
}
