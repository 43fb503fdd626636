import type {Logger} from '../log.js'
import type {BridgePlugin} from './app.js'
import type {Bridge} from './bridge.js'
import type {CoachStatus} from './context.js'
import {metricsRoutes} from './routes/metrics.js'
import {Realtime, type RealtimeOptions, realtimeRoutes} from './routes/realtime.js'

export interface ServePluginOptions {
  readonly log: Logger
  /** OpenAI-compatible base URL of a local model (`--llm-url`). */
  readonly llmUrl?: string
  /** WebSocket hub settings beyond the context's (tests shorten the slow-client grace). */
  readonly realtime?: RealtimeOptions
}

export interface ServePlugins {
  readonly plugins: BridgePlugin[]
  /** The WebSocket hub: whoever has insights for the app calls `realtime.broadcastInsight(insight)`. */
  readonly realtime: Realtime
  coachStatus?: () => CoachStatus
  stop?: () => Promise<void>
}

/**
 * The route plugins `serve` adds to the core app, and what they need started and stopped with it:
 * the WebSocket, Prometheus metrics, and coaching. A new part makes its plugin here, takes what it
 * needs from the ones before it (the coach: `realtime`), and pushes it onto `plugins`.
 */
export function servePlugins(bridge: Bridge, options: ServePluginOptions): ServePlugins {
  const realtime = new Realtime(bridge, options.realtime)
  const plugins: BridgePlugin[] = [realtimeRoutes(realtime)]
  const out: ServePlugins = {plugins, realtime}
  // Metrics last: they read the others' figures (coachStatus is on the context by then).
  plugins.push(metricsRoutes({realtime}))
  return out
}

