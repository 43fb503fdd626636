import type {WebSocket} from 'ws'

import type {Logger} from '../log.js'
import type {Bridge} from './bridge.js'
import type {Insight, InsightUpdate, RealtimeMessage, TelemetryUpdate} from './schemas/realtime.js'

/**
 * The WebSocket fan-out behind `/ws/realtime`. One timer serves every client and each message is
 * serialized once for all of them. A client's outgoing buffer is bounded: a message that would
 * take it past `wsMaxBufferedBytes` is dropped for that client and counted (its `seq` then shows
 * a gap); a client that stays behind for `slowAfterMs` is closed with 1008, since what it would
 * read is stale by then anyway.
 */

export interface RealtimeOptions {
  /** How long a client may stay behind (messages dropped, buffer not drained below half the limit) before it is closed. Defaults to 5 s. */
  readonly slowAfterMs?: number
  /** Most clients at once; one more is closed with 1013. Defaults to 32. */
  readonly maxClients?: number
}

/** One connected client as `/metrics` shows it. */
export interface RealtimeClientStats {
  /** `c<N>`, in connection order since serve started. */
  readonly id: string
  /** Bytes queued for it in the bridge (ws buffer and socket), not yet taken by the kernel. */
  readonly bufferedBytes: number
  readonly sent: number
  readonly dropped: number
}

export interface RealtimeStats {
  readonly clients: RealtimeClientStats[]
  readonly sent: Readonly<Record<RealtimeMessage['type'], number>>
  /** Messages dropped for slow clients, all clients ever. */
  readonly dropped: Readonly<Record<RealtimeMessage['type'], number>>
  /** Clients closed for being too slow. */
  readonly slowDisconnects: number
  readonly connections: number
}

interface Client {
  readonly id: string
  readonly socket: WebSocket
  sent: number
  dropped: number
  /** performance.now() of the first drop of the current backlog; NaN when caught up. */
  behindSinceMs: number
  alive: boolean
}

const OPEN = 1
const PING_EVERY_MS = 30_000
const CLOSE_GRACE_MS = 500

/**
 * The WebSocket hub: the clients, the one timer, and the broadcast the coach calls. Created by
 * `servePlugins()` before the app exists (so the coach can hold it); `realtimeRoutes()` (routes/realtime.ts) starts it
 * with the context's interval and buffer limit.
 */
export class Realtime {
  private readonly clients = new Map<WebSocket, Client>()
  private readonly slowAfterMs: number
  private readonly maxClients: number
  private intervalMs = 100
  private maxBufferedBytes = 1024 * 1024
  private log: Logger | undefined
  private timer: NodeJS.Timeout | undefined
  private seq = 0
  private lastSession: string | null = null
  private lastPingMs = performance.now()
  private connections = 0
  private slowDisconnects = 0
  private readonly sentByType = {insight_update: 0, telemetry_update: 0}
  private readonly droppedByType = {insight_update: 0, telemetry_update: 0}

  constructor(
    private readonly bridge: Bridge,
    options: RealtimeOptions = {},
  ) {
    this.slowAfterMs = options.slowAfterMs ?? 5000
    this.maxClients = options.maxClients ?? 32
  }

  /** Takes the context's settings; called when the route is registered. */
  configure(settings: {intervalMs: number; maxBufferedBytes: number; log: Logger}): void {
    if (!(settings.intervalMs > 0)) throw new RangeError(`realtime interval must be > 0 ms, not ${settings.intervalMs}`)
    this.intervalMs = settings.intervalMs
    this.maxBufferedBytes = settings.maxBufferedBytes
    this.log = settings.log
  }

  /**
   * Sends an `insight_update` to every client now (not on the timer). Returns how many clients
   * it was queued for; the others were behind and count it as dropped.
   *
   * @example realtime.broadcastInsight({kind: 'pace_note', text: 'brake later into T1', lap: 4})
   */
  broadcastInsight(insight: Insight): number {
    if (this.clients.size === 0) return 0
    const message: InsightUpdate = {insight, seq: ++this.seq, session: this.session(), ts: Date.now() / 1000, type: 'insight_update'}
    return this.deliverAll(message)
  }

  /** Takes a newly upgraded socket: the full snapshot goes out at once, then the timer's updates. */
  attach(socket: WebSocket): void {
    if (this.clients.size >= this.maxClients) {
      socket.close(1013, `too many WebSocket clients (${this.maxClients}): try again later`)
      return
    }
    const client: Client = {alive: true, behindSinceMs: Number.NaN, dropped: 0, id: `c${++this.connections}`, sent: 0, socket}
    if (this.clients.size === 0) {
      // Nobody listened: drop the marks gathered meanwhile, the snapshot below has it all.
      this.bridge.live.takeChanged()
      this.lastSession = this.session()
    }
    this.clients.set(socket, client)
    socket.on('close', () => this.detach(socket))
    socket.on('pong', () => (client.alive = true))
    // Clients have nothing to say yet; what they send is read (so TCP keeps flowing) and ignored.
    socket.on('message', () => undefined)
    this.deliver(client, encode(this.telemetry(true, this.seq)), 'telemetry_update', performance.now())
    this.timer ??= setInterval(() => this.tick(), this.intervalMs)
    this.log?.info({client: client.id, clients: this.clients.size}, 'WebSocket client connected')
  }

