import {type FrameBatch, MAX_BATCH_FRAMES} from '../frame.js'
import {LOG_FORMATS} from './formats.js'
import {LineFeeder} from './line-feeder.js'
import {createReadStats} from './read-stats.js'
import type {LogFormat, LogReaderOptions, LogReadStats} from './types.js'

const SLICE_BYTES = 256 * 1024

/**
 * Parses a whole log held in memory, synchronously, handing each batch to `onBatch`. The same core
 * `readCanLog` runs, without streams: for the benchmark, tests and small in-memory logs.
 */
export function parseLogBuffer(
  bytes: Uint8Array,
  format: LogFormat,
  onBatch: (batch: FrameBatch) => void,
  options: Omit<LogReaderOptions, 'format' | 'name'> = {},
): LogReadStats {
  const stats = createReadStats()
  const parser = LOG_FORMATS[format].reader(stats, {
    batchSize: options.batchSize ?? MAX_BATCH_FRAMES,
    relativeStamps: options.relativeStamps ?? 'auto',
    startTimeUs: options.startTimeUs,
    utcOffsetMinutes: options.utcOffsetMinutes,
  })
  const feeder = new LineFeeder(parser, stats)
  const out: FrameBatch[] = []
  // Slices as a file stream would deliver them, so batches reach the consumer as they fill.
  for (let start = 0; start < bytes.length; start += SLICE_BYTES) {
    feeder.feed(bytes.subarray(start, start + SLICE_BYTES), out)
    for (const batch of out) onBatch(batch)
    out.length = 0
  }
  feeder.end(out)
  for (const batch of out) onBatch(batch)
  return stats
}
