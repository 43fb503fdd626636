import type {FrameBatch} from '../frame.js'

/** The text log formats pitwall reads (and, for `candump` and `asc`, writes). */
export type LogFormat = 'candump' | 'candump-screen' | 'asc'

/**
 * What a log's timestamps mean: `absolute` is µs since the Unix epoch (written so, or anchored by
 * `startTimeUs` or an ASC `date`), `relative` is µs since the first frame, `none` is a log without
 * timestamps (every stamp 0).
 */
export type TimeBase = 'absolute' | 'relative' | 'none'

/** Counters a reader fills in while it reads; final once the batches are exhausted. */
export interface LogReadStats {
  /** Lines seen, including blank and skipped ones. */
  linesRead: number
  /** Frames yielded. */
  framesRead: number
  /** Lines that should have been frames but could not be parsed (see `problems`). */
  badLines: number
  /** Lines that are not frames by design: blank lines, comments, headers, `DROPCOUNT:`, events. */
  skippedLines: number
  /** The first 100 bad lines, 1-based line numbers. */
  problems: Array<{line: number; message: string}>
  /** What the timestamps mean; undefined until the first frame. */
  timeBase: TimeBase | undefined
}

/** How `-td`-style screen stamps are read: since the first frame, or as deltas from the previous frame. */
export type RelativeStamps = 'auto' | 'since-start' | 'delta'

export interface LogReaderOptions {
  /** The format, or `auto` to detect it from the content (suffix as tie-break). Defaults to `auto`. */
  format?: LogFormat | 'auto'
  /**
   * Epoch µs to add to relative stamps (candump `-tz`, screen `-td`/`-tz`, ASC without a date), so
   * the log lands at a known time. Absolute logs ignore it. Defaults to none: relative stamps stay
   * µs since the start.
   */
  startTimeUs?: number
  /** Frames per yielded batch, 1..2048. Defaults to 2048. */
  batchSize?: number
  /**
   * Offset from UTC, in minutes, of wall-clock stamps (candump `-tA`, the ASC `date` line): they
   * carry no zone. Defaults to this machine's time zone, as candump and CANoe wrote them.
   */
  utcOffsetMinutes?: number
  /**
   * Screen logs print `-td` (delta) and `-tz` (since start) stamps alike. `auto` reads them as
   * deltas when at least a tenth of the steps among the first 256 frames go backwards.
   * Defaults to `auto`.
   */
  relativeStamps?: RelativeStamps
  /**
   * A stream that delivers frames as they happen (a pipe from candump, stdin): every read is
   * handed on as a batch at once, and the format is sniffed from the first complete line instead
   * of the first 64 KiB. Defaults to false (a log read as fast as it comes).
   */
  live?: boolean
  /** Name used in error messages for a stream input. Defaults to the path, or `stdin`. */
  name?: string
}

/** Options every format parser receives, resolved. */
export interface ParserOptions {
  readonly batchSize: number
  readonly startTimeUs: number | undefined
  readonly utcOffsetMinutes: number | undefined
  readonly relativeStamps: RelativeStamps
}

/**
 * A format's line parser: the pure core that the stream shell (`readCanLog`) and the benchmark
 * drive. It fills one batch at a time and counts into the shared stats.
 */
export interface LogParser {
  /** Parses one line, bytes `[start, end)` of `buf` without its line terminator; `line` is 1-based. */
  parseLine(buf: Uint8Array, start: number, end: number, line: number): void
  /** True while a full batch waits: `take()` until false before the next line. */
  readonly full: boolean
  /** Hands over the oldest batch holding frames (a full one, or the one being filled), if any. */
  take(): FrameBatch | undefined
}
