import {FrameBatch, type Frame} from '../frame.js'
import {ChannelTable} from './channel-table.js'
import {type FractionDigits, MAX_LINE_BYTES_WITHOUT_NAME, writeCandumpLine} from './candump-format.js'
import {LineKind, scanCandumpLine} from './candump-scan.js'

/** One candump line, parsed: a frame, a line that is not a frame by design, or a bad line. */
export type CandumpLineResult = {kind: 'frame'; frame: Frame} | {kind: 'skipped'} | {kind: 'bad'; message: string}

/**
 * Parses one candump `-l`/`-L` line (without its line feed). Slow path for tests and tools: the
 * log reader scans bytes straight into batches. Stamps are returned as written (no time base).
 */
export function parseCandumpLine(line: string): CandumpLineResult {
  const bytes = Buffer.from(line, 'utf8')
  const batch = new FrameBatch(1)
  const channels = new ChannelTable()
  batch.channels = channels.names
  const state = {error: ''}
  const kind = scanCandumpLine(bytes, 0, bytes.length, batch, channels, state)
  if (kind === LineKind.frame) return {frame: batch.frame(0), kind: 'frame'}
  return kind === LineKind.skipped ? {kind: 'skipped'} : {kind: 'bad', message: state.error}
}

/** Options of `formatCandumpLine` and `CandumpWriter`. */
export interface CandumpFormatOptions {
  /** Fraction digits; see `FractionDigits`. Defaults to `auto`. */
  fraction?: FractionDigits
  /** Interface name for frames whose channel is unknown. Defaults to `can0`. */
  defaultChannel?: string
}

/** Frame `i` of `batch` as a candump line, without its line feed. */
export function formatCandumpLine(batch: FrameBatch, i: number, options: CandumpFormatOptions = {}): string {
  const channel = batch.channel[i] === 0xffff ? undefined : batch.channels[batch.channel[i]!]
  const name = Buffer.from(channel ?? options.defaultChannel ?? 'can0', 'utf8')
  const out = Buffer.allocUnsafe(MAX_LINE_BYTES_WITHOUT_NAME + name.length)
  const end = writeCandumpLine(batch, i, name, options.fraction ?? 'auto', out, 0)
  return out.toString('utf8', 0, end - 1)
}
