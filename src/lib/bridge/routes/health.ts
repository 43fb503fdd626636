import type {FastifyPluginAsync} from 'fastify'

import type {RecoveryReport} from '../../store/index.js'
import type {BridgeContext} from '../context.js'
import {authorized} from '../guards.js'
import {DropHistory, healthReport} from '../health-report.js'
import {healthSchema, publicHealthSchema} from '../schemas/health.js'

const RECOVERY_CACHE_MS = 30_000

/**
 * `GET /health` (and seed 001's `/api/health`): the whole report with the token (or with auth off);
 * without it only status, version, `can.fps` and `litert.up`, enough for a launcher's green dot.
 */
export const healthRoutes: FastifyPluginAsync<{ctx: BridgeContext}> = async (app, {ctx}) => {
  const drops = new DropHistory()
  const sample = (): void => {
    const sources = ctx.bridge.sourceStatuses()
    let total = Object.values(ctx.bridge.store.stats.dropped).reduce((a, b) => a + b, 0)
    for (const s of sources) for (const v of Object.values(s.dropped)) total += v ?? 0
    drops.record(total)
  }
  sample()
  const timer = setInterval(sample, 10_000)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))

  let recoveries: {atMs: number; reports: readonly RecoveryReport[]} | undefined
  const readRecoveries = async (): Promise<readonly RecoveryReport[]> => {
    if (!recoveries || Date.now() - recoveries.atMs > RECOVERY_CACHE_MS) {
      recoveries = {atMs: Date.now(), reports: await ctx.bridge.store.unacknowledgedRecoveries().catch(() => recoveries?.reports ?? [])}
    }
    return recoveries.reports
  }

  const handler = async (request: {headers: Record<string, string | string[] | undefined>}) => {
    const report = await healthReport(ctx, {drops, recoveries: await readRecoveries(), ...sessionStart(ctx)})
    if (authorized(ctx.auth, request.headers)) return report
    return {can: {fps: report.can.fps}, litert: {up: report.litert.up}, status: report.status, version: report.version}
  }
  const schema = {response: {200: {anyOf: [healthSchema, publicHealthSchema]}}}
  app.get('/health', {schema}, handler)
  app.get('/api/health', {schema}, handler)
}

function sessionStart(ctx: BridgeContext): {sessionStartedMs?: number} {
  const started = ctx.bridge.sessionStartedMs
  return started === undefined ? {} : {sessionStartedMs: started}
}
