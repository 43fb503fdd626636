import {Counter, Gauge, Histogram, Registry} from 'prom-client'

import type {SourceStatus} from '../source/index.js'
import type {BridgeContext} from './context.js'
import {fileSize, freeBytes} from './health-report.js'
import {bridgeFacts, type Facts} from './metric-facts.js'
import type {Realtime} from './realtime-hub.js'

/**
 * What `GET /metrics` exposes: an own registry (never prom-client's global one), filled lazily:
 * every figure is read in a `collect()` when Prometheus scrapes, so nothing runs per frame. Label
 * sets stay bounded: routes by their pattern, CAN ids the car knows (the rest as `other`),
 * WebSocket clients only while connected.
 */
export interface BridgeMetrics {
  readonly registry: Registry
  /** Request latency, seconds, by method, route pattern and status code: the route's hook observes it. */
  readonly latency: Histogram<'method' | 'route' | 'status_code'>
}

/** Request latency buckets, seconds: the live routes answer in about a millisecond, the DB ones in tens. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** Every metric of one serve: the bridge's, the WebSocket hub's when there is one, the coach's when it runs. */
export function bridgeMetrics(ctx: BridgeContext, realtime?: Realtime): BridgeMetrics {
  const registry = new Registry()
  defineBridgeMetrics(registry, ctx, bridgeFacts(ctx))
  if (realtime) defineRealtimeMetrics(registry, realtime)
  if (ctx.coachStatus) defineCoachMetrics(registry, ctx.coachStatus)
  const latency = new Histogram({
    buckets: LATENCY_BUCKETS,
    help: 'HTTP request latency by route pattern and status code, seconds (from request start to the last byte handed to the socket).',
    labelNames: ['method', 'route', 'status_code'] as const,
    name: 'pitwall_http_request_duration_seconds',
    registers: [registry],
  })
  return {latency, registry}
}

/** A gauge whose value is read at scrape time. */
function gauge(registry: Registry, name: string, help: string, read: () => number | null): void {
  new Gauge({
    collect() {
      const v = read()
      // A missing reading is NaN in the exposition, never 0.
      this.set(v ?? Number.NaN)
    },
    help,
    name,
    registers: [registry],
  })
}

/** A counter mirrored from a total the bridge keeps (it only grows while serve runs). */
function total(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    collect() {
      this.reset()
      this.inc(read())
    },
    help,
    name,
    registers: [registry],
  })
}

