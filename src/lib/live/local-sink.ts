import type {FrameBatch} from '../can/index.js'
import type {SampleBatch} from '../decode/index.js'
import type {OpenedLiveStore} from '../store/index.js'
import type {Lap} from '../track/index.js'
import type {FrameSink, LocalSinkResult} from './frame-sink.js'
import {LivePath, type LivePathOptions, type SourceKey} from './live-path.js'

/** The live DB opened here: every batch goes through the one live path, under `source`. */
export class LocalSink implements FrameSink {
  readonly via = 'local'
  readonly path: LivePath
  private readonly committed: Array<(frames: number) => void> = []
  private closed: Promise<LocalSinkResult> | undefined

  constructor(
    private readonly opened: OpenedLiveStore,
    private readonly source: SourceKey,
    options: Omit<LivePathOptions, 'store'>,
  ) {
    this.path = new LivePath({...options, store: opened.store})
    opened.store.onCommitted((_stats, _key, sessionFrames) => {
      for (const listener of this.committed) listener(sessionFrames)
    })
  }

  get where(): string {
    return this.opened.store.path
  }

  write(batch: FrameBatch): Promise<boolean> {
    return this.path.accept(this.source, batch)
  }

  writeSamples(samples: SampleBatch): Promise<boolean> {
    return this.path.acceptSamples(this.source, samples)
  }

  resetSource(): void {
    this.path.resetSource(this.source)
  }

  onCommitted(listener: (frames: number) => void): void {
    this.committed.push(listener)
  }

  onLap(listener: (lap: Lap) => void): void {
    this.path.onLap(listener)
  }

  close(reason: string): Promise<LocalSinkResult> {
    return (this.closed ??= this.finish(reason))
  }

  private async finish(reason: string): Promise<LocalSinkResult> {
    const {recovery, store, unclean} = this.opened
    try {
      await this.path.endSession(reason)
      await store.flush()
    } finally {
      await store.close()
    }
    const sessions = this.path.sessions.ended.map((s) => ({
      id: s.id,
      reason: s.reason,
      ...(s.archive ? {archive: {frames: s.archive.frames, path: s.archive.path}} : {}),
      ...(s.archiveError ? {archiveError: s.archiveError} : {}),
    }))
    return {
      decode: this.path.decodeStats(),
      laps: this.path.lapsStored,
      path: store.path,
      sessions,
      store: {...store.stats, dropped: {...store.stats.dropped}},
      unclean: [...unclean],
      via: 'local',
      ...(recovery ? {recovery} : {}),
    }
  }
}
