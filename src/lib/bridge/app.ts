import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import websocket from '@fastify/websocket'
import Fastify, {type FastifyBaseLogger, type FastifyError, type FastifyReply, type FastifyInstance, type FastifyPluginAsync} from 'fastify'

import type {BridgeContext} from './context.js'
import {authorized, hostAllowed, originAllowed, requestToken} from './guards.js'
import {adminRoutes} from './routes/admin.js'
import {framesRoutes} from './routes/frames.js'
import {healthRoutes} from './routes/health.js'
import {ingestRoutes} from './routes/ingest.js'
import {sessionRoutes} from './routes/sessions.js'
import {signalRoutes} from './routes/signals.js'
import {sendError} from './http-error.js'

export const BODY_LIMIT_BYTES = 1024 * 1024

/** Paths anyone may read: `/health` answers a reduced form without a token. */
const OPEN_PATHS = new Set(['/health'])

/** Route plugins beyond the core ones (coach, WebSocket, metrics), registered with the same context. */
export type BridgePlugin = FastifyPluginAsync<{ctx: BridgeContext}>

/**
 * The bridge's HTTP app. It never listens: `serve` calls `listen`, tests call `inject()`. Order
 * matters: the Host check and auth run on every request before routing; errors of every kind
 * come back as `{error: {code, message}}` without a stack.
 */
export async function buildApp(ctx: BridgeContext, plugins: readonly BridgePlugin[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    loggerInstance: ctx.log.child({module: 'http'}, {serializers: requestSerializers}) as FastifyBaseLogger,
    // Node rejects a request with no Host at all; ours refuses foreign ones below.
    requestIdHeader: false,
  })
  // text/plain only where a route says so (the frame route): everything else is JSON or 415.
  app.removeContentTypeParser('text/plain')

  app.setErrorHandler((error: FastifyError & {error?: {code?: string; message?: string}}, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
    if (status >= 500) request.log.error({err: error}, 'request failed')
    // Plugins that throw their own body (rate-limit's errorResponseBuilder) carry it in `error`.
    const own = error.error
    const code = status === 500 ? 'PW_INTERNAL' : (own?.code ?? fastifyCode(error, status))
    const message = status === 500 ? 'internal error (logged by the bridge)' : (own?.message ?? error.message ?? 'request refused')
    if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', 1)
    return sendError(reply, status, code, message)
  })
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'PW_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`))

  app.addHook('onRequest', async (request, reply) => {
    const refuse = (status: number, code: string, message: string): FastifyReply => {
      // A refused WebSocket upgrade must not leave its socket open (nothing else would close it).
      if (request.headers.upgrade !== undefined) {
        reply.header('connection', 'close')
        reply.raw.once('finish', () => request.raw.socket.destroy())
      }
      return sendError(reply, status, code, message)
    }
    if (!hostAllowed(request.headers.host, ctx.port(), ctx.allowRemote)) {
      return refuse(421, 'PW_FOREIGN_HOST', `Host ${JSON.stringify(request.headers.host ?? '')} is not this bridge (loopback names only)`)
    }
    if (request.headers.upgrade !== undefined && !originAllowed(request.headers.origin)) {
      return refuse(403, 'PW_FOREIGN_ORIGIN', `WebSocket from origin ${request.headers.origin} refused`)
    }
    const path = request.url.split('?')[0]!
    // CORS preflights carry no credentials by design; the cors plugin answers them.
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) return undefined
    if (!OPEN_PATHS.has(path) && !authorized(ctx.auth, request.headers)) {
      return refuse(401, 'PW_UNAUTHORIZED', 'this route needs the token: X-Pitwall-Token or Authorization: Bearer (the CLI reads <data-dir>/token)')
    }
    return undefined
  })

  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && originAllowed(origin)),
    methods: ['GET', 'POST', 'PATCH'],
    allowedHeaders: ['content-type', 'authorization', 'x-pitwall-token', 'x-pitwall-client'],
  })
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => clientKey(request.headers, request.ip),
    errorResponseBuilder: (_request, context) => ({
      error: {code: 'PW_RATE_LIMITED', message: `more than ${context.max} requests per ${context.after}: retry after ${Math.ceil(context.ttl / 1000)} s`},
      statusCode: 429,
    }),
  })
  await app.register(websocket, {
    options: {
      // Select `pitwall`, never echo the token subprotocol back.
      handleProtocols: (protocols) => (protocols.has('pitwall') ? 'pitwall' : false),
      maxPayload: 64 * 1024,
    },
  })

  // A polling app makes 5 requests/s: fastify's two info lines per request would be most of the
  // log (and ~9 % of the CPU). One debug line per response instead; errors are logged as errors.
  app.addHook('onResponse', async (request, reply) => {
    app.log.debug({method: request.method, ms: Math.round(reply.elapsedTime * 10) / 10, status: reply.statusCode, url: request.url.split('?')[0]}, 'request')
  })
  for (const plugin of [healthRoutes, signalRoutes, sessionRoutes, ingestRoutes, framesRoutes, adminRoutes, ...plugins]) await app.register(plugin, {ctx, logLevel: 'warn'})
  return app
}

/**
 * Rate-limit key: `X-Pitwall-Client` when the client names itself (several apps may share one
 * token), else the token, else the address (on loopback every client shares one address).
 */
function clientKey(headers: Readonly<Record<string, string | string[] | undefined>>, ip: string): string {
  const client = headers['x-pitwall-client']
  if (typeof client === 'string' && client !== '') return `c:${client.slice(0, 128)}`
  const token = requestToken(headers)
  if (token) return `t:${token}`
  return `a:${ip}`
}

function fastifyCode(error: FastifyError, status: number): string {
  if (error.validation) return 'PW_BAD_REQUEST'
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'PW_BODY_TOO_LARGE'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'PW_UNSUPPORTED_MEDIA_TYPE'
    default:
      if (error.code?.startsWith('PW_')) return error.code
      return status === 413 ? 'PW_BODY_TOO_LARGE' : status === 415 ? 'PW_UNSUPPORTED_MEDIA_TYPE' : status === 429 ? 'PW_RATE_LIMITED' : 'PW_BAD_REQUEST'
  }
}

/** Logs never carry query strings or headers (tokens travel in headers; a careless client may put one in a query). */
const requestSerializers = {
  req: (req: {method?: string; url?: string; ip?: string}) => ({method: req.method, url: (req.url ?? '').split('?')[0], remoteAddress: req.ip}),
  res: (res: {statusCode?: number}) => ({statusCode: res.statusCode}),
}
