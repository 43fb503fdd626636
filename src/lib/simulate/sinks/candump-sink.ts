import type {FrameBatch} from '../../can/frame.js'
import {MAX_LINE_BYTES_WITHOUT_NAME, writeCandumpLine} from '../../can/log/index.js'
import {StreamSink} from '../../can/log/stream-sink.js'
import type {GarbageInjector} from './garbage.js'
import {emptyStats, type SimSink, type SinkStats} from './sink.js'

const CHANNEL = 'can0'
const NAME = Buffer.from(CHANNEL)
const GARBAGE_MAX = 64

/**
 * candump `-l` lines to a file or to stdout (`(1763802843.123456) can0 420#...`), with garbage
 * lines between them at `--garbage-rate`. Backpressure from the stream is passed on.
 */
export class CandumpSink implements SimSink {
  readonly kind: string
  private readonly sink: StreamSink
  private readonly counters: SinkStats = emptyStats()

  constructor(
    out: string | NodeJS.WritableStream,
    private readonly garbage: GarbageInjector,
  ) {
    this.kind = typeof out === 'string' ? 'candump' : 'stdout'
    this.sink = new StreamSink(out, typeof out === 'string')
  }

  async open(): Promise<void> {}

  write(batch: FrameBatch): void | Promise<void> {
    if (batch.length === 0) return undefined
    const out = Buffer.allocUnsafe(batch.length * (MAX_LINE_BYTES_WITHOUT_NAME + NAME.length + GARBAGE_MAX))
    let pos = 0
    for (let i = 0; i < batch.length; i++) {
      if (this.garbage.due()) {
        const line = this.garbage.candumpNoise(batch.timestampUs[i]!, CHANNEL)
        pos += out.write(line, pos, 'latin1')
        this.counters.garbageLines++
        this.counters.garbageBytes += line.length
      }
      pos = writeCandumpLine(batch, i, NAME, 'auto', out, pos)
    }
    this.counters.delivered += batch.length
    return this.sink.write(out.subarray(0, pos))
  }

  async close(): Promise<void> {
    await this.sink.close()
  }

  stats(): SinkStats {
    return {...this.counters, notDelivered: {...this.counters.notDelivered}}
  }
}
