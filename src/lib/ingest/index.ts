export {describeIngest} from './describe.js'
export {chooseInput, ingestExitCode, runIngest} from './run.js'
export type {IngestInput, IngestOptions, IngestResult} from './run.js'
