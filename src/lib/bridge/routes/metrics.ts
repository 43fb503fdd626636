import type {FastifyPluginAsync} from 'fastify'

import type {BridgePlugin} from '../app.js'
import type {BridgeContext} from '../context.js'
import {bridgeMetrics} from '../metric-definitions.js'
import type {Realtime} from '../realtime-hub.js'

export interface MetricsOptions {
  /** The WebSocket hub, for its client and drop figures. */
  readonly realtime?: Realtime
}

/**
 * `GET /metrics`: Prometheus exposition of what `/health` reports, plus request latencies (the
 * metrics themselves in metric-definitions.ts).
 *
 * Registered without encapsulation so its `onResponse` hook times every route of the app.
 */
export function metricsRoutes(options: MetricsOptions = {}): BridgePlugin {
  const plugin: FastifyPluginAsync<{ctx: BridgeContext}> = async (app, {ctx}) => {
    const {latency, registry} = bridgeMetrics(ctx, options.realtime)
    // One child per label set, found by a string key: no label hashing on the request path.
    const children = new Map<string, {observe(v: number): void}>()
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched'
      const key = `${request.method} ${reply.statusCode} ${route}`
      let child = children.get(key)
      if (!child) {
        child = latency.labels({method: request.method, route, status_code: String(reply.statusCode)})
        children.set(key, child)
      }
      child.observe(reply.elapsedTime / 1000)
    })

    app.get('/metrics', async (_request, reply) => {
      const text = await registry.metrics()
      return reply.type(registry.contentType).send(text)
    })
  }
  // fastify-plugin's marker, without the dependency: hooks reach the whole app, not this scope only.
  Object.assign(plugin, {[Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'pitwall-metrics'})
  return plugin
}
