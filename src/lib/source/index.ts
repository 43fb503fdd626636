export {EARLIEST_PLAUSIBLE_US, HostClock, implausibleStamp, MAX_FUTURE_US} from './host-clock.js'
export type {ClockJump} from './host-clock.js'
export type {CanSource, SourceDropReason, SourceState, SourceStatus} from './source.js'
