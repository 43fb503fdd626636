import {dirname} from 'node:path'
import {Worker} from 'node:worker_threads'

import type {FrameBatch} from '../can/frame.js'
import type {SampleBatch} from '../decode/index.js'
import type {ArchiveFormat, ArchiveOutcome, ArchiveRecovery, RestoreOutcome} from './archive-types.js'
import {type LapRecord, type Reply, type Request, reviveError, type SessionInfo, type SessionInit, type StoreEvent} from './protocol.js'
import type {RecoveryReport} from './salvage-report.js'
import type {VacuumOptions, VacuumResult} from './vacuum.js'

export type DropReason = 'queue_full' | 'disk_full' | 'write_error'

export interface LiveStoreStats {
  /** Frames handed to the store and not yet committed. */
  inFlightFrames: number
  committedFrames: number
  committedSamples: number
  /** Frames that could not be kept, by reason: counted, never silent. */
  dropped: Record<DropReason, number>
  /** Times DuckDB invalidated the database and the writer reopened it. */
  invalidations: number
  diskFull: boolean
  lastCheckpointMs?: number
}

/** What opening returns: the store, sessions a dead process left live, and a salvage report if the file was damaged. */
export interface OpenedLiveStore {
  readonly store: LiveStore
  readonly unclean: string[]
  /** Set when the file was damaged: moved aside and salvaged (salvage.ts). */
  readonly recovery?: RecoveryReport
}

export interface LiveStoreOptions {
  /** Most frames in flight (handed over, not yet committed) before new ones are dropped. Default 200,000. */
  readonly maxInFlightFrames?: number
}

