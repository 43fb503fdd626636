import {onAbort} from '../abort.js'
import type {FrameBatch} from '../can/index.js'
import type {CanSource} from '../source/index.js'

/** Why a pumped source stopped: its input ended, a signal stopped it, or its adapter went away for good. */
export type StoppedBy = 'eof' | 'signal' | 'absent'

/** Where a pump writes: a frame sink, or serve's live path for one of its sources. */
export interface BatchWriter {
  write(batch: FrameBatch): Promise<boolean>
  /** The source reconnected: values from before the outage are forgotten. */
  resetSource(): void
}

/**
 * Runs a source into a writer until the source ends or `signal` aborts (then the source is
 * stopped and what it had read is still written). The one loop every way in shares.
 */
export async function pump(source: CanSource & {onReconnect?(listener: () => void): void}, writer: BatchWriter, signal?: AbortSignal): Promise<StoppedBy> {
  let stopped = false
  source.onReconnect?.(() => writer.resetSource())
  const wiring = onAbort(signal, () => {
    stopped = true
    void source.stop()
  })
  try {
    for await (const batch of source.batches()) await writer.write(batch)
  } catch (error) {
    await source.stop()
    throw error
  } finally {
    wiring.dispose()
  }
  if (stopped) return 'signal'
  return source.status().state === 'absent' ? 'absent' : 'eof'
}
