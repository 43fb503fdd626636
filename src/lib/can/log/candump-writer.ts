import type {FrameBatch} from '../frame.js'
import {MAX_LINE_BYTES_WITHOUT_NAME, writeCandumpLine} from './candump-format.js'
import type {CandumpFormatOptions} from './candump-line.js'
import {StreamSink} from './stream-sink.js'

export interface CandumpWriterOptions extends CandumpFormatOptions {
  /** End a stream given as `out` on `close()`. Defaults to `false` (a path is always closed). */
  end?: boolean
}

/**
 * Writes batches as a candump `-l` log (see `writeCandumpLine` for the exact lines). One buffer
 * and one stream write per batch.
 */
export class CandumpWriter {
  /** Frames written so far. */
  framesWritten = 0
  private readonly sink: StreamSink
  private readonly defaultName: Uint8Array
  private readonly encoded = new Map<string, Uint8Array>()

  constructor(
    out: NodeJS.WritableStream | string,
    private readonly options: CandumpWriterOptions = {},
  ) {
    this.sink = new StreamSink(out, options.end)
    this.defaultName = Buffer.from(options.defaultChannel ?? 'can0', 'utf8')
  }

  /**
   * Writes every frame of `batch`. The lines are formatted before this returns, so the caller may
   * clear and refill the batch at once; a returned promise means the stream wants it to wait.
   */
  write(batch: FrameBatch): void | Promise<void> {
    if (batch.length === 0) return undefined
    const names = batch.channels.map((name) => this.encode(name))
    let longest = this.defaultName.length
    for (const name of names) longest = Math.max(longest, name.length)
    const out = Buffer.allocUnsafe(batch.length * (MAX_LINE_BYTES_WITHOUT_NAME + longest))
    const fraction = this.options.fraction ?? 'auto'
    let pos = 0
    for (let i = 0; i < batch.length; i++) {
      const channel = batch.channel[i]!
      pos = writeCandumpLine(batch, i, channel < names.length ? names[channel]! : this.defaultName, fraction, out, pos)
    }
    this.framesWritten += batch.length
    return this.sink.write(out.subarray(0, pos))
  }

  /** Flushes, and ends the output when it is a path (or `end` was set). */
  close(): Promise<void> {
    return this.sink.close()
  }

  private encode(name: string): Uint8Array {
    let bytes = this.encoded.get(name)
    if (!bytes) this.encoded.set(name, (bytes = Buffer.from(name, 'utf8')))
    return bytes
  }
}
