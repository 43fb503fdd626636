/**
 * SlcanParser as a Node stream: pipe a serial port, socket or pty into it and read FrameBatch
 * objects out. A batch is pushed when full, or `flushMs` after its first frame so a quiet bus
 * still delivers promptly, or at the end of the input.
 */
import {Transform, type TransformCallback} from 'node:stream'

import {FrameBatch, MAX_BATCH_FRAMES} from '../frame.js'
import {SlcanParser, type SlcanParserOptions} from './parser.js'

export interface SlcanDecoderStreamOptions extends SlcanParserOptions {
  /** Frames per batch (default MAX_BATCH_FRAMES). */
  readonly capacity?: number
  /** Longest a partial batch waits before it is pushed, ms (default 20). */
  readonly flushMs?: number
  /**
   * Host time of a read, integer µs since the epoch. Default: a monotonic clock anchored to the
   * epoch at start (`performance.timeOrigin + performance.now()`), so wall-clock steps (NTP, the
   * phone's network time) do not reorder frames.
   */
  readonly now?: () => number
}

const defaultNow = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000)

export class SlcanDecoderStream extends Transform {
  readonly parser: SlcanParser
  private readonly capacity: number
  private readonly flushMs: number
  private readonly now: () => number
  private batch: FrameBatch
  private timer: NodeJS.Timeout | undefined

  constructor(options: SlcanDecoderStreamOptions = {}) {
    super({readableObjectMode: true, writableObjectMode: false})
    this.parser = new SlcanParser(options.onEvent ? {onEvent: options.onEvent} : {})
    this.capacity = options.capacity ?? MAX_BATCH_FRAMES
    this.flushMs = options.flushMs ?? 20
    this.now = options.now ?? defaultNow
    this.batch = new FrameBatch(this.capacity)
  }

  override _transform(chunk: Buffer | Uint8Array | string, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk
    const hostTimeUs = this.now()
    let offset = 0
    while (offset < bytes.length) {
      offset = this.parser.feed(bytes, hostTimeUs, this.batch, offset)
      if (this.batch.full) this.pushBatch()
    }
    if (this.batch.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.pushBatch(), this.flushMs)
    }
    done()
  }

  override _flush(done: TransformCallback): void {
    if (this.batch.full) this.pushBatch()
    this.parser.finish(this.now(), this.batch)
    this.pushBatch()
    done()
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.clearTimer()
    done(error)
  }

  /** Hands the current batch on (if it holds frames) and starts a new one. */
  private pushBatch(): void {
    this.clearTimer()
    if (this.batch.length === 0) return
    const full = this.batch
    this.batch = new FrameBatch(this.capacity)
    this.push(full)
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}
