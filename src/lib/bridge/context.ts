import type {Logger} from '../log.js'
import type {Bridge} from './bridge.js'
import type {LoopMonitor} from './loop-monitor.js'

/** Coaching as the bridge sees it (src/lib/coach implements it); optional so the bridge runs without it. */
export interface CoachStatus {
  readonly litert: {readonly up: boolean; readonly configured: boolean}
}

/** Everything a route may read. Routes never own state of their own beyond their caches. */
export interface BridgeContext {
  readonly bridge: Bridge
  readonly version: string
  readonly dataDir: string
  readonly auth: {readonly token: string | undefined}
  /** The port clients must name in `Host` (known after listen). */
  readonly port: () => number
  readonly allowRemote: boolean
  readonly loop: LoopMonitor
  readonly log: Logger
  /** Requests per second per client on the coach routes and session signal windows. */
  readonly rateLimitPerS: number
  /** WebSocket `telemetry_update` period. */
  readonly realtimeIntervalMs: number
  /** Per-client outgoing WebSocket buffer limit, bytes. */
  readonly wsMaxBufferedBytes: number
  readonly coachStatus?: () => CoachStatus
  /** The in-process simulator, when serve runs one. */
  readonly simulatorRunning: () => boolean
}