function defineBridgeMetrics(registry: Registry, ctx: BridgeContext, facts: () => Facts): void {
  const {bridge} = ctx
  const sum = (pick: (s: SourceStatus) => number): number => facts().sources.reduce((a, s) => a + pick(s), 0)

  new Gauge({
    collect() {
      this.set({version: ctx.version}, 1)
    },
    help: 'The running bridge (always 1), labelled with its version.',
    labelNames: ['version'],
    name: 'pitwall_build_info',
    registers: [registry],
  })
  gauge(registry, 'pitwall_uptime_seconds', 'Seconds since serve started.', () => (Date.now() - bridge.startedMs) / 1000)
  gauge(registry, 'pitwall_can_fps', 'CAN frames per second over the last seconds, all sources.', () => sum((s) => s.fps))
  gauge(registry, 'pitwall_can_connected', '1 when at least one source is connected.', () => (facts().sources.some((s) => s.state === 'connected') ? 1 : 0))
  new Gauge({
    collect() {
      this.reset()
      for (const s of facts().sources) this.set({kind: s.kind, name: s.name, state: s.state}, 1)
    },
    help: 'Each source with its state (1 for the current state).',
    labelNames: ['kind', 'name', 'state'],
    name: 'pitwall_can_source_state',
    registers: [registry],
  })
  total(registry, 'pitwall_can_frames_total', 'CAN frames received, all sources.', () => sum((s) => s.framesTotal))
  new Counter({
    collect() {
      this.reset()
      for (const [reason, n] of Object.entries(facts().dropped)) this.inc({reason}, n)
    },
    help: 'CAN frames that could not be kept, by reason (the store\'s as store_<reason>).',
    labelNames: ['reason'],
    name: 'pitwall_can_frames_dropped_total',
    registers: [registry],
  })
  gauge(registry, 'pitwall_can_last_frame_age_seconds', 'Seconds since the last frame from any source; NaN before the first.', () => {
    const ages = facts().sources.map((s) => s.lastFrameAgeS).filter((a): a is number => a !== null)
    return ages.length === 0 ? null : Math.min(...ages)
  })
  total(registry, 'pitwall_can_reconnects_total', 'Times a source lost its adapter and reconnected.', () => sum((s) => s.reconnects))

  const byId = (name: string, help: string, read: (i: Facts['ids'][number]) => number | null, kind: 'counter' | 'gauge' = 'gauge'): void => {
    const rows = (): Array<[{id: string; message: string}, number]> =>
      facts().ids.flatMap((i) => {
        const v = read(i)
        return v === null ? [] : [[{id: i.id, message: i.message}, v]]
      })
    const common = {help, labelNames: ['id', 'message'] as const, name, registers: [registry]}
    if (kind === 'counter') {
      new Counter({
        ...common,
        collect() {
          this.reset()
          for (const [labels, v] of rows()) this.inc(labels, v)
        },
      })
    } else {
      new Gauge({
        ...common,
        collect() {
          this.reset()
          for (const [labels, v] of rows()) this.set(labels, v)
        },
      })
    }
  }
  byId('pitwall_can_id_rate_hz', 'Frames per second of each CAN id over the last 5 s window (ids the car does not know: id="other").', (i) => i.rateHz)
  byId('pitwall_can_id_expected_hz', 'The rate the car states for each CAN id (1000 / cycle time).', (i) => i.expectedHz)
  byId('pitwall_can_id_last_seen_seconds', 'Seconds since each CAN id was last seen.', (i) => i.lastSeenS)
  byId('pitwall_can_id_frames_total', 'Frames received per CAN id in the live session.', (i) => i.frames, 'counter')
  byId('pitwall_can_id_missed_frames_total', 'Frames estimated missed per CAN id, from the car\'s cycle times.', (i) => i.missed, 'counter')

  total(registry, 'pitwall_store_committed_frames_total', 'Frames committed to the live DB.', () => bridge.store.stats.committedFrames)
  total(registry, 'pitwall_store_committed_samples_total', 'Samples committed to the live DB.', () => bridge.store.stats.committedSamples)
  gauge(registry, 'pitwall_store_in_flight_frames', 'Frames handed to the writer and not yet committed.', () => bridge.store.stats.inFlightFrames)
  gauge(registry, 'pitwall_store_disk_full', '1 while writing is stopped for a full disk.', () => (bridge.store.stats.diskFull ? 1 : 0))
  total(registry, 'pitwall_store_invalidations_total', 'Times DuckDB invalidated the database and the writer reopened it.', () => bridge.store.stats.invalidations)
  new Gauge({
    collect() {
      const rows = bridge.rows.last5min()
      this.set({table: 'frames'}, rows.frames)
      this.set({table: 'samples'}, rows.samples)
    },
    help: 'Rows written in the last 5 minutes (/health: wide_rows and tall_rows).',
    labelNames: ['table'],
    name: 'pitwall_store_rows_last_5min',
    registers: [registry],
  })
  new Gauge({
    async collect() {
      const path = bridge.store.path
      const [db, wal, free] = await Promise.all([fileSize(path), fileSize(`${path}.wal`), freeBytes(ctx.dataDir)])
      this.set({file: 'db'}, db ?? Number.NaN)
      this.set({file: 'wal'}, wal ?? Number.NaN)
      this.set({file: 'free_disk'}, free ?? Number.NaN)
    },
    help: 'Live DB file and WAL sizes, and the free space on the data dir\'s disk, bytes.',
    labelNames: ['file'],
    name: 'pitwall_db_bytes',
    registers: [registry],
  })

  gauge(registry, 'pitwall_process_resident_memory_bytes', 'Resident set size of the serve process.', () => process.memoryUsage.rss())
  gauge(registry, 'pitwall_process_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed)
  gauge(registry, 'pitwall_event_loop_delay_max_seconds', 'Longest event-loop stall over the last one to two minutes.', () => ctx.loop.read().maxMs / 1000)
  gauge(registry, 'pitwall_event_loop_delay_p99_seconds', '99th percentile event-loop delay over the last one to two minutes.', () => ctx.loop.read().p99Ms / 1000)
}

function defineRealtimeMetrics(registry: Registry, realtime: Realtime): void {
  gauge(registry, 'pitwall_ws_clients', 'Connected WebSocket clients.', () => realtime.stats().clients.length)
  new Gauge({
    collect() {
      this.reset()
      for (const c of realtime.stats().clients) this.set({client: c.id}, c.bufferedBytes)
    },
    help: 'Bytes queued in the bridge for each connected WebSocket client (bounded by the buffer limit).',
    labelNames: ['client'],
    name: 'pitwall_ws_client_buffered_bytes',
    registers: [registry],
  })
  new Counter({
    collect() {
      this.reset()
      for (const c of realtime.stats().clients) this.inc({client: c.id}, c.dropped)
    },
    help: 'Messages dropped for each connected WebSocket client because its buffer was full.',
    labelNames: ['client'],
    name: 'pitwall_ws_client_dropped_messages_total',
    registers: [registry],
  })
  const byType = (name: string, help: string, read: (s: ReturnType<Realtime['stats']>) => Record<string, number>): void => {
    new Counter({
      collect() {
        this.reset()
        for (const [type, n] of Object.entries(read(realtime.stats()))) this.inc({type}, n)
      },
      help,
      labelNames: ['type'],
      name,
      registers: [registry],
    })
  }
  byType('pitwall_ws_messages_sent_total', 'WebSocket messages queued to clients, by type.', (s) => s.sent)
  byType('pitwall_ws_messages_dropped_total', 'WebSocket messages dropped for slow clients (all clients since start), by type.', (s) => s.dropped)
  total(registry, 'pitwall_ws_slow_disconnects_total', 'WebSocket clients closed for staying behind.', () => realtime.stats().slowDisconnects)
  total(registry, 'pitwall_ws_connections_total', 'WebSocket clients accepted since start.', () => realtime.stats().connections)
}

function defineCoachMetrics(registry: Registry, coachStatus: NonNullable<BridgeContext['coachStatus']>): void {
  gauge(registry, 'pitwall_litert_configured', '1 when a local LLM is configured for coaching.', () => (coachStatus().litert.configured ? 1 : 0))
  gauge(registry, 'pitwall_litert_up', '1 when the local LLM answers.', () => (coachStatus().litert.up ? 1 : 0))
}
