import {stat, statfs} from 'node:fs/promises'

import type {SourceStatus} from '../source/index.js'
import type {RecoveryReport} from '../store/index.js'
import type {CanIdState} from '../live/index.js'
import type {BridgeContext} from './context.js'

export type HealthStatus = 'ok' | 'degraded' | 'down'

/** A frame source is "down" for health when nothing came for this long. */
const NO_DATA_AFTER_S = 30
const STALL_WARN_MS = 1000

/** Totals that must not grow: sampled every 10 s, compared over the last 5 minutes. */
export class DropHistory {
  private readonly points: Array<{atMs: number; total: number}> = []

  record(total: number, nowMs = Date.now()): void {
    this.points.push({atMs: nowMs, total})
    while (this.points.length > 0 && nowMs - this.points[0]!.atMs > 5 * 60_000) this.points.shift()
  }

  /** How much the total grew over the kept window (the window is at most 5 minutes). */
  recentIncrease(total: number): number {
    const oldest = this.points[0]
    return oldest === undefined ? 0 : total - oldest.total
  }
}

/** Seed 000's field names where they exist; everything the on-call needs in one read. */
export interface HealthReport {
  readonly status: HealthStatus
  readonly reasons: string[]
  readonly version: string
  readonly uptime_s: number
  readonly auth: 'on' | 'off'
  readonly can: {
    readonly state: string
    readonly connected: boolean
    readonly source: string | null
    readonly fps: number
    readonly frames_total: number
    readonly frames_dropped: Record<string, number>
    readonly last_frame_age_s: number | null
    readonly reconnects: number
    readonly adapter_flags: Record<string, boolean> | null
    readonly hints: string[]
    readonly sources: Array<{kind: string; name: string; state: string; fps: number; frames_total: number; reconnects: number}>
    readonly ids: Array<CanIdState & {missed: number}>
  }
  readonly signals: Array<{name: string; stale_s: number | null; out_of_range: number; stuck: boolean}>
  readonly simulator: {readonly running: boolean}
  readonly litert: {readonly up: boolean; readonly configured: boolean}
  readonly wide_rows: {readonly last_5min: number}
  readonly tall_rows: {readonly last_5min: number}
  readonly db: {
    readonly path: string
    readonly size_bytes: number | null
    readonly wal_bytes: number | null
    readonly free_disk_bytes: number | null
    readonly committed_frames: number
    readonly committed_samples: number
    readonly in_flight_frames: number
    readonly disk_full: boolean
    readonly invalidations: number
    /** The DuckDB driver the store runs on, and its library's version (`v1.5.5`). */
    readonly driver: 'node-api' | 'ffi'
    readonly library_version: string
  }
  readonly process: {readonly rss_bytes: number; readonly heap_used_bytes: number; readonly event_loop_max_ms: number; readonly event_loop_p99_ms: number}
  readonly session: {readonly id: string; readonly started: string; readonly duration_s: number} | null
  /** The track laps are timed on (a forwarder's `--track` must name the same one); null: no lap timing. */
  readonly track: string | null
  readonly recoveries: Array<{at: string; moved_to: string; cause: string; tables: Array<{table: string; status: string; rows: number; of: number | null}>}>
}

