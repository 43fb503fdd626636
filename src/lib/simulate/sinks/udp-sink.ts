/**
 * JSON telemetry points over UDP, in the shape of seed 001's real-time server, one point per
 * datagram at `pointsPerS` (default 20, the GPS rate) of sim time. Seed fields first
 * (`meta_time`, `track`, `chassis`, `lap`, `lapdist_m`, `speed_kmh`, `accx_can` = longitudinal g,
 * `accy_can` = lateral g, `Steering_Angle`, `pbrake_f` in bar, `rpm`), then pitwall channel names
 * the seed lacks (`throttle_pct`, `gear`, `lat`, `lon`, `g_vert`, `water_temp_c`, `fuel_l`).
 * `--drop-rate` drops points (counted), `--garbage-rate` sends cut-off JSON (counted).
 */
import {createSocket, type Socket} from 'node:dgram'

import {SIM_CHANNELS, SLOT} from '../../sim/index.js'
import {Rng} from '../../sim/index.js'
import type {Simulator} from '../../sim/index.js'
import type {GarbageInjector} from './garbage.js'
import {emptyStats, type SimSink, type SinkStats} from './sink.js'

export interface UdpSinkOptions {
  readonly host: string
  readonly port: number
  readonly pointsPerS?: number
  readonly dropRate?: number
  /** `chassis` field. Default the car id. */
  readonly chassis?: string
}

export class UdpSink implements SimSink {
  readonly kind = 'udp'
  readonly pointsPerS: number
  private socket: Socket | undefined
  private readonly counters: SinkStats = {...emptyStats(), droppedPoints: 0}
  private readonly sample = new Float64Array(SIM_CHANNELS.length)
  private readonly dropRng: Rng
  private next = 0
  private lap = 0

  constructor(
    private readonly simulator: Simulator,
    private readonly options: UdpSinkOptions,
    private readonly garbage: GarbageInjector,
  ) {
    this.pointsPerS = options.pointsPerS ?? 20
    this.dropRng = Rng.derive(simulator.seed, 'udp-drop')
  }

  async open(): Promise<void> {
    this.socket = createSocket(this.options.host.includes(':') ? 'udp6' : 'udp4')
    this.socket.on('error', () => undefined)
  }

  async write(_batch: unknown, fromS: number, toS: number): Promise<void> {
    const sends: Array<Promise<void>> = []
    for (; this.next / this.pointsPerS < toS; this.next++) {
      const t = this.next / this.pointsPerS
      if (t < fromS) continue
      const point = this.point(t)
      if (this.garbage.due()) {
        const noise = this.garbage.udpNoise(point)
        sends.push(this.send(noise))
        this.counters.garbageLines++
        this.counters.garbageBytes += noise.length
      }
      if ((this.options.dropRate ?? 0) > 0 && this.dropRng.next() < this.options.dropRate!) {
        this.counters.droppedPoints!++
        continue
      }
      sends.push(this.send(point))
      this.counters.delivered++
    }
    await Promise.all(sends)
  }

  async close(): Promise<void> {
    const socket = this.socket
    this.socket = undefined
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()))
  }

  stats(): SinkStats {
    return {...this.counters, notDelivered: {...this.counters.notDelivered}}
  }

  /** The point at sim time `t`, as JSON. */
  point(t: number): string {
    const sim = this.simulator
    const s = sim.sampleAt(t, this.sample)
    while (t >= sim.crossingS(this.lap)) this.lap++
    const track = sim.track
    const d = sim.model.plan.at(t, scratch).d
    const lapdist = track.centreline.wrap(d - track.startFinish.distanceM)
    const r = (v: number, digits: number): number | null => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null)
    return JSON.stringify({
      meta_time: new Date((sim.startUs + t * 1e6) / 1000).toISOString(),
      track: track.id,
      chassis: this.options.chassis ?? sim.car.id,
      lap: this.lap,
      lapdist_m: r(lapdist, 1),
      speed_kmh: r(s[SLOT.speed_kmh]!, 2),
      accx_can: r(s[SLOT.g_long]!, 3),
      accy_can: r(s[SLOT.g_lat]!, 3),
      Steering_Angle: r(s[SLOT.steering_deg]!, 1),
      pbrake_f: r(s[SLOT.brake_bar]!, 2),
      rpm: r(s[SLOT.rpm]!, 0),
      throttle_pct: r(s[SLOT.throttle_pct]!, 1),
      gear: r(s[SLOT.gear]!, 0),
      lat: r(s[SLOT.lat]!, 7),
      lon: r(s[SLOT.lon]!, 7),
      g_vert: r(s[SLOT.g_vert]!, 3),
      water_temp_c: r(s[SLOT.water_temp_c]!, 1),
      fuel_l: r(s[SLOT.fuel_l]!, 2),
    })
  }

  private send(text: string): Promise<void> {
    const socket = this.socket
    if (!socket) return Promise.resolve()
    return new Promise((resolve) => socket.send(text, this.options.port, this.options.host, () => resolve()))
  }
}

const scratch = {a: 0, brakeBar: 0, d: 0, fuelBurnedL: 0, lineOffsetM: 0, loop: -1, shiftRpm: 0, t: 0, throttle: 0, travelled: 0, v: 0}
