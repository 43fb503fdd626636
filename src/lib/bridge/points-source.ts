import type {SampleBatch} from '../decode/index.js'
import {FpsMeter, type SourceStatus, type UdpPointSource} from '../source/index.js'

/** A source of decoded samples rather than frames (JSON telemetry points over UDP). */
export interface PointsSource {
  readonly kind: string
  readonly name: string
  batches(): AsyncIterable<SampleBatch>
  status(): SourceStatus
  stop(): Promise<void>
}

/** UDP points with a status like a frame source's: points count as frames, malformed datagrams as bad lines. */
export function pointsSource(udp: UdpPointSource): PointsSource {
  const meter = new FpsMeter()
  let lastMs: number | undefined
  let state: SourceStatus['state'] = 'connected'
  return {
    async *batches() {
      await udp.listen()
      try {
        for await (const samples of udp.batches()) {
          meter.add(1)
          lastMs = performance.now()
          yield samples
        }
      } finally {
        state = 'stopped'
      }
    },
    kind: udp.kind,
    name: udp.name,
    status: () => ({
      dropped: {bad_line: udp.decoder.stats.malformed, implausible_time: udp.decoder.stats.implausibleTime},
      fps: meter.rate(),
      framesTotal: udp.decoder.stats.points,
      hints: [],
      kind: udp.kind,
      lastFrameAgeS: lastMs === undefined ? null : (performance.now() - lastMs) / 1000,
      missedById: {},
      name: udp.name,
      reconnects: 0,
      state,
    }),
    stop: () => udp.stop(),
  }
}
