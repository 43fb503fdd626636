import {createReadStream} from 'node:fs'
import {pipeline, Readable} from 'node:stream'
import {createGunzip} from 'node:zlib'

import {InputDataError, UsageError} from '../../errors.js'
import {type FrameBatch, MAX_BATCH_FRAMES} from '../frame.js'
import {detectLogFormat, formatFromSuffix, LOG_FORMATS} from './formats.js'
import {LineFeeder} from './line-feeder.js'
import {createReadStats} from './read-stats.js'
import type {LogFormat, LogReaderOptions, LogReadStats, ParserOptions} from './types.js'

/** Bytes and lines looked at to detect the format. */
const SNIFF_BYTES = 64 * 1024
const SNIFF_LINES = 50

/** What `readCanLog` returns: batches to iterate once, live stats, and the detected format. */
export interface CanLogReading {
  /** The frames, up to `batchSize` per batch; each batch belongs to the consumer. Iterate once. */
  readonly batches: AsyncIterable<FrameBatch>
  /** Filled while iterating; final when the iteration ends. */
  readonly stats: LogReadStats
  /** Resolves once the first bytes are read; rejects with `InputDataError` for an unknown format or unreadable input. */
  readonly format: Promise<LogFormat>
}

interface Opened {
  format: LogFormat
  head: Buffer[]
  rest: AsyncIterator<Buffer | string>
}

/**
 * Reads a CAN log from a path or a stream (stdin) and yields frame batches. Reading starts at
 * once (so `format` resolves without iterating); a `.gz` file or stream is decompressed. Lines
 * that are not frames are counted in `stats`, never thrown: only input that is not a CAN log of a
 * known format, or cannot be read, fails, with an `InputDataError` naming it.
 * An empty input is an empty log (format from the suffix, else `candump`).
 */
export function readCanLog(input: string | NodeJS.ReadableStream, options: LogReaderOptions = {}): CanLogReading {
  const batchSize = options.batchSize ?? MAX_BATCH_FRAMES
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_FRAMES) {
    throw new UsageError(`batch size must be an integer from 1 to ${MAX_BATCH_FRAMES}, not ${batchSize}`, {code: 'PW_LOG_BATCH_SIZE'})
  }
  const name = options.name ?? (typeof input === 'string' ? input : 'stdin')
  const path = typeof input === 'string' ? input : options.name
  const stats = createReadStats()
  const parserOptions: ParserOptions = {
    batchSize,
    relativeStamps: options.relativeStamps ?? 'auto',
    startTimeUs: options.startTimeUs,
    utcOffsetMinutes: options.utcOffsetMinutes,
  }
  const opening = open(input, name, path, options.format ?? 'auto', options.live === true)
  const format = opening.then((o) => o.format)
  // The caller may only iterate; the rejection then surfaces there, not as an unhandled one.
  format.catch(() => {})
  let iterated = false
  const batches: AsyncIterable<FrameBatch> = {
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error('readCanLog batches can be iterated only once')
      iterated = true
      return iterate(opening, name, stats, parserOptions, options.live === true && typeof input !== 'string')
    },
  }
  return {batches, format, stats}
}

// A live stream (a pipe from candump, `live: true`): what one read brought is handed on at once,
// as a batch of however many frames it holds, instead of waiting for 2,048 frames to accumulate.
async function* iterate(opening: Promise<Opened>, name: string, stats: LogReadStats, options: ParserOptions, live: boolean): AsyncGenerator<FrameBatch> {
  const {format, head, rest} = await opening
  const feeder = new LineFeeder(LOG_FORMATS[format].reader(stats, options), stats)
  const out: FrameBatch[] = []
  try {
    for (const chunk of head) feeder.feed(chunk, out)
    if (live) feeder.drain(out)
    while (out.length > 0) yield out.shift()!
    for (;;) {
      const next = await rest.next().catch((e: unknown) => {
        throw unreadable(name, e)
      })
      if (next.done) break
      feeder.feed(toBuffer(next.value), out)
      if (live) feeder.drain(out)
      while (out.length > 0) yield out.shift()!
    }
    feeder.end(out)
    yield* out
  } finally {
    await rest.return?.()
  }
}

/** Opens the input, undoes gzip, reads enough to detect the format. */
async function open(input: string | NodeJS.ReadableStream, name: string, path: string | undefined, wanted: LogFormat | 'auto', live: boolean): Promise<Opened> {
  const source: NodeJS.ReadableStream = typeof input === 'string' ? createReadStream(input, {highWaterMark: 256 * 1024}) : input
  let rest: AsyncIterator<Buffer | string> = source[Symbol.asyncIterator]()
  const head: Buffer[] = []
  let bytes = 0
  // A log is sniffed from its first 64 KiB; a live stream from what has arrived once it holds a
  // complete line, so a slow source (a real bus at 250 frames/s) is not held up.
  const enoughOfStream = (): boolean => live && head.some((c) => c.includes(10))
  const readHead = async (): Promise<void> => {
    while (bytes < SNIFF_BYTES && !enoughOfStream()) {
      const next = await rest.next()
      if (next.done) break
      const chunk = toBuffer(next.value)
      head.push(chunk)
      bytes += chunk.length
    }
  }
  try {
    const first = await rest.next()
    if (!first.done) {
      const chunk = toBuffer(first.value)
      if (chunk[0] === 0x1f && chunk[1] === 0x8b) rest = gunzip(chunk, rest)
      else head.push(chunk)
      bytes = head.length ? chunk.length : 0
    }
    await readHead()
  } catch (e) {
    await rest.return?.().catch(() => undefined)
    throw unreadable(name, e)
  }
  const text = Buffer.concat(head).toString('latin1').replace(/^\u00ef\u00bb\u00bf/, '') // UTF-8 BOM
  const lines = text.split('\n', SNIFF_LINES * 4).filter((line) => line.trim() !== '').slice(0, SNIFF_LINES)
  const format = wanted !== 'auto' ? wanted : lines.length === 0 ? (formatFromSuffix(path) ?? 'candump') : detectLogFormat(path, lines)
  if (format === undefined) {
    await rest.return?.().catch(() => undefined)
    const known = Object.entries(LOG_FORMATS).map(([key, info]) => `${key} (${info.description})`)
    throw new InputDataError(`${name} is not a CAN log pitwall can read: its first lines match none of the formats ${Object.keys(LOG_FORMATS).join(', ')}`, {
      code: 'PW_LOG_FORMAT',
      suggestions: [`first line: ${JSON.stringify(lines[0]!.slice(0, 100))}`, ...known.map((k) => `expected e.g. ${k}`)],
    })
  }
  return {format, head, rest}
}

/** Decompresses a gzip stream whose first chunk was already read. */
function gunzip(first: Buffer, rest: AsyncIterator<Buffer | string>): AsyncIterator<Buffer> {
  async function* compressed(): AsyncGenerator<Buffer> {
    yield first
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield toBuffer(next.value)
  }
  const inflated = pipeline(Readable.from(compressed()), createGunzip(), () => {})
  return inflated[Symbol.asyncIterator]()
}

function toBuffer(chunk: Buffer | string | Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

function unreadable(name: string, e: unknown): InputDataError {
  if (e instanceof InputDataError) return e
  const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message
  return new InputDataError(`cannot read the CAN log ${name}: ${reason}`, {cause: e, code: 'PW_LOG_UNREADABLE'})
}
