import {FrameBatch} from '../frame.js'
import {ChannelTable} from './channel-table.js'
import {LineKind, scanCandumpLine, type ScanState} from './candump-scan.js'
import {noteBadLine} from './read-stats.js'
import {RELATIVE_BEFORE_SECONDS} from './time-base.js'
import type {LogParser, LogReadStats, ParserOptions} from './types.js'

/**
 * The candump `-l`/`-L` log parser: `scanCandumpLine` per line, batches handed over when full.
 * The first frame decides the time base for the whole log: seconds below 1991 mean `-tz`
 * (relative, shifted by `startTimeUs` when given), anything else epoch time.
 */
export class CandumpParser implements LogParser {
  private batch: FrameBatch
  private readonly channels = new ChannelTable()
  private readonly scan: ScanState = {error: ''}
  private offsetUs = 0

  constructor(
    private readonly stats: LogReadStats,
    private readonly options: ParserOptions,
  ) {
    this.batch = new FrameBatch(options.batchSize, this.channels.names)
  }

  get full(): boolean {
    return this.batch.length >= this.batch.capacity
  }

  parseLine(buf: Uint8Array, start: number, end: number, line: number): void {
    const kind = scanCandumpLine(buf, start, end, this.batch, this.channels, this.scan)
    if (kind === LineKind.frame) {
      const i = this.batch.length - 1
      if (this.stats.timeBase === undefined) this.decideTimeBase(this.batch.timestampUs[i]!)
      if (this.offsetUs !== 0) this.batch.timestampUs[i]! += this.offsetUs
      this.stats.framesRead++
    } else if (kind === LineKind.skipped) {
      this.stats.skippedLines++
    } else {
      noteBadLine(this.stats, line, this.scan.error)
    }
  }

  take(): FrameBatch | undefined {
    if (this.batch.length === 0) return undefined
    const full = this.batch
    this.batch = new FrameBatch(this.options.batchSize, this.channels.names)
    return full
  }

  private decideTimeBase(firstUs: number): void {
    if (firstUs >= RELATIVE_BEFORE_SECONDS * 1e6) {
      this.stats.timeBase = 'absolute'
    } else if (this.options.startTimeUs === undefined) {
      this.stats.timeBase = 'relative'
    } else {
      this.stats.timeBase = 'absolute'
      this.offsetUs = this.options.startTimeUs
    }
  }
}
