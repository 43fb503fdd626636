import type {Car} from '../car/model.js'
import {type LogFormat, type LogReadStats, readCanLog} from '../can/log/index.js'
import {CarDecoder, type DecodeStats, decodeToSamples} from '../decode/index.js'
import type {LiveStore, LiveStoreStats, SessionManager} from '../store/index.js'

export interface IngestLogOptions {
  readonly input: NodeJS.ReadableStream | string
  readonly inputFormat?: LogFormat | 'auto'
  readonly car: Car
  readonly store: LiveStore
  readonly sessions: SessionManager
  /** Source kind and name recorded with the frames (`stdin`, a file name). */
  readonly sourceKind?: string
  readonly sourceName: string
  readonly signal?: AbortSignal
}

export interface IngestSummary {
  readonly sessions: readonly string[]
  readonly inputFormat?: LogFormat
  readonly log: LogReadStats
  readonly decode: DecodeStats
  readonly store: LiveStoreStats
  readonly stoppedBy: 'eof' | 'signal'
}

/**
 * Reads a CAN log stream (candump, screen or ASC) into the live session: each batch is decoded
 * (the samples) and handed to the store with its raw frames. Imported logs keep their own
 * timestamps. Ends at EOF or on abort; the caller ends the session and closes the store.
 */
export async function ingestLog(options: IngestLogOptions): Promise<IngestSummary> {
  const reader = readCanLog(options.input, {format: options.inputFormat ?? 'auto', live: typeof options.input !== 'string', name: options.sourceName})
  const decoder = new CarDecoder(options.car)
  let stoppedBy: IngestSummary['stoppedBy'] = 'eof'
  const onAbort = (): void => {
    stoppedBy = 'signal'
    if (typeof options.input !== 'string') (options.input as NodeJS.ReadableStream & {destroy?: () => void}).destroy?.()
  }
  options.signal?.addEventListener('abort', onAbort, {once: true})
  if (options.signal?.aborted) onAbort()
  try {
    for await (const batch of reader.batches) {
      const samples = decodeToSamples(decoder, batch)
      await options.sessions.append(options.sourceKind ?? 'stdin', options.sourceName, batch, samples)
      if (options.signal?.aborted) break
    }
  } catch (error) {
    // A stream destroyed by the abort ends the read; anything else is a real failure.
    if (!options.signal?.aborted) throw error
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  await options.store.flush()
  const format = await reader.format.catch(() => undefined)
  return {
    decode: {...decoder.stats},
    ...(format ? {inputFormat: format} : {}),
    log: {...reader.stats},
    sessions: [],
    stoppedBy,
    store: {...options.store.stats, dropped: {...options.store.stats.dropped}},
  }
}
