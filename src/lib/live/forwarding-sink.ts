import type {FrameBatch} from '../can/index.js'
import type {FrameForwarder} from '../client/index.js'
import {UsageError} from '../errors.js'
import type {BridgeSinkResult, FrameSink} from './frame-sink.js'

/**
 * A running serve holds the live DB: frames go to its bridge (POST /api/frames) through the
 * forwarder, which counts a frame as stored once the bridge has committed it. Decoding, laps and
 * the session are serve's.
 */
export class ForwardingSink implements FrameSink {
  readonly via = 'bridge'
  private readonly committed: Array<(frames: number) => void> = []
  private closed: Promise<BridgeSinkResult> | undefined

  constructor(private readonly forwarder: FrameForwarder) {
    forwarder.onAcknowledged((total) => {
      for (const listener of this.committed) listener(total)
    })
  }

  get where(): string {
    return this.forwarder.stats().url
  }

  async write(batch: FrameBatch): Promise<boolean> {
    if (batch.length > 0) await this.forwarder.push(batch)
    return true
  }

  async writeSamples(): Promise<boolean> {
    throw new UsageError('telemetry points cannot be forwarded to a running serve', {code: 'PW_UDP_HELD', suggestions: ['let serve listen for them: pitwall serve --udp PORT']})
  }

  resetSource(): void {
    // serve keeps one decoder per sender; a forwarder that reconnects its adapter sends on under the same name.
  }

  onCommitted(listener: (frames: number) => void): void {
    this.committed.push(listener)
  }

  onLap(): void {
    // Laps of forwarded frames are timed and stored by serve.
  }

  close(): Promise<BridgeSinkResult> {
    return (this.closed ??= this.forwarder.drain().then((forward) => ({forward, sessions: forward.sessions, via: 'bridge' as const})))
  }
}
