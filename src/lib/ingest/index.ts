export {ingestLog} from './ingest-log.js'
export type {IngestLogOptions, IngestSummary} from './ingest-log.js'
