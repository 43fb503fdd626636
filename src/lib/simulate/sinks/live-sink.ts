/**
 * `--to db` and `--to bridge[:URL]`: the simulated frames go where every way in sends them, a
 * frame sink. `db`: the live DB through the live path (decoded, lap-timed on the simulated track,
 * stored in one session), or a running serve's bridge when serve holds the DB; `bridge`: a
 * running serve, or fail. A frame counts as delivered once stored (or acknowledged by the bridge).
 */
import type {Car} from '../../car/index.js'
import type {FrameBatch} from '../../can/index.js'
import {type FrameSink, openFrameSink} from '../../live/index.js'
import type {Logger} from '../../log.js'
import type {Lap, Track} from '../../track/index.js'
import {emptyStats, type SimSink, type SinkStats} from './sink.js'

export interface LiveSinkOptions {
  readonly to: 'auto' | 'bridge'
  readonly url?: string
  readonly dataDir: string
  readonly car: Car
  readonly track: Track
  /** Source name stored with the frames (and sent as X-Pitwall-Source). */
  readonly sourceName: string
  readonly runSheet?: Readonly<Record<string, string>>
  readonly log: Logger
  readonly signal?: AbortSignal
  /** Called with each lap as it is stored (and with the open lap at the end). */
  readonly onLap?: (lap: Lap) => void
  /** Lines for the operator: a salvaged DB, sessions closed unclean, "sending to the bridge". */
  readonly onMessage?: (message: string) => void
}

export class LiveSink implements SimSink {
  readonly kind: 'db' | 'bridge'
  private sink: FrameSink | undefined
  private readonly counters: SinkStats = emptyStats()

  constructor(private readonly options: LiveSinkOptions) {
    this.kind = options.to === 'bridge' ? 'bridge' : 'db'
  }

  /** Where the frames went: `db`, or `bridge:URL` (also when `db` found serve holding the DB). */
  get target(): string {
    return this.sink?.via === 'bridge' ? `bridge:${this.sink.where}` : 'db'
  }

  async open(): Promise<void> {
    const o = this.options
    this.sink = await openFrameSink({
      access: o.url ? {url: o.url} : {},
      car: o.car,
      dataDir: o.dataDir,
      forwardAs: o.sourceName,
      heldVerb: 'sending the frames',
      probeAs: '--to bridge',
      log: o.log,
      ...(o.onMessage ? {onMessage: o.onMessage} : {}),
      ...(o.runSheet ? {session: {runSheet: o.runSheet}} : {}),
      ...(o.signal ? {signal: o.signal} : {}),
      source: {kind: 'simulator', name: o.sourceName},
      to: o.to,
      track: o.track,
    })
    this.sink.onLap((lap) => {
      this.counters.laps = (this.counters.laps ?? 0) + 1
      o.onLap?.(lap)
    })
    if (this.sink.via === 'local') this.counters.laps = 0
  }

  async write(batch: FrameBatch): Promise<void> {
    if (batch.length === 0) return
    const n = batch.length
    if (await this.sink!.write(batch)) this.counters.delivered += n
    else this.counters.notDelivered['queue_full'] = (this.counters.notDelivered['queue_full'] ?? 0) + n
  }

  async close(reason: string): Promise<void> {
    if (!this.sink) return
    const result = await this.sink.close(reason)
    if (result.via === 'local') {
      if (result.sessions[0]) this.counters.session = result.sessions[0].id
      this.counters.stored = result.store.committedFrames
      return
    }
    const f = result.forward
    this.counters.delivered = f.acknowledged
    this.counters.stored = f.acknowledged
    if (f.sessions.length > 0) this.counters.session = f.sessions.join(', ')
    if (f.unacknowledged > 0) this.counters.notDelivered['bridge_not_acknowledged'] = f.unacknowledged
  }

  stats(): SinkStats {
    return {...this.counters, notDelivered: {...this.counters.notDelivered}}
  }
}
