import {FrameBatch} from '../can/frame.js'
import type {UdpPointSource, UdpPointStats} from '../source/index.js'
import type {LiveStore, LiveStoreStats, SessionManager} from '../store/index.js'

export interface IngestUdpOptions {
  readonly source: UdpPointSource
  readonly store: LiveStore
  readonly sessions: SessionManager
  readonly signal?: AbortSignal
  /** Called once the socket is bound: datagrams sent before that are lost (it is UDP). */
  readonly onListening?: (port: number) => void
}

export interface IngestUdpSummary {
  readonly udp: UdpPointStats & {readonly listen: string}
  readonly store: LiveStoreStats
  readonly stoppedBy: 'signal'
}

/**
 * JSON telemetry points from UDP into the live session, as samples of the car's channels. UDP has
 * no end of input, so this runs until aborted (SIGTERM/SIGINT).
 */
export async function ingestUdp(options: IngestUdpOptions): Promise<IngestUdpSummary> {
  const {source} = options
  options.onListening?.(await source.listen())
  const onAbort = (): void => void source.stop()
  options.signal?.addEventListener('abort', onAbort, {once: true})
  if (options.signal?.aborted) onAbort()
  try {
    // A fresh empty batch each time: the store transfers (detaches) the buffers it is given.
    for await (const samples of source.batches()) await options.sessions.append(source.kind, source.name, new FrameBatch(0), samples)
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  await options.store.flush()
  const stats = source.decoder.stats
  return {
    stoppedBy: 'signal',
    store: {...options.store.stats, dropped: {...options.store.stats.dropped}},
    udp: {...stats, listen: source.name, unknownFields: {...stats.unknownFields}},
  }
}
