export {commonFlags, PitwallCommand} from './base-command.js'
export type {CommandFlags} from './base-command.js'
export {createTaskList} from './progress.js'
export {parseMeta} from './meta.js'
