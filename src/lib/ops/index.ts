export {onShutdown} from './shutdown.js'
export type {ShutdownHandle} from './shutdown.js'
