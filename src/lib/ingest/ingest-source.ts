import type {Car} from '../car/model.js'
import {CarDecoder, type DecodeStats, decodeToSamples} from '../decode/index.js'
import type {CanSource, SourceStatus} from '../source/index.js'
import type {LiveStore, LiveStoreStats, SessionManager} from '../store/index.js'

export interface IngestSourceOptions {
  /** The source; `onReconnect`, when it has one, resets the decoder's latest values. */
  readonly source: CanSource & {onReconnect?(listener: () => void): void}
  readonly car: Car
  readonly store: LiveStore
  readonly sessions: SessionManager
  readonly signal?: AbortSignal
}

export interface IngestSourceSummary {
  readonly source: SourceStatus
  readonly decode: DecodeStats
  readonly store: LiveStoreStats
  /** `eof`: the input ended; `signal`: SIGTERM/SIGINT; `absent`: the adapter went away and its descriptor cannot be reopened. */
  readonly stoppedBy: 'eof' | 'signal' | 'absent'
}

/**
 * Reads a live source (an adapter, a descriptor, slcan on stdin) into the live session: each batch
 * is decoded and handed to the store with its raw frames, under the source's kind and name. The
 * decoder's latest values are dropped at every reconnect (a new decoder), so a derived channel
 * never combines a value from before an outage with one from after it. Ends when the source ends
 * or on abort; the caller ends the session and closes the store.
 */
export async function ingestSource(options: IngestSourceOptions): Promise<IngestSourceSummary> {
  const {source, car} = options
  let decoder = new CarDecoder(car)
  const past: DecodeStats = {decoded: 0, frames: 0, short: 0, skipped: 0, unknown: 0}
  source.onReconnect?.(() => {
    addStats(past, decoder.stats)
    decoder = new CarDecoder(car)
  })
  let stoppedBy: IngestSourceSummary['stoppedBy'] = 'eof'
  const onAbort = (): void => {
    stoppedBy = 'signal'
    void source.stop()
  }
  options.signal?.addEventListener('abort', onAbort, {once: true})
  if (options.signal?.aborted) onAbort()
  try {
    for await (const batch of source.batches()) {
      const samples = decodeToSamples(decoder, batch)
      await options.sessions.append(source.kind, source.name, batch, samples)
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  await options.store.flush()
  const status = source.status()
  // (stoppedBy is set by the abort listener, which TypeScript cannot see.)
  if ((stoppedBy as IngestSourceSummary['stoppedBy']) !== 'signal' && status.state === 'absent') stoppedBy = 'absent'
  addStats(past, decoder.stats)
  return {decode: past, source: status, stoppedBy, store: {...options.store.stats, dropped: {...options.store.stats.dropped}}}
}

function addStats(into: DecodeStats, from: DecodeStats): void {
  into.decoded += from.decoded
  into.frames += from.frames
  into.short += from.short
  into.skipped += from.skipped
  into.unknown += from.unknown
}
