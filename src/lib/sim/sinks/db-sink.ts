/**
 * The live DB: one session, frames stored raw with the samples the car decodes from them (the
 * same path as `ingest`), and the laps the lap detector finds in the decoded GPS, stored with
 * the session as they end. The DB has one writing process: when a running serve holds it,
 * `simulate` forwards to its bridge instead (bridge-sink.ts); another holder exits 69.
 */
import type {Car} from '../../car/model.js'
import type {FrameBatch} from '../../can/frame.js'
import {CarDecoder, decodeToSamples} from '../../decode/index.js'
import {type LiveStore, openLiveStore, SessionManager} from '../../store/index.js'
import {type Lap, LapTracker} from '../../track/index.js'
import type {Track} from '../../track/model.js'
import {emptyStats, type SimSink, type SinkStats} from './sink.js'

export interface DbSinkOptions {
  readonly dataDir: string
  readonly car: Car
  readonly track: Track
  /** Source name stored with the frames. */
  readonly sourceName: string
  readonly runSheet?: Readonly<Record<string, string>>
  /** Called with each lap as it is stored (and with the open lap at the end). */
  readonly onLap?: (lap: Lap) => void
  /** Called when the live DB reports something (drops, invalidation, disk full). */
  readonly onStoreEvent?: (message: string) => void
}

export class DbSink implements SimSink {
  readonly kind = 'db'
  store: LiveStore | undefined
  private sessions: SessionManager | undefined
  private readonly decoder: CarDecoder
  private readonly tracker: LapTracker
  private readonly counters: SinkStats = {...emptyStats(), laps: 0}
  private readonly pendingLaps: Array<Promise<void>> = []

  constructor(private readonly options: DbSinkOptions) {
    this.decoder = new CarDecoder(options.car)
    this.tracker = new LapTracker(options.track, options.car.channels)
    this.tracker.detector.onEvent((event) => {
      if (event.kind === 'lap') this.recordLap(event.lap)
    })
  }

  async open(): Promise<void> {
    const {store, unclean} = await openLiveStore(this.options.dataDir)
    this.store = store
    for (const id of unclean) this.options.onStoreEvent?.(`session ${id} was left live by a process that died: closed as ended (unclean)`)
    store.onEvent((e) => {
      if (e.kind === 'dropped') this.options.onStoreEvent?.(`store dropped ${e.frames} frames (${e.reason})`)
      else if (e.kind === 'invalidated' || e.kind === 'disk-full' || e.kind === 'warning') this.options.onStoreEvent?.(`store: ${JSON.stringify(e)}`)
    })
    this.sessions = new SessionManager(store, this.options.car, {runSheet: {track: this.options.track.id, ...this.options.runSheet}})
  }

  async write(batch: FrameBatch): Promise<void> {
    if (batch.length === 0) return
    const samples = decodeToSamples(this.decoder, batch)
    // The tracker reads the samples before the store takes their buffers.
    this.tracker.feedSamples(samples)
    const n = batch.length
    if (await this.sessions!.append('simulator', this.options.sourceName, batch, samples)) this.counters.delivered += n
    else this.counters.notDelivered['queue_full'] = (this.counters.notDelivered['queue_full'] ?? 0) + n
  }

  async close(reason: string): Promise<void> {
    if (!this.store || !this.sessions) return
    try {
      this.tracker.finish()
      await Promise.all(this.pendingLaps)
      const id = this.sessions.session?.id
      await this.sessions.end(reason)
      if (id) this.counters.session = id
      await this.store.flush()
      this.counters.stored = this.store.stats.committedFrames
    } finally {
      await this.store.close()
    }
  }

  stats(): SinkStats {
    return {...this.counters, notDelivered: {...this.counters.notDelivered}}
  }

  private recordLap(lap: Lap): void {
    const session = this.sessions?.session
    if (!session || !this.store) return
    this.counters.laps!++
    this.options.onLap?.(lap)
    this.pendingLaps.push(this.store.recordLap(session.key, lap))
  }
}
