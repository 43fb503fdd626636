/**
 * CAN log files: candump `-l`/`-L` (read and write), candump screen output (read) and Vector ASC
 * (read and write), as typed-array frame batches. See README.md for the grammar and the rules.
 */
export {AscWriter} from './asc-writer.js'
export type {AscWriterOptions} from './asc-writer.js'
export {MAX_LINE_BYTES_WITHOUT_NAME, writeCandumpLine} from './candump-format.js'
export type {FractionDigits} from './candump-format.js'
export {formatCandumpLine, parseCandumpLine} from './candump-line.js'
export type {CandumpFormatOptions, CandumpLineResult} from './candump-line.js'
export {CandumpParser} from './candump-parser.js'
export {LineKind, scanCandumpLine} from './candump-scan.js'
export type {ScanState} from './candump-scan.js'
export {CandumpWriter} from './candump-writer.js'
export type {CandumpWriterOptions} from './candump-writer.js'
export {ChannelTable} from './channel-table.js'
export {detectLogFormat, formatFromSuffix, LOG_FORMATS} from './formats.js'
export type {LogFormatInfo, LogWriter, LogWriterOptions} from './formats.js'
export {LineFeeder} from './line-feeder.js'
export {readCanLog} from './read-can-log.js'
export type {CanLogReading} from './read-can-log.js'
export {createReadStats, MAX_PROBLEMS} from './read-stats.js'
export {RELATIVE_BEFORE_SECONDS} from './time-base.js'
export type {LogFormat, LogParser, LogReaderOptions, LogReadStats, ParserOptions, RelativeStamps, TimeBase} from './types.js'
