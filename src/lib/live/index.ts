/**
 * The live path: every frame batch that comes in is decoded, shown, lap-timed, handed to the
 * coach and stored by one `LivePath`; where frames go (this process's live DB or a running serve's
 * bridge) is chosen once, as a `FrameSink`.
 */
export {CanIdTable} from './can-ids.js'
export type {CanIdState} from './can-ids.js'
export {LivePath} from './live-path.js'
export type {LivePathOptions, SamplesListener, SourceKey} from './live-path.js'
export {LiveView} from './live-view.js'
export type {ChannelHealth} from './live-view.js'
export {RowCounter} from './row-counter.js'
export type {BridgeSinkResult, EndedSession, FrameSink, LocalSinkResult, SinkResult} from './frame-sink.js'
export {ForwardingSink} from './forwarding-sink.js'
export {LocalSink} from './local-sink.js'
export {openFrameSink} from './open-sink.js'
export type {FrameSinkOptions} from './open-sink.js'
export {pump} from './pump.js'
export type {BatchWriter, StoppedBy} from './pump.js'
export {logStoreEvents} from './store-events.js'
export {FILE_SINKS, parseSinkSpec} from './sink-spec.js'
export type {SinkKind, SinkSpec} from './sink-spec.js'
