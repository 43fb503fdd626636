import type {SourceStatus} from '../source/index.js'
import type {BridgeContext} from './context.js'

/** One scrape reads the bridge once: collectors within this span share the figures. */
const FACTS_TTL_MS = 250

/** What one scrape reads from the bridge, shared by every collector of that scrape. */
export interface Facts {
  readonly sources: SourceStatus[]
  /** By reason, the sources' and the store's (`store_<reason>`), as `/health` adds them up. */
  readonly dropped: Record<string, number>
  readonly ids: Array<{id: string; message: string; frames: number; rateHz: number; expectedHz: number | null; lastSeenS: number | null; missed: number}>
}

/** The bridge's figures, read at most once per scrape. */
export function bridgeFacts(ctx: BridgeContext): () => Facts {
  let cached: {atMs: number; facts: Facts} | undefined
  return () => {
    const now = performance.now()
    if (cached && now - cached.atMs < FACTS_TTL_MS) return cached.facts
    const {bridge} = ctx
    const sources = bridge.sourceStatuses()
    const dropped: Record<string, number> = {adapter_overflow: 0, bad_line: 0, implausible_time: 0, queue_full: 0}
    for (const s of sources) for (const [reason, n] of Object.entries(s.dropped)) dropped[reason] = (dropped[reason] ?? 0) + (n ?? 0)
    for (const [reason, n] of Object.entries(bridge.store.stats.dropped)) dropped[`store_${reason}`] = n
    const missed = new Map<string, number>()
    for (const s of sources) for (const [id, n] of Object.entries(s.missedById)) missed.set(id.toUpperCase(), (missed.get(id.toUpperCase()) ?? 0) + n)
    const ids: Facts['ids'] = []
    let other: Facts['ids'][number] | undefined
    for (const s of bridge.canIds.states()) {
      const missedN = missed.get(s.id) ?? 0
      if (s.message !== null) {
        ids.push({expectedHz: s.expectedHz, frames: s.frames, id: s.id, lastSeenS: s.lastSeenS, message: s.message, missed: missedN, rateHz: s.rateHz})
        continue
      }
      // Ids the car does not know: one series, whatever the bus carries.
      other ??= {expectedHz: null, frames: 0, id: 'other', lastSeenS: null, message: '', missed: 0, rateHz: 0}
      other.frames += s.frames
      other.rateHz += s.rateHz
      other.missed += missedN
      if (s.lastSeenS !== null && !(other.lastSeenS !== null && other.lastSeenS <= s.lastSeenS)) other.lastSeenS = s.lastSeenS
    }
    if (other) ids.push(other)
    const facts = {dropped, ids, sources}
    cached = {atMs: now, facts}
    return facts
  }
}