// The worker is plain JavaScript after a build. From the TypeScript sources (tests, bin/dev.js) a
// small bootstrap registers tsx in the worker thread first, since loader flags do not reach workers.
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url))
  const url = new URL('./worker.ts', import.meta.url).href
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}) })`, {eval: true})
}

/**
 * The main thread's handle on the live DB. The DuckDB instance, its one writer and its reader
 * live in a worker thread, so no commit, fsync or checkpoint ever stalls this event loop; frames
 * and samples cross as transferred buffers. The queue into the writer is bounded: past
 * `maxInFlightFrames`, frames are dropped and counted with reason `queue_full`.
 */
export class LiveStore {
  readonly stats: LiveStoreStats = {
    committedFrames: 0,
    committedSamples: 0,
    diskFull: false,
    dropped: {disk_full: 0, queue_full: 0, write_error: 0},
    inFlightFrames: 0,
    invalidations: 0,
  }

  private seq = 0
  private readonly waiting = new Map<number, {resolve: (v: unknown) => void; reject: (e: Error) => void}>()
  private readonly committedListeners: Array<(stats: LiveStoreStats, sessionKey: number, sessionFrames: number) => void> = []
  private readonly eventListeners: Array<(event: StoreEvent) => void> = []
  private handedOver = 0
  private exited: Error | undefined

  private constructor(
    private readonly worker: Worker,
    readonly path: string,
    private readonly maxInFlight: number,
  ) {
    worker.on('message', (reply: Reply) => this.receive(reply))
    worker.on('error', (error) => this.fail(error))
    worker.on('exit', (code) => this.fail(new Error(`the store worker exited (${code})`)))
  }

  /** Opens the live DB at `path` (creating it), closing sessions a dead process left `live`. */
  static async open(path: string, options: LiveStoreOptions = {}): Promise<OpenedLiveStore> {
    const worker = startWorker()
    const store = new LiveStore(worker, path, options.maxInFlightFrames ?? 200_000)
    try {
      const {recovery, unclean} = (await store.request({op: 'open', path})) as {unclean: string[]; recovery?: RecoveryReport}
      return {store, unclean, ...(recovery ? {recovery} : {})}
    } catch (error) {
      await worker.terminate()
      throw error
    }
  }

  startSession(init: SessionInit): Promise<SessionInfo> {
    return this.request({init, op: 'startSession'}) as Promise<SessionInfo>
  }

  addSource(sessionKey: number, kind: string, name: string): Promise<number> {
    return this.request({kind, name, op: 'addSource', sessionKey}) as Promise<number>
  }

  /**
   * Hands frames (and the samples decoded from them) to the writer. The batches' buffers are
   * transferred: the caller must not touch them afterwards. Returns false when they were dropped
   * (queue full), which is counted.
   */
  append(sessionKey: number, sourceId: number, frames: FrameBatch, samples?: SampleBatch): boolean {
    // Samples may come without frames (UDP telemetry points); only an empty append is a no-op.
    if (frames.length === 0 && !(samples && samples.length > 0)) return true
    if (this.stats.inFlightFrames + frames.length > this.maxInFlight) {
      this.stats.dropped.queue_full += frames.length
      for (const l of this.eventListeners) l({frames: frames.length, kind: 'dropped', reason: 'queue_full'})
      return false
    }
    this.stats.inFlightFrames += frames.length
    this.handedOver += frames.length
    const f = frames
    const frameColumns = {data: f.data, dataLength: f.dataLength, flags: f.flags, id: f.id, length: f.length, rawDlc: f.rawDlc, subMicroNs: f.subMicroNs, timestampUs: f.timestampUs}
    const transfer: ArrayBuffer[] = [f.data, f.dataLength, f.flags, f.id, f.rawDlc, f.subMicroNs, f.timestampUs].map((a) => a.buffer as ArrayBuffer)
    let sampleColumns
    if (samples && samples.length > 0) {
      sampleColumns = {channel: samples.channel, length: samples.length, timestampUs: samples.timestampUs, value: samples.value}
      transfer.push(samples.channel.buffer as ArrayBuffer, samples.timestampUs.buffer as ArrayBuffer, samples.value.buffer as ArrayBuffer)
    }
    const request: Request = {frames: frameColumns, op: 'append', sessionKey, sourceId, ...(sampleColumns ? {samples: sampleColumns} : {})}
    this.worker.postMessage({request, seq: ++this.seq}, transfer)
    return true
  }

  endSession(sessionKey: number, reason: string): Promise<void> {
    return this.request({op: 'endSession', reason, sessionKey}) as Promise<void>
  }

  log(entry: Omit<Extract<Request, {op: 'log'}>, 'op'>): Promise<void> {
    return this.request({...entry, op: 'log'}) as Promise<void>
  }

  /** Stores one lap of a session (from the lap detector) in the `laps` table. */
  recordLap(sessionKey: number, lap: LapRecord): Promise<void> {
    return this.request({lap, op: 'recordLap', sessionKey}) as Promise<void>
  }

  /** Runs a read query on the reader connection, after pending frames are committed. */
  query(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.request({op: 'query', sql, ...(params ? {params} : {})}) as Promise<Array<Record<string, unknown>>>
  }

  /**
   * Runs a small write (a run-sheet edit, a coaching note) on the writer's connection, between
   * commits of frames; resolves with the rows it changed. Not for bulk data: that goes through append.
   */
  execute(sql: string, params?: unknown[]): Promise<number> {
    return this.request({op: 'execute', sql, ...(params ? {params} : {})}) as Promise<number>
  }

  /** Resolves once everything handed over so far is committed (or dropped). */
  async flush(): Promise<void> {
    await this.request({op: 'flush'})
  }

  checkpoint(): Promise<void> {
    return this.request({op: 'checkpoint'}) as Promise<void>
  }

  /** Corruption salvages not yet acknowledged (for `health`, which shows them until then). */
  unacknowledgedRecoveries(): Promise<RecoveryReport[]> {
    return this.request({acknowledge: false, op: 'recoveries'}) as Promise<RecoveryReport[]>
  }

  /** Marks salvages as seen (all, or the one at `atUs`); returns how many were newly acknowledged. */
  acknowledgeRecoveries(atUs?: number): Promise<number> {
    return this.request({acknowledge: true, op: 'recoveries', ...(atUs === undefined ? {} : {atUs})}) as Promise<number>
  }

  /**
   * Archives one ended session into `<data-dir>/archive/` (written, reopened and verified, made
   * durable, then removed from the live DB in one transaction). See archive-session.ts.
   */
  archive(sessionId: string, options: {format?: ArchiveFormat; dryRun?: boolean} = {}): Promise<ArchiveOutcome> {
    return this.request({dataDir: this.dataDir, dryRun: options.dryRun ?? false, format: options.format ?? 'duckdb', op: 'archive', sessionId}) as Promise<ArchiveOutcome>
  }

  /** Cleans up after an interrupted archive run: removes `.partial` files, finishes verified archives. */
  recoverArchives(options: {dryRun?: boolean} = {}): Promise<ArchiveRecovery> {
    return this.request({dataDir: this.dataDir, dryRun: options.dryRun ?? false, op: 'archiveRecover'}) as Promise<ArchiveRecovery>
  }

  /** Re-imports an archive (`.duckdb` file or parquet session folder) as an ended session. */
  restoreArchive(path: string): Promise<RestoreOutcome> {
    return this.request({op: 'restore', path}) as Promise<RestoreOutcome>
  }

  /** CHECKPOINT, retention, and (past the free-block threshold) a verified copy swapped in. */
  vacuum(options: VacuumOptions): Promise<VacuumResult> {
    return this.request({op: 'vacuum', options}) as Promise<VacuumResult>
  }

  private get dataDir(): string {
    return dirname(this.path)
  }

  /** Flush, checkpoint, close the database, stop the worker. */
  async close(): Promise<void> {
    if (this.exited) return
    try {
      await this.request({op: 'close'})
    } finally {
      this.exited = new Error('the store is closed')
      await this.worker.terminate()
    }
  }

  onCommitted(listener: (stats: LiveStoreStats, sessionKey: number, sessionFrames: number) => void): void {
    this.committedListeners.push(listener)
  }

  onEvent(listener: (event: StoreEvent) => void): void {
    this.eventListeners.push(listener)
  }

  private request(request: Request): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited)
    const seq = ++this.seq
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, {reject, resolve})
      this.worker.postMessage({request, seq})
    })
  }

  private receive(reply: Reply): void {
    switch (reply.type) {
      case 'result':
      case 'error': {
        const waiter = this.waiting.get(reply.seq)
        this.waiting.delete(reply.seq)
        if (reply.type === 'result') waiter?.resolve(reply.value)
        else waiter?.reject(reviveError(reply.error))
        return
      }
      case 'committed': {
        this.stats.committedFrames = reply.frames
        this.stats.committedSamples = reply.samples
        this.settleInFlight()
        for (const l of this.committedListeners) l(this.stats, reply.sessionKey, reply.sessionFrames)
        // Listeners have reported it ("committed N"): the writer may start the next commit.
        this.worker.postMessage({request: {op: 'ackCommit'}, seq: ++this.seq})
        return
      }
      case 'event': {
        const e = reply.event
        if (e.kind === 'dropped' && e.reason !== 'queue_full') {
          this.stats.dropped[e.reason] += e.frames
          this.settleInFlight()
        } else if (e.kind === 'invalidated') this.stats.invalidations++
        else if (e.kind === 'disk-full') this.stats.diskFull = e.full
        else if (e.kind === 'checkpoint') this.stats.lastCheckpointMs = e.ms
        for (const l of this.eventListeners) l(e)
      }
    }
  }

  private settleInFlight(): void {
    const d = this.stats.dropped
    this.stats.inFlightFrames = Math.max(0, this.handedOver - this.stats.committedFrames - d.disk_full - d.write_error)
  }

  private fail(error: Error): void {
    this.exited ??= error
    for (const waiter of this.waiting.values()) waiter.reject(error)
    this.waiting.clear()
  }
}
