import type {FrameBatch} from '../frame.js'
import type {LogParser, LogReadStats} from './types.js'

/** A line longer than this is cut and handed to the parser as is (it will be a bad line). */
const MAX_LINE_BYTES = 1 << 20

/**
 * Cuts byte chunks into lines (LF or CRLF, a line may span chunks) and drives a `LogParser`,
 * collecting the batches it fills. Synchronous: the stream shell and the benchmark share it.
 */
export class LineFeeder {
  private tail: Buffer | undefined
  private line = 0

  constructor(
    private readonly parser: LogParser,
    private readonly stats: LogReadStats,
  ) {}

  /** Parses every complete line of `chunk`; full batches are pushed to `out`. */
  feed(chunk: Uint8Array, out: FrameBatch[]): void {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let pos = 0
    if (this.tail) {
      const nl = buf.indexOf(10, pos)
      if (nl < 0 && this.tail.length + buf.length - pos < MAX_LINE_BYTES) {
        this.tail = Buffer.concat([this.tail, buf.subarray(pos)])
        return
      }
      const cut = nl < 0 ? buf.length : nl
      const joined = Buffer.concat([this.tail, buf.subarray(pos, cut)])
      this.tail = undefined
      this.parse(joined, 0, joined.length, out)
      pos = cut + 1
    }
    for (;;) {
      const nl = buf.indexOf(10, pos)
      if (nl < 0) break
      this.parse(buf, pos, nl, out)
      pos = nl + 1
    }
    if (pos < buf.length) {
      // Copy: the caller may reuse its chunk.
      this.tail = Buffer.from(buf.subarray(pos))
      if (this.tail.length >= MAX_LINE_BYTES) {
        buf = this.tail
        this.tail = undefined
        this.parse(buf, 0, buf.length, out)
      }
    }
  }

  /** Hands over the batch being filled, however few frames it holds (live streams: no waiting for 2,048). */
  drain(out: FrameBatch[]): void {
    const partial = this.parser.take()
    if (partial) out.push(partial)
  }

  /** End of input: parses a last line without LF and hands over the last batch. */
  end(out: FrameBatch[]): void {
    if (this.tail) {
      const tail = this.tail
      this.tail = undefined
      this.parse(tail, 0, tail.length, out)
    }
    for (let last = this.parser.take(); last; last = this.parser.take()) out.push(last)
  }

  private parse(buf: Buffer, start: number, end: number, out: FrameBatch[]): void {
    if (end > start && buf[end - 1] === 13) end--
    if (this.line === 0 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3 // UTF-8 BOM
    this.stats.linesRead++
    this.parser.parseLine(buf, start, end, ++this.line)
    while (this.parser.full) out.push(this.parser.take()!)
  }
}