  stats(): RealtimeStats {
    return {
      clients: [...this.clients.values()].map((c) => ({bufferedBytes: c.socket.bufferedAmount, dropped: c.dropped, id: c.id, sent: c.sent})),
      connections: this.connections,
      dropped: {...this.droppedByType},
      sent: {...this.sentByType},
      slowDisconnects: this.slowDisconnects,
    }
  }

  /** Closes every client (1001) and stops the timer; a client that cannot take the close frame is cut after a short grace. */
  close(): void {
    for (const client of [...this.clients.values()]) this.disconnect(client, 1001, 'the bridge is stopping')
    this.stopTimer()
  }

  private tick(): void {
    const now = performance.now()
    const session = this.session()
    const changed = this.bridge.live.takeChanged()
    const full = session !== this.lastSession
    this.lastSession = session
    if (full || changed.length > 0) this.deliverAll(this.telemetry(full, ++this.seq, full ? undefined : changed), now)
    for (const client of [...this.clients.values()]) {
      // Forgiven once it drained below half the limit: a client hovering at the limit stays behind.
      if (client.socket.bufferedAmount <= this.maxBufferedBytes / 2) client.behindSinceMs = Number.NaN
      else if (now - client.behindSinceMs >= this.slowAfterMs) this.dropSlow(client, now)
    }
    if (now - this.lastPingMs >= PING_EVERY_MS) this.ping(now)
  }

  private telemetry(full: boolean, seq: number, slots?: readonly number[]): TelemetryUpdate {
    const {channels, latest, newestUs} = this.bridge.live
    const values: Record<string, number | null> = {}
    if (slots) {
      for (const c of slots) values[channels[c]!.name] = valueOf(latest[c]!)
    } else {
      for (let c = 0; c < channels.length; c++) values[channels[c]!.name] = valueOf(latest[c]!)
    }
    return {full, seq, session: this.session(), ts: Number.isNaN(newestUs) ? Date.now() / 1000 : newestUs / 1e6, type: 'telemetry_update', values}
  }

  /** Serializes once, queues for every client that can take it. */
  private deliverAll(message: RealtimeMessage, now = performance.now()): number {
    const bytes = encode(message)
    let queued = 0
    for (const client of this.clients.values()) if (this.deliver(client, bytes, message.type, now)) queued++
    return queued
  }

  private deliver(client: Client, bytes: Buffer, type: RealtimeMessage['type'], now: number): boolean {
    const {socket} = client
    if (socket.readyState !== OPEN) return false
    if (socket.bufferedAmount + bytes.length > this.maxBufferedBytes) {
      client.dropped++
      this.droppedByType[type]++
      if (Number.isNaN(client.behindSinceMs)) client.behindSinceMs = now
      return false
    }
    socket.send(bytes, {binary: false})
    client.sent++
    this.sentByType[type]++
    return true
  }

  private dropSlow(client: Client, now: number): void {
    this.slowDisconnects++
    const behindS = Math.round((now - client.behindSinceMs) / 100) / 10
    this.log?.warn({bufferedBytes: client.socket.bufferedAmount, client: client.id, dropped: client.dropped}, `WebSocket client too slow for ${behindS} s: closed`)
    this.disconnect(client, 1008, `too slow: outgoing buffer full for ${behindS} s, ${client.dropped} messages dropped`)
  }

  private ping(now: number): void {
    this.lastPingMs = now
    for (const client of [...this.clients.values()]) {
      // No pong since the last ping: the peer is gone without a FIN (a phone app killed, Wi-Fi lost).
      if (!client.alive) this.disconnect(client, 1001, 'no answer to ping')
      else {
        client.alive = false
        client.socket.ping()
      }
    }
  }

  private disconnect(client: Client, code: number, reason: string): void {
    this.detach(client.socket)
    client.socket.close(code, reason)
    // A client that does not read never takes the close frame either: cut it (ws would wait 30 s).
    setTimeout(() => client.socket.terminate(), CLOSE_GRACE_MS).unref()
  }

  private detach(socket: WebSocket): void {
    const client = this.clients.get(socket)
    if (!client) return
    this.clients.delete(socket)
    this.log?.info({client: client.id, clients: this.clients.size, dropped: client.dropped, sent: client.sent}, 'WebSocket client gone')
    if (this.clients.size === 0) this.stopTimer()
  }

  private stopTimer(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private session(): string | null {
    return this.bridge.sessions.session?.id ?? null
  }
}

function encode(message: RealtimeMessage): Buffer {
  return Buffer.from(JSON.stringify(message))
}

function valueOf(v: number): number | null {
  return v === v ? v : null
}
