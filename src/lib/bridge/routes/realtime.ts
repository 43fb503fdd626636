import type {BridgePlugin} from '../app.js'
import type {Realtime} from '../realtime-hub.js'

/**
 * `GET /ws/realtime`: the WebSocket the driver's app listens on (seed 001's message types, in
 * schemas/realtime.ts; the fan-out and its buffer limits in realtime-hub.ts).
 *
 *   client ── upgrade, subprotocols `pitwall, token.<TOKEN>` ──▶ app.ts: Host, Origin, token
 *          ◀── telemetry_update (full: every channel) ─────────  at once, on connect
 *          ◀── telemetry_update (the channels that changed) ──  every realtimeIntervalMs
 *          ◀── insight_update ────────────────────────────────  whenever the coach has one
 */

export {Realtime} from '../realtime-hub.js'
export type {RealtimeClientStats, RealtimeOptions, RealtimeStats} from '../realtime-hub.js'
export {realtimeMessageSchema} from '../schemas/realtime.js'
export type {Insight, InsightUpdate, RealtimeMessage, TelemetryUpdate} from '../schemas/realtime.js'

/** The route: one per serve, over the hub `servePlugins()` made. */
export function realtimeRoutes(realtime: Realtime): BridgePlugin {
  return async (app, {ctx}) => {
    realtime.configure({intervalMs: ctx.realtimeIntervalMs, log: ctx.log.child({module: 'realtime'}), maxBufferedBytes: ctx.wsMaxBufferedBytes})
    // Before the server waits for its connections: an upgraded socket would hold it up.
    app.addHook('preClose', async () => realtime.close())
    app.get('/ws/realtime', {websocket: true}, (socket) => realtime.attach(socket))
  }
}
