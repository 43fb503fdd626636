export {describeIngest} from './describe.js'
export {ingestExitCode, runIngest} from './run.js'
export type {IngestInput, IngestOptions, IngestResult} from './run.js'
