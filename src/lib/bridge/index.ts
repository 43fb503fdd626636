/**
 * The loopback HTTP bridge: the live path every source feeds (Bridge), the fastify app (buildApp,
 * never listening by itself), `serve`'s lifecycle (startServe), and what other commands use to
 * find and talk to a running serve (discovery, BridgeClient). docs/http-api.md, docs/security.md.
 */
export {buildApp, BODY_LIMIT_BYTES} from './app.js'
export type {BridgePlugin} from './app.js'
export {Bridge} from './bridge.js'
export type {BridgeOptions, SamplesListener} from './bridge.js'
export {BridgeClient, BridgeRequestError} from '../client/index.js'
export type {BridgeClientOptions} from '../client/index.js'
export type {BridgeContext, CoachStatus} from './context.js'
export {bridgeUrl, DEFAULT_PORT, DEFAULT_URL, readServeInfo, removeServeInfo, serveInfoPath, writeServeInfo} from '../client/index.js'
export type {ServeInfo} from '../client/index.js'
export {authorized, hostAllowed, isLoopbackHost, originAllowed, requestToken, subprotocolToken} from './guards.js'
export type {HealthReport, HealthStatus} from './health-report.js'
export {errorSchema, HttpError, sendError} from './http-error.js'
export {LiveView} from '../live/index.js'
export {LoopMonitor} from './loop-monitor.js'
export {startServe} from './serve.js'
export type {RunningServe, ServeOptions, ServeSources} from './serve.js'
export {openServe} from './serve-job.js'
export type {ServeJobOptions} from './serve-job.js'
export {loadOrCreateToken, readClientToken, tokenMatches, tokenPath} from '../client/index.js'
export type {TokenOrigin} from '../client/index.js'
