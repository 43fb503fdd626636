import type {FastifyPluginAsync} from 'fastify'

import {decodeFrameBatches, FRAME_WIRE_TYPE, FrameWireError} from '../../can/frame-wire.js'
import type {FrameBatch} from '../../can/frame.js'
import {parseLogBuffer} from '../../can/log/index.js'
import type {BridgeContext} from '../context.js'
import {errorResponses, HttpError} from '../http-error.js'
import {bool, int, obj, str} from '../schema-kit.js'

const committedSchema = obj({accepted: int, bad_lines: int, committed: bool, session: str})

/**
 * `POST /api/frames`: frames forwarded by `ingest --forward`, `replay --to bridge` and `simulate
 * --to bridge`, as candump lines (`text/plain`) or a binary batch (application/vnd.pitwall.frames,
 * see can/frame-wire.ts). `X-Pitwall-Source` names the sender (one source per name in the
 * session). Answered after the frames are committed; 503 when the store could not take them, so
 * the sender keeps them and retries.
 */
export const framesRoutes: FastifyPluginAsync<{ctx: BridgeContext}> = async (app, {ctx}) => {
  const asBuffer = {parseAs: 'buffer' as const}
  app.addContentTypeParser('text/plain', asBuffer, (_request, body, done) => done(null, body))
  app.addContentTypeParser(FRAME_WIRE_TYPE, asBuffer, (_request, body, done) => done(null, body))

  app.post<{Body: Buffer}>('/api/frames', {schema: {response: {200: committedSchema, ...errorResponses}}}, async (request) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim()
    const source = sourceName(request.headers['x-pitwall-source'])
    let batches: FrameBatch[]
    let badLines = 0
    if (type === FRAME_WIRE_TYPE) {
      try {
        batches = decodeFrameBatches(request.body)
      } catch (error) {
        if (error instanceof FrameWireError) throw new HttpError(400, error.message, error.code)
        throw error
      }
    } else {
      batches = []
      const stats = parseLogBuffer(request.body, 'candump', (b) => batches.push(b))
      badLines = stats.badLines
      if (stats.badLines > 0 && batches.length === 0) throw new HttpError(400, `no candump line could be read (${stats.badLines} bad lines; first: ${stats.problems[0]?.message ?? '?'})`, 'PW_BAD_CANDUMP')
    }
    let accepted = 0
    for (const batch of batches) {
      const n = batch.length
      if (!(await ctx.bridge.accept('forward', source, batch))) throw new HttpError(503, `the store is not taking frames (queue full or disk full): ${accepted} of this request's frames were taken; retry the rest`, 'PW_STORE_BUSY')
      accepted += n
    }
    await ctx.bridge.store.flush()
    const session = ctx.bridge.sessions.session?.id ?? ''
    return {accepted, bad_lines: badLines, committed: true, session}
  })
}

function sourceName(header: string | string[] | undefined): string {
  const name = typeof header === 'string' ? header.trim() : ''
  if (name === '') return 'api/frames'
  if (!/^[\w.:@/-]{1,64}$/.test(name)) throw new HttpError(400, 'X-Pitwall-Source: 1 to 64 characters of letters, digits and . : @ / - _', 'PW_BAD_SOURCE')
  return name
}
