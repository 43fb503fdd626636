import type {Writable} from 'node:stream'

import {sleep} from '../abort.js'
import type {Car} from '../car/model.js'
import {FrameBatch, MAX_BATCH_FRAMES} from '../can/frame.js'
import {CandumpWriter, type LogFormat, type LogReadStats, readCanLog} from '../can/log/index.js'
import {CarDecoder, type DecodeStats} from '../decode/index.js'
import {Pacer} from '../pace.js'
import {FrameFormatter} from './frame-output.js'
import type {StoredFormat, StoredFrames} from '../store/index.js'

export type ReplayFormat = 'jsonl' | 'candump' | 'table'

export interface ReplayOptions {
  /** A log file path, or a stream (stdin). */
  readonly input: string | NodeJS.ReadableStream
  readonly car: Car
  /** What goes to `out`; `none` decodes and counts only (`--json`). */
  readonly format: ReplayFormat | 'none'
  readonly out: Writable
  /** Also write every printed frame to this candump log (`--to candump:FILE`). */
  readonly candumpFile?: string
  /** Factor of real time; Infinity = as fast as possible. */
  readonly speed: number
  readonly maxGapUs?: number
  /** Print frames no message matches too. */
  readonly unknown: boolean
  readonly inputFormat?: LogFormat | 'auto'
  readonly startTimeUs?: number
  readonly signal?: AbortSignal
  /** Stored frames (an archive or a stored session) to replay instead of reading `input` as a log. */
  readonly stored?: StoredFrames
  /**
   * `--to db` / `--to bridge`: every frame read (decoded or not) goes here, batch by batch, as it is
   * replayed; the batch is handed over (the live path decodes and stores it).
   */
  readonly sink?: {write(batch: FrameBatch): Promise<boolean>}
}

export interface ReplaySummary {
  readonly input: string
  readonly inputFormat: LogFormat | StoredFormat
  readonly car: string
  readonly log: Omit<LogReadStats, 'problems'> & {readonly problems: LogReadStats['problems']}
  readonly decode: DecodeStats
  /** Frames written to the output (or the candump file). */
  readonly framesOut: number
  readonly wallMs: number
  /** True when the output closed early (e.g. piped into `head`). */
  readonly outputClosed: boolean
}

/**
 * Replays a CAN log through the car's decoder: read batches, pace them, decode, and write each
 * frame as JSON lines, a table or candump. Bad lines are counted by the reader, unknown and short
 * frames by the decoder; nothing stops the stream but the end of the log, an abort, or the output
 * closing.
 */
export async function replayLog(options: ReplayOptions): Promise<ReplaySummary> {
  const started = performance.now()
  const log = options.stored ? undefined : readCanLog(options.input, {
    format: options.inputFormat ?? 'auto',
    live: typeof options.input !== 'string',
    ...(options.startTimeUs === undefined ? {} : {startTimeUs: options.startTimeUs}),
  })
  const reader = options.stored ?? log!
  const decoder = new CarDecoder(options.car)
  const formatter = new FrameFormatter(decoder)
  const pacer = new Pacer(options.speed, options.maxGapUs)
  const stdoutCandump = options.format === 'candump' ? new CandumpWriter(options.out) : undefined
  const fileCandump = options.candumpFile ? new CandumpWriter(options.candumpFile) : undefined
  const output = new OutputGate(options.out)
  let framesOut = 0

  for await (const batch of reader.batches) {
    if (options.signal?.aborted || output.closed) break
    const passed = new FrameBatch(MAX_BATCH_FRAMES, batch.channels)
    let text = ''
    let done = 0
    for (let i = 0; i < batch.length; i++) {
      const wait = pacer.delayMs(batch.timestampUs[i]!)
      if (wait > 1) {
        await flush()
        await sleep(wait)
        if (options.signal?.aborted || output.closed) break
      }
      const m = decoder.decodeFrame(batch, i)
      done = i + 1
      if (m < 0 && !options.unknown) continue
      framesOut++
      if (options.format === 'jsonl') text += formatter.jsonLine(batch, i, m) + '\n'
      else if (options.format === 'table') text += formatter.tableLine(batch, i, m) + '\n'
      if (stdoutCandump || fileCandump) passed.pushFrom(batch, i)
    }
    await flush()
    if (options.sink) {
      // Stopped part-way (abort, output closed): store what was replayed, not the rest.
      batch.length = done
      await options.sink.write(batch)
    }

    async function flush(): Promise<void> {
      if (text) await output.write(text)
      text = ''
      if (passed.length > 0) {
        await stdoutCandump?.write(passed)
        await fileCandump?.write(passed)
        passed.clear()
      }
    }
  }
  await fileCandump?.close()
  if (stdoutCandump && !output.closed) await stdoutCandump.close()
  return {
    car: options.car.id,
    decode: {...decoder.stats},
    framesOut,
    input: options.stored?.label ?? (typeof options.input === 'string' ? options.input : 'stdin'),
    inputFormat: options.stored?.format ?? (await log!.format),
    log: {...reader.stats},
    outputClosed: output.closed,
    wallMs: Math.round(performance.now() - started),
  }
}

/** Writes with backpressure; an output that closes (EPIPE: piped into `head`) ends the replay quietly. */
class OutputGate {
  closed = false

  constructor(private readonly out: Writable) {
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.closed = true
      else throw error
    })
  }

  async write(text: string): Promise<void> {
    if (this.closed) return
    if (!this.out.write(text)) await new Promise<void>((done) => {
      const finish = (): void => {
        this.out.off('drain', finish)
        this.out.off('close', finish)
        done()
      }
      this.out.once('drain', finish)
      this.out.once('close', finish)
    })
  }
}
