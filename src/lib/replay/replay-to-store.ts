import {basename} from 'node:path'

import type {Car} from '../car/model.js'
import type {FrameBatch} from '../can/frame.js'
import type {SampleBatch} from '../decode/index.js'
import {openLiveStore, SessionManager} from '../store/index.js'

export interface ReplayStore {
  /** Hands one replayed batch and its samples to the store (see ReplayOptions.toStore). */
  readonly toStore: (frames: FrameBatch, samples: SampleBatch) => Promise<void>
  /** Ends the session, waits for the last commit, closes the live DB; returns the session id. */
  finish(): Promise<{session?: string; stored: number; dropped: number}>
}

/**
 * `replay --to db`: a new session in the live DB, tagged as a replay of its origin (`replay_of` in
 * the run sheet, source kind `replay`), re-decoded with the car given now, which may be a
 * corrected car file. The live DB has one writing process: a held DB exits 69 and names it.
 */
export async function openReplayStore(dataDir: string, car: Car, origin: string, runSheet: Readonly<Record<string, string>> = {}): Promise<ReplayStore> {
  const {store} = await openLiveStore(dataDir)
  const sessions = new SessionManager(store, car, {runSheet: {replay_of: origin, ...runSheet}})
  const name = basename(origin)
  return {
    async finish() {
      try {
        await store.flush()
        await sessions.end('sources_stopped')
        const d = store.stats.dropped
        return {...(sessions.ended[0] ? {session: sessions.ended[0].id} : {}), dropped: d.queue_full + d.disk_full + d.write_error, stored: store.stats.committedFrames}
      } finally {
        await store.close()
      }
    },
    toStore: async (frames, samples) => {
      await sessions.append('replay', name, frames, samples)
    },
  }
}
