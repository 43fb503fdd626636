/**
 * `--to bridge[:URL]`: a running `pitwall serve` stores the frames (POST /api/frames), in its live
 * session, under the source name `simulator:<track>:seed<n>`. A frame counts as delivered once the
 * bridge has committed it; a busy store (503) is waited out, so `--speed max` runs at the pace
 * the bridge commits. Also what `--to db` becomes while serve holds the live DB.
 */
import type {BridgeClient} from '../../bridge/client.js'
import type {FrameBatch} from '../../can/frame.js'
import {UnavailableError} from '../../errors.js'
import {FrameForwarder} from '../../ingest/forward.js'
import {emptyStats, type SimSink, type SinkStats} from './sink.js'

export interface BridgeSinkOptions {
  /** The client, made when the sink opens (it reads serve.json and the token then). */
  readonly connect: () => Promise<BridgeClient>
  readonly sourceName: string
  /** Checks the bridge answers before the first frame (default: GET /health). */
  readonly probe?: (client: BridgeClient) => Promise<boolean>
}

export class BridgeSink implements SimSink {
  readonly kind = 'bridge'
  private forwarder: FrameForwarder | undefined
  private readonly counters: SinkStats = emptyStats()

  constructor(private readonly options: BridgeSinkOptions) {}

  async open(): Promise<void> {
    const client = await this.options.connect()
    if (this.options.probe && !(await this.options.probe(client))) {
      throw new UnavailableError(`--to bridge: nothing answers at ${client.options.url}`, {
        code: 'PW_BRIDGE_UNREACHABLE',
        suggestions: ['start it: pitwall serve', 'or name it: --to bridge:http://127.0.0.1:8765', '--to db stores into the live DB directly while no serve runs'],
      })
    }
    this.forwarder = new FrameForwarder({client, source: this.options.sourceName})
  }

  async write(batch: FrameBatch): Promise<void> {
    if (batch.length > 0) await this.forwarder!.push(batch)
  }

  async close(): Promise<void> {
    if (!this.forwarder) return
    try {
      await this.forwarder.drain()
    } finally {
      this.record()
    }
  }

  stats(): SinkStats {
    this.record()
    return {...this.counters, notDelivered: {...this.counters.notDelivered}}
  }

  private record(): void {
    const s = this.forwarder?.stats()
    if (!s) return
    this.counters.delivered = s.acknowledged
    this.counters.stored = s.acknowledged
    if (s.sessions.length > 0) this.counters.session = s.sessions.join(', ')
    if (s.unacknowledged > 0) this.counters.notDelivered['bridge_not_acknowledged'] = s.unacknowledged
  }
}
