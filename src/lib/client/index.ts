/**
 * The client side of a running `pitwall serve`: where it is (serve.json), its token, the HTTP
 * client, whether it holds the live DB, and the forwarder that sends it frame batches. Loads no
 * fastify: commands that only talk HTTP stay light.
 */
export {BridgeClient, BridgeRequestError} from './client.js'
export type {BridgeClientOptions} from './client.js'
export {bridgeAnswers, bridgeClient, delegatedError, openLiveDbOrBridge, servingBridge} from './bridge-access.js'
export type {BridgeAccess, HeldBy, LiveDbRoute} from './bridge-access.js'
export {bridgeUrl, DEFAULT_PORT, DEFAULT_URL, readServeInfo, removeServeInfo, serveInfoPath, writeServeInfo} from './discovery.js'
export type {ServeInfo} from './discovery.js'
export {FrameForwarder, forwardSourceName} from './forward.js'
export type {ForwardStats, FrameForwarderOptions} from './forward.js'
export {loadOrCreateToken, readClientToken, tokenMatches, tokenPath} from './token.js'
export type {TokenOrigin} from './token.js'
