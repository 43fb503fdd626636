import {createWriteStream} from 'node:fs'
import {once} from 'node:events'

/**
 * The byte sink under a log writer: a path (opened, and ended on close) or a stream (ended on close
 * only when asked: stdout must stay open). Honours backpressure and keeps the first stream error.
 */
export class StreamSink {
  private readonly stream: NodeJS.WritableStream
  private readonly ownsStream: boolean
  private error: Error | undefined
  private closed = false

  constructor(out: NodeJS.WritableStream | string, end: boolean | undefined) {
    this.ownsStream = typeof out === 'string' || end === true
    this.stream = typeof out === 'string' ? createWriteStream(out) : out
    this.stream.on('error', (e: Error) => {
      this.error ??= e
    })
  }

  /** Writes `bytes` (handed over: not reused by the caller); a promise when the stream asks to wait. */
  write(bytes: Uint8Array): void | Promise<void> {
    if (this.error) throw this.error
    if (this.closed) throw new Error('write after close')
    if (this.stream.write(bytes)) return undefined
    return this.drained()
  }

  /** Waits for everything written, ending the stream when this sink owns it. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.error) throw this.error
    if (this.ownsStream) {
      const done = Promise.race([once(this.stream, 'finish'), once(this.stream, 'error')])
      this.stream.end()
      await done
    } else if ((this.stream as {writableNeedDrain?: boolean}).writableNeedDrain) {
      await this.drained()
    }
    if (this.error) throw this.error
  }

  // The waits that lose the race are cancelled: left pending, each would keep a listener on the
  // stream, and a long replay waits for drain thousands of times.
  private async drained(): Promise<void> {
    const cancel = new AbortController()
    try {
      await Promise.race([once(this.stream, 'drain', {signal: cancel.signal}), once(this.stream, 'close', {signal: cancel.signal})])
    } catch (error) {
      this.error ??= error as Error
    } finally {
      cancel.abort()
    }
    if (this.error) throw this.error
  }
}
