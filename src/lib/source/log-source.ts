/**
 * A recorded CAN log (candump, screen output, ASC; a file or a stream) as a source. Two uses:
 *
 * - `serve --replay FILE`: paced as recorded (× speed, gaps over 2 s cut), batches cut at 20 ms of
 *   log time so pacing stays smooth, re-stamped onto the wall clock so the live session's "last
 *   60 s" is the last 60 s played, optionally looped;
 * - `ingest --stdin`, `replay --to db`: as fast as it reads, the log's own stamps kept; a stream is
 *   read live (each read handed on at once).
 *
 * Bad lines are counted, never thrown (`stats`, and `bad_line` in the status); only input that is
 * not a CAN log of a known format, or cannot be read, fails the iteration.
 */
import {sleep} from '../abort.js'
import type {FrameBatch} from '../can/frame.js'
import {type CanLogReading, createReadStats, type LogFormat, type LogReadStats, readCanLog} from '../can/log/index.js'
import {Pacer} from '../pace.js'
import {SourceCounters} from './source-counters.js'
import type {CanSource, SourceStatus} from './source.js'

export interface LogSourceOptions {
  /** A log file's path, or a stream (stdin, a pipe). */
  readonly input: string | NodeJS.ReadableStream
  /** The name frames are stored under. Default: the path, or `stdin`. */
  readonly name?: string
  /** The source kind stored with the frames. Default `replay` for a file, `stdin` for a stream. */
  readonly sourceKind?: string
  /** Default `auto`: sniffed from the first lines. */
  readonly format?: LogFormat | 'auto'
  /** Epoch µs that relative stamps (candump `-tz`, ASC without a date) count from. */
  readonly startTimeUs?: number
  /** Played at the recorded pace × `speed`, gaps longer than `maxGapUs` (default 2 s) cut. Default: as fast as it reads. */
  readonly paced?: {readonly speed: number; readonly maxGapUs?: number}
  /** Re-stamp the frames as if the log happened now. Default false: the log's stamps are kept. */
  readonly restampToNow?: boolean
  /** Play the log again from the start when it ends (a file only). */
  readonly loop?: boolean
}

/** Log time per batch when paced: short enough that a batch is never noticeably early. */
const PACED_SLICE_US = 20_000
const DEFAULT_MAX_GAP_US = 2_000_000

export class LogSource implements CanSource {
  readonly kind: string
  readonly name: string
  /** The format of the log, once reading has begun (`batches()`); rejects for input that is not a CAN log. */
  readonly format: Promise<LogFormat>
  private readonly counters = new SourceCounters()
  private readonly abort = new AbortController()
  private reading: CanLogReading | undefined
  private badLinesBefore = 0
  private settleFormat!: {resolve: (format: LogFormat) => void; reject: (error: unknown) => void}

  constructor(private readonly options: LogSourceOptions) {
    const {input} = options
    this.kind = options.sourceKind ?? (typeof input === 'string' ? 'replay' : 'stdin')
    this.name = options.name ?? (typeof input === 'string' ? input : 'stdin')
    this.format = new Promise((resolve, reject) => (this.settleFormat = {reject, resolve}))
    this.format.catch(() => undefined)
  }

  /** What the reader counted in the current pass (lines, frames, bad lines and the first problems). */
  get stats(): LogReadStats {
    return this.reading?.stats ?? createReadStats()
  }

  async *batches(): AsyncGenerator<FrameBatch> {
    const {paced, restampToNow, loop} = this.options
    let offsetUs = 0
    try {
      do {
        const reading = this.read()
        const pacer = paced ? new Pacer(paced.speed, paced.maxGapUs ?? DEFAULT_MAX_GAP_US) : undefined
        let shiftUs: number | undefined
        let lastUs = 0
        for await (const batch of reading.batches) {
          for (const part of pacer ? slices(batch, PACED_SLICE_US) : [batch]) {
            if (this.abort.signal.aborted) return
            const wait = pacer?.delayMs(part.timestampUs[0]!) ?? 0
            if (wait > 0) await sleep(wait, this.abort.signal)
            if (this.abort.signal.aborted) return
            if (restampToNow) {
              shiftUs ??= Date.now() * 1000 - part.timestampUs[0]! + offsetUs
              for (let i = 0; i < part.length; i++) part.timestampUs[i]! += shiftUs
            }
            lastUs = part.timestampUs[part.length - 1]!
            this.counters.count(part.length)
            yield part
          }
        }
        offsetUs = Math.max(0, lastUs - Date.now() * 1000)
      } while (loop && !this.abort.signal.aborted)
    } catch (error) {
      // A stream destroyed by stop() ends the read; anything else is a real failure.
      if (!this.abort.signal.aborted) throw error
    } finally {
      this.counters.state = 'stopped'
    }
  }

  status(): SourceStatus {
    const bad = this.badLinesBefore + (this.reading?.stats.badLines ?? 0)
    return this.counters.status(this, bad > 0 ? {dropped: {bad_line: bad}} : {})
  }

  /** Stops after the batch being handed on; a stream input is destroyed so a pending read ends. */
  async stop(): Promise<void> {
    this.abort.abort()
    const {input} = this.options
    if (typeof input !== 'string') (input as NodeJS.ReadableStream & {destroy?: () => void}).destroy?.()
  }

  /** Starts one pass over the input. */
  private read(): CanLogReading {
    const {input, format, startTimeUs} = this.options
    if (this.reading) this.badLinesBefore += this.reading.stats.badLines
    const live = typeof input !== 'string'
    const reading = readCanLog(input, {format: format ?? 'auto', live, ...(live ? {name: this.name} : {}), ...(startTimeUs === undefined ? {} : {startTimeUs})})
    if (!this.reading) reading.format.then(this.settleFormat.resolve, this.settleFormat.reject)
    this.reading = reading
    return reading
  }
}

/** Splits a batch where log time crosses `spanUs` from the slice's first frame. */
function* slices(batch: FrameBatch, spanUs: number): Generator<FrameBatch> {
  let start = 0
  while (start < batch.length) {
    let end = start + 1
    while (end < batch.length && batch.timestampUs[end]! - batch.timestampUs[start]! < spanUs) end++
    if (start === 0 && end === batch.length) {
      yield batch
      return
    }
    yield batch.slice(start, end)
    start = end
  }
}
