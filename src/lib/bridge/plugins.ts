import type {Logger} from '../log.js'
import type {BridgePlugin} from './app.js'
import type {Bridge} from './bridge.js'
import type {CoachStatus} from './context.js'

export interface ServePluginOptions {
  readonly log: Logger
  /** OpenAI-compatible base URL of a local model (`--llm-url`). */
  readonly llmUrl?: string
}

/**
 * The route plugins `serve` adds to the core app, and what they need started and stopped with it:
 * the WebSocket, Prometheus metrics, and coaching.
 */
export function servePlugins(_bridge: Bridge, _options: ServePluginOptions): {plugins: BridgePlugin[]; coachStatus?: () => CoachStatus; stop?: () => Promise<void>} {
  return {plugins: []}
}
