import {FrameBatch, type Frame} from '../../../src/lib/can/frame.js'
import {asciiBytes} from '../../../src/lib/can/slcan/ascii.js'
import {SlcanParser, type SlcanParserStats} from '../../../src/lib/can/slcan/parser.js'
import type {SlcanEvent} from '../../../src/lib/can/slcan/reply-line.js'

export const HOST_US = 1_700_000_000_000_000

export interface Parsed {
  readonly frames: Frame[]
  readonly events: SlcanEvent[]
  readonly stats: SlcanParserStats
  readonly parser: SlcanParser
}

/** Bytes of a string written with JS escapes (`\r`, `\x07`). */
export const bytes = (text: string): Uint8Array => asciiBytes(text)

/**
 * Feeds `chunks` (strings or bytes) through one parser, each chunk at its own host time
 * (`hostTimes[i]`, else HOST_US), flushing small batches so the batch-full path runs too.
 */
export function parseChunks(chunks: readonly (string | Uint8Array)[], options: {hostTimes?: readonly number[]; capacity?: number; finish?: boolean} = {}): Parsed {
  const events: SlcanEvent[] = []
  const parser = new SlcanParser({onEvent: (event) => events.push(event)})
  const batch = new FrameBatch(options.capacity ?? 4)
  const frames: Frame[] = []
  let last = HOST_US
  chunks.forEach((chunk, index) => {
    const data = typeof chunk === 'string' ? bytes(chunk) : chunk
    last = options.hostTimes?.[index] ?? HOST_US
    let offset = 0
    while (offset < data.length) {
      offset = parser.feed(data, last, batch, offset)
      if (batch.full) {
        frames.push(...batch.frames())
        batch.clear()
      }
    }
  })
  if (options.finish !== false) parser.finish(last, batch)
  frames.push(...batch.frames())
  return {events, frames, parser, stats: parser.stats}
}

export const parse = (text: string | Uint8Array): Parsed => parseChunks([text])

/** A frame as the tests write it: the fields that matter, hex data. */
export function brief(frame: Frame): string {
  const kind = frame.fd ? (frame.brs ? 'fd+brs' : 'fd') : frame.remote ? 'rtr' : 'data'
  const hex = Buffer.from(frame.data).toString('hex').toUpperCase()
  return `${frame.extended ? 'ext' : 'std'} ${kind} ${frame.id.toString(16).toUpperCase()} [${frame.length}]${frame.rawDlc ? ` dlc=${frame.rawDlc}` : ''} ${hex}${frame.direction ? ` ${frame.direction}` : ''}`.trimEnd()
}
