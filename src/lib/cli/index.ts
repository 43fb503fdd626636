export {commonFlags, PitwallCommand, unwrapFlagError} from './base-command.js'
export type {CommandFlags} from './base-command.js'
export {
  bitrateFlag,
  carFlag,
  durationFlag,
  emulatedFirmwareFlag,
  firmwareFlag,
  metaFlag,
  numberFlag,
  sinkFlag,
  sinkFlagOf,
  speedFlag,
  startTimeFlag,
  urlFlag,
} from './flags.js'
export type {RunSheet, SharedFlagOptions, ValueFlag} from './flags.js'
export {createTaskList} from '../progress.js'
export {parseMeta, parseMetaPair} from './meta.js'
export {onShutdown} from './shutdown.js'
export type {ShutdownHandle} from './shutdown.js'
