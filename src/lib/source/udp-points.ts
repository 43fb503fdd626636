/**
 * `--udp PORT`: JSON telemetry points over UDP, the shape of seed 001's real-time server
 * (`{"meta_time":"2025-11-20T00:00:00Z","lap":1,"speed_kmh":200,"accy_can":0.12,"rpm":6500,…}`,
 * one point or an array of points per datagram). They are not CAN frames: each numeric field
 * becomes a sample of the car channel it names, by exact channel name first, then by the seed's
 * field names (ALIASES). Malformed datagrams are counted, never thrown; so are fields no channel
 * takes. Bound to 127.0.0.1 unless told otherwise (other apps on the phone can reach loopback,
 * but nothing outside it can).
 */
import {type Socket, createSocket} from 'node:dgram'

import type {Car} from '../car/model.js'
import {SampleBatch} from '../decode/index.js'
import {BoundedQueue} from './bounded-queue.js'
import {HostClock, implausibleStamp} from './host-clock.js'
import {SourceCounters} from './source-counters.js'
import type {PointsSource, SourceStatus} from './source.js'

/** Seed 001 field → pitwall channel (the E46 names), for fields whose names differ. */
export const ALIASES: Readonly<Record<string, string>> = {
  Steering_Angle: 'steering_deg',
  accx_can: 'g_long',
  accy_can: 'g_lat',
  pbrake_f: 'brake_bar',
}

/** Point fields that describe the point rather than measure something: never counted as unknown. */
const META_FIELDS = new Set(['meta_time', 'timestamp', 'track', 'chassis', 'vehicle_id', 'lap', 'lapdist_m', 'session', 'source'])

export interface UdpPointStats {
  datagrams: number
  points: number
  samples: number
  /** Datagrams that are not JSON, not a point or an array of points, or carry an unreadable `meta_time`. */
  malformed: number
  /** Points whose `meta_time` is before 2020 or far in the future. */
  implausibleTime: number
  /** Numeric fields no channel takes, by name. */
  unknownFields: Record<string, number>
}

/**
 * Turns datagrams into samples of `car`'s channels. Pure apart from the clock: the UDP socket
 * lives in UdpPointSource.
 */
export class PointDecoder {
  readonly stats: UdpPointStats = {datagrams: 0, implausibleTime: 0, malformed: 0, points: 0, samples: 0, unknownFields: {}}
  private readonly slots = new Map<string, number>()

  constructor(
    car: Pick<Car, 'channels'>,
    private readonly clock: HostClock = new HostClock(),
  ) {
    car.channels.forEach((c, i) => this.slots.set(c.name, i))
    for (const [field, channel] of Object.entries(ALIASES)) {
      const slot = this.slots.get(channel)
      if (slot !== undefined && !this.slots.has(field)) this.slots.set(field, slot)
    }
  }

  /** Decodes one datagram into `out`; false (and counted) when it is malformed. */
  decode(datagram: Uint8Array, out: SampleBatch): boolean {
    this.stats.datagrams++
    let parsed: unknown
    try {
      parsed = JSON.parse(Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength).toString('utf8'))
    } catch {
      this.stats.malformed++
      return false
    }
    const points = Array.isArray(parsed) ? parsed : [parsed]
    if (points.length === 0 || !points.every((p) => typeof p === 'object' && p !== null && !Array.isArray(p))) {
      this.stats.malformed++
      return false
    }
    // Check every stamp first: a datagram is taken whole or not at all.
    const nowUs = this.clock.nowUs()
    const stamps: number[] = []
    for (const point of points as Record<string, unknown>[]) {
      const time = point['meta_time'] ?? point['timestamp']
      if (time === undefined) {
        stamps.push(nowUs)
        continue
      }
      const ms = typeof time === 'number' ? time * 1000 : typeof time === 'string' ? Date.parse(time) : Number.NaN
      if (!Number.isFinite(ms)) {
        this.stats.malformed++
        return false
      }
      stamps.push(Math.round(ms * 1000))
    }
    ;(points as Record<string, unknown>[]).forEach((point, k) => {
      const t = stamps[k]!
      if (implausibleStamp(t, nowUs) !== undefined) {
        this.stats.implausibleTime++
        return
      }
      this.stats.points++
      for (const [field, value] of Object.entries(point)) {
        if (META_FIELDS.has(field) || typeof value !== 'number') continue
        const slot = this.slots.get(field)
        if (slot === undefined) {
          this.stats.unknownFields[field] = (this.stats.unknownFields[field] ?? 0) + 1
          continue
        }
        out.push(t, slot, Number.isFinite(value) ? value : Number.NaN)
        this.stats.samples++
      }
    })
    return true
  }
}

export interface UdpPointSourceOptions {
  readonly car: Pick<Car, 'channels'>
  readonly port: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Samples are handed on at most this often. Default 50 ms. */
  readonly flushMs?: number
  /** Batches waiting for the consumer before new ones are dropped (`queue_full`, counted in points). Default 256. */
  readonly maxQueuedBatches?: number
}

/** A UDP listener yielding SampleBatches (see PointDecoder); its status counts points as frames. */
export class UdpPointSource implements PointsSource {
  readonly kind = 'udp'
  readonly name: string
  readonly decoder: PointDecoder
  private socket: Socket | undefined
  private listening: Promise<number> | undefined
  private batch = new SampleBatch(1024)
  private pointsInBatch = 0
  private readonly counters = new SourceCounters()
  private readonly queue: BoundedQueue<{readonly samples: SampleBatch; readonly points: number}>
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(private readonly options: UdpPointSourceOptions) {
    this.name = `${options.host ?? '127.0.0.1'}:${options.port}`
    this.decoder = new PointDecoder(options.car)
    this.queue = new BoundedQueue({maxItems: options.maxQueuedBatches ?? 256, onOverflow: (item) => this.counters.drop('queue_full', item.points)})
  }

  /** Binds the socket (once); resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return (this.listening ??= this.bind())
  }

  /** Listens (if not yet) and yields the samples until stopped. */
  async *batches(): AsyncGenerator<SampleBatch> {
    try {
      if (!this.stopped) await this.listen()
      for await (const item of this.queue.drain()) yield item.samples
    } finally {
      this.counters.state = 'stopped'
    }
  }

  status(): SourceStatus {
    const {implausibleTime, malformed} = this.decoder.stats
    return this.counters.status(this, {dropped: {bad_line: malformed, implausible_time: implausibleTime}})
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.listening?.catch(() => undefined)
    const socket = this.socket
    this.socket = undefined
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()))
    this.flush()
    this.queue.close()
  }

  private async bind(): Promise<number> {
    const socket = createSocket('udp4')
    this.socket = socket
    socket.on('message', (message) => this.receive(message))
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(this.options.port, this.options.host ?? '127.0.0.1', () => {
        socket.off('error', reject)
        resolve()
      })
    })
    return socket.address().port
  }

  private receive(datagram: Uint8Array): void {
    const before = this.decoder.stats.points
    if (!this.decoder.decode(datagram, this.batch)) return
    const points = this.decoder.stats.points - before
    this.pointsInBatch += points
    this.counters.count(points)
    if (this.batch.length > 0 && this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.options.flushMs ?? 50)
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.batch.length === 0) return
    this.queue.push({points: this.pointsInBatch, samples: this.batch})
    this.batch = new SampleBatch(1024)
    this.pointsInBatch = 0
  }
}
