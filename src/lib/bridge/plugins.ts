import type {Logger} from '../log.js'
import type {BridgePlugin} from './app.js'
import type {Bridge} from './bridge.js'
import type {CoachStatus} from './context.js'
import {Coach} from '../coach/index.js'
import {coachRoutes} from './routes/coach.js'
import {metricsRoutes} from './routes/metrics.js'
import {Realtime, type RealtimeOptions, realtimeRoutes} from './routes/realtime.js'

export interface ServePluginOptions {
  readonly log: Logger
  /** OpenAI-compatible base URL of a local model (`--llm-url`). */
  readonly llmUrl?: string
  /** Model id for its requests (`--llm-model`); default: the first the server lists. */
  readonly llmModel?: string
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
  const coach = wireCoach(bridge, realtime, options)
  plugins.push(coachRoutes(coach))
  out.coachStatus = () => coach.status()
  out.stop = () => coach.stop()
  // Metrics last: they read the others' figures (coachStatus is on the context by then).
  plugins.push(metricsRoutes({realtime}))
  return out
}


/**
 * The coach on the live path: it sees every decoded batch with the lap events the live path's one
 * lap tracker found in it (it times no laps itself), its cues and insights go out on the
 * WebSocket as they happen, its notes into the live session's `coaching_notes`, and a new
 * session starts it over (a new best lap).
 */
function wireCoach(bridge: Bridge, realtime: Realtime, options: ServePluginOptions): Coach {
  const log = options.log.child({module: 'coach'})
  const coach = new Coach({car: bridge.car, log, ...(bridge.track ? {track: bridge.track} : {}), ...(options.llmUrl ? {llm: {url: options.llmUrl, ...(options.llmModel ? {model: options.llmModel} : {})}} : {})})
  bridge.onSamples((samples, _frames, laps, source) => {
    // A log replayed into serve (replay --to bridge) is not the driver on track: no cues, no notes for it.
    if (source.kind === 'forward' && source.name.startsWith('replay:')) return
    coach.observe(samples, laps)
  })
  bridge.onSessionEnd(() => coach.resetSession())
  coach.onInsight((update) => realtime.broadcastInsight({...update}))
  coach.onNote((note) => {
    const session = bridge.sessions.session
    if (!session) return
    bridge.store
      .addNote(session.key, {engine: note.engine, lap: note.lap, priority: note.priority, rule: note.rule, text: note.text, tsUs: note.ts_us})
      .catch((error: unknown) => log.warn({err: error}, 'coaching note not stored'))
  })
  return coach
}