/** Combines source, store and process facts into one report, with a status and reasons in plain words. */
export async function healthReport(ctx: BridgeContext, extra: {drops: DropHistory; recoveries: readonly RecoveryReport[]; sessionStartedMs?: number}): Promise<HealthReport> {
  const {bridge} = ctx
  const store = bridge.store
  const sources = bridge.sourceStatuses()
  const main = pickMain(sources)
  const dropped = sumDrops(sources)
  for (const [reason, n] of Object.entries(store.stats.dropped)) dropped[`store_${reason}`] = n
  const totalDropped = Object.values(dropped).reduce((a, b) => a + b, 0)
  const missed = mergeMissed(sources)
  const ids = bridge.canIds.states().map((s) => ({...s, missed: missed.get(s.id) ?? 0}))
  const nowUs = Date.now() * 1000
  const signals = bridge.live.health(Number.isNaN(bridge.live.newestUs) ? nowUs : Math.max(nowUs, bridge.live.newestUs)).map((h) => ({name: h.name, out_of_range: h.outOfRange, stale_s: round(h.staleS), stuck: h.stuck}))
  const rows = bridge.rows.last5min()
  const loop = ctx.loop.read()
  const memory = process.memoryUsage()
  const [size, wal, free] = await Promise.all([fileSize(store.path), fileSize(`${store.path}.wal`), freeBytes(ctx.dataDir)])
  const coach = ctx.coachStatus?.() ?? {litert: {configured: false, up: false}}
  const session = bridge.sessions.session
  const lastAge = minAge(sources)
  const fps = round(sources.reduce((a, s) => a + s.fps, 0)) ?? 0

  const reasons: string[] = []
  let status: HealthStatus = 'ok'
  const degrade = (why: string): void => {
    reasons.push(why)
    if (status === 'ok') status = 'degraded'
  }
  if (sources.length === 0) {
    status = 'down'
    reasons.push('no CAN source: start serve with --simulate, --device, --can-fd, --usb or --replay, or forward frames with pitwall ingest --forward')
  } else if (!sources.some((s) => s.state === 'connected') && (lastAge === null || lastAge > NO_DATA_AFTER_S)) {
    status = 'down'
    reasons.push(`no CAN data: ${main!.name} is ${main!.state.replace('_', ' ')}${lastAge === null ? '' : `, last frame ${Math.round(lastAge)} s ago`}`)
  } else if (lastAge !== null && lastAge > NO_DATA_AFTER_S) {
    degrade(`no frame for ${Math.round(lastAge)} s from ${main!.name}`)
  }
  for (const s of sources) if (s.state === 'reconnecting') degrade(`${s.name} lost its adapter and is reconnecting`)
  for (const s of sources) for (const hint of s.hints) degrade(hint)
  const recentDrops = extra.drops.recentIncrease(totalDropped)
  if (recentDrops > 0) degrade(`${recentDrops} frames dropped in the last 5 minutes (${describeDrops(dropped)})`)
  const staleIds = ids.filter((i) => i.stale && i.frames > 0)
  if (staleIds.length > 0) degrade(`CAN ids gone quiet: ${staleIds.slice(0, 8).map((i) => `${i.id}${i.message ? ` (${i.message})` : ''}`).join(', ')}`)
  if (store.stats.diskFull) degrade('disk full: frames are being dropped; free space on the phone (pitwall archive, pitwall vacuum)')
  if (loop.maxMs > STALL_WARN_MS) degrade(`the event loop stalled for ${Math.round(loop.maxMs)} ms lately`)
  if (coach.litert.configured && !coach.litert.up) degrade('the local LLM is configured but not answering: coaching falls back to rules')
  if (extra.recoveries.length > 0) degrade(`the live DB was damaged and salvaged (${extra.recoveries.length} unacknowledged recovery report${extra.recoveries.length > 1 ? 's' : ''}): see recoveries`)
  if (ctx.auth.token === undefined) degrade('auth is off (--insecure-no-auth): any app on this phone can read and write the bridge')

  return {
    auth: ctx.auth.token === undefined ? 'off' : 'on',
    can: {
      adapter_flags: main?.adapterFlags ? {...main.adapterFlags} : null,
      connected: sources.some((s) => s.state === 'connected'),
      fps,
      frames_dropped: dropped,
      frames_total: sources.reduce((a, s) => a + s.framesTotal, 0),
      hints: sources.flatMap((s) => s.hints),
      ids,
      last_frame_age_s: round(lastAge),
      reconnects: sources.reduce((a, s) => a + s.reconnects, 0),
      source: main ? `${main.kind}:${main.name}` : null,
      sources: sources.map((s) => ({fps: round(s.fps) ?? 0, frames_total: s.framesTotal, kind: s.kind, name: s.name, reconnects: s.reconnects, state: s.state})),
      state: main?.state ?? 'absent',
    },
    db: {
      committed_frames: store.stats.committedFrames,
      committed_samples: store.stats.committedSamples,
      disk_full: store.stats.diskFull,
      driver: store.driver.driver,
      free_disk_bytes: free,
      in_flight_frames: store.stats.inFlightFrames,
      invalidations: store.stats.invalidations,
      library_version: store.driver.libraryVersion,
      path: store.path,
      size_bytes: size,
      wal_bytes: wal,
    },
    litert: {configured: coach.litert.configured, up: coach.litert.up},
    process: {event_loop_max_ms: loop.maxMs, event_loop_p99_ms: loop.p99Ms, heap_used_bytes: memory.heapUsed, rss_bytes: memory.rss},
    reasons,
    recoveries: extra.recoveries.map((r) => ({
      at: new Date(r.atUs / 1000).toISOString(),
      cause: r.cause,
      moved_to: r.movedTo,
      tables: r.tables.map((t) => ({of: t.of ?? null, rows: t.rows, status: t.status, table: t.table})),
    })),
    session: session && extra.sessionStartedMs !== undefined ? {duration_s: Math.round((Date.now() - extra.sessionStartedMs) / 1000), id: session.id, started: new Date(extra.sessionStartedMs).toISOString()} : null,
    signals,
    simulator: {running: ctx.simulatorRunning()},
    track: bridge.track?.id ?? null,
    status,
    tall_rows: {last_5min: rows.samples},
    uptime_s: Math.round((Date.now() - bridge.startedMs) / 1000),
    version: ctx.version,
    wide_rows: {last_5min: rows.frames},
  }
}

/** The source that speaks for the bus: the connected one with most frames, else the first. */
function pickMain(sources: readonly SourceStatus[]): SourceStatus | undefined {
  const connected = sources.filter((s) => s.state === 'connected').sort((a, b) => b.fps - a.fps || b.framesTotal - a.framesTotal)
  return connected[0] ?? sources[0]
}

function sumDrops(sources: readonly SourceStatus[]): Record<string, number> {
  const out: Record<string, number> = {adapter_overflow: 0, bad_line: 0, implausible_time: 0, queue_full: 0}
  for (const s of sources) for (const [k, v] of Object.entries(s.dropped)) out[k] = (out[k] ?? 0) + (v ?? 0)
  return out
}

function mergeMissed(sources: readonly SourceStatus[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const s of sources) for (const [id, n] of Object.entries(s.missedById)) out.set(id.toUpperCase(), (out.get(id.toUpperCase()) ?? 0) + n)
  return out
}

function describeDrops(d: Record<string, number>): string {
  return Object.entries(d)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k.replaceAll('_', ' ')} ${n}`)
    .join(', ')
}

function minAge(sources: readonly SourceStatus[]): number | null {
  const ages = sources.map((s) => s.lastFrameAgeS).filter((a): a is number => a !== null)
  return ages.length === 0 ? null : Math.min(...ages)
}

/** A file's size, or null when it is not there. */
export async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size
  } catch {
    return null
  }
}

/** Bytes free for us on the file system of `dir`, or null when it cannot be read. */
export async function freeBytes(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir)
    return s.bavail * s.bsize
  } catch {
    return null
  }
}

function round(x: number | null): number | null {
  return x === null ? null : Math.round(x * 100) / 100
}
