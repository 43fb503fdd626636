import {dirname} from 'node:path'

import type {FrameBatch} from '../can/frame.js'
import type {SampleBatch} from '../decode/index.js'
import type {ArchiveFormat, ArchiveOutcome, ArchiveRecovery, RestoreOutcome} from './archive-types.js'
import type {DriverInfo} from './driver/index.js'
import type {JsonRow, RequestOf, ResultOf, StoreOp} from './protocol.js'
import type {RecoveryReport} from './salvage-report.js'
import type {SqlParam} from './sql.js'
import type * as T from './types.js'
import {type UnsolicitedReply, WorkerLink} from './worker-link.js'

export interface LiveStoreStats {
  /** Frames handed to the store and not yet committed. */
  inFlightFrames: number
  committedFrames: number
  committedSamples: number
  /** Frames that could not be kept, by reason: counted, never silent. */
  dropped: Record<T.DropReason, number>
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

  private readonly link: WorkerLink
  private driverInfo: DriverInfo | undefined
  private readonly committedListeners: Array<(stats: LiveStoreStats, sessionKey: number, sessionFrames: number) => void> = []
  private readonly eventListeners: Array<(event: T.StoreEvent) => void> = []
  private handedOver = 0

  private constructor(
    readonly path: string,
    private readonly maxInFlight: number,
  ) {
    this.link = new WorkerLink((reply) => this.receive(reply))
  }

  /** Opens the live DB at `path` (creating it), closing sessions a dead process left `live`. */
  static async open(path: string, options: LiveStoreOptions = {}): Promise<OpenedLiveStore> {
    const store = new LiveStore(path, options.maxInFlightFrames ?? 200_000)
    try {
      const {driver, recovery, unclean} = await store.request({op: 'open', path})
      store.driverInfo = driver
      return {store, unclean, ...(recovery ? {recovery} : {})}
    } catch (error) {
      await store.link.terminate()
      throw error
    }
  }

  /** The DuckDB driver and library the worker opened the file with. */
  get driver(): DriverInfo {
    return this.driverInfo!
  }

  startSession(init: T.SessionInit): Promise<T.SessionInfo> {
    return this.request({init, op: 'startSession'})
  }

  addSource(sessionKey: number, kind: string, name: string): Promise<number> {
    return this.request({kind, name, op: 'addSource', sessionKey})
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
    const request: RequestOf<'append'> = {frames: frameColumns, op: 'append', sessionKey, sourceId, ...(sampleColumns ? {samples: sampleColumns} : {})}
    this.link.send(request, transfer)
    return true
  }

  endSession(sessionKey: number, reason: string): Promise<void> {
    return this.request({op: 'endSession', reason, sessionKey})
  }

  /** One line of `ingest_log` (start, stop, drop, reconnect…), stamped with the store's clock. */
  log(entry: T.IngestLogEntry): Promise<void> {
    return this.request({entry, op: 'log'})
  }

  /**
   * Stores one lap of a session (from the lap detector) in the `laps` table. A lap number is kept
   * once per session: a later record of the same lap replaces the earlier one.
   */
  recordLap(sessionKey: number, lap: T.LapRecord): Promise<void> {
    return this.request({lap, op: 'recordLap', sessionKey})
  }

  /** A session's laps, in lap order. */
  laps(sessionKey: number): Promise<T.StoredLap[]> {
    return this.request({op: 'laps', sessionKey})
  }

  /** The stored session of that id (any state), or undefined. */
  async sessionById(id: string): Promise<T.StoredSessionRef | undefined> {
    return (await this.request({id, op: 'sessionById'})) ?? undefined
  }

  /** A session's row with its run sheet and lap count, or undefined when there is no such key. */
  async sessionDetail(sessionKey: number): Promise<T.SessionDetail | undefined> {
    return (await this.request({op: 'sessionDetail', sessionKey})) ?? undefined
  }

  /** Sets run-sheet columns of a session (null clears one); resolves with the rows changed. */
  updateRunSheet(sessionKey: number, patch: T.RunSheetPatch): Promise<number> {
    return this.request({op: 'updateRunSheet', patch, sessionKey})
  }

  /** Stores a coaching note (the coach's, or one a user posted) for a session. */
  addNote(sessionKey: number, note: T.CoachingNoteRecord): Promise<void> {
    return this.request({note, op: 'addNote', sessionKey})
  }

  /** A session's channel dictionary: channel name → the channel_id its samples carry. */
  async channelIds(sessionKey: number): Promise<Map<string, number>> {
    const rows = await this.request({op: 'channelIds', sessionKey})
    return new Map(rows.map((r) => [r.name, r.channelId]))
  }

  /**
   * Samples of some channels of a session from `WINDOW_LOOKBACK_US` before `fromUs` to `toUs`, in
   * time order (NULL values as NaN): a signal window with what to hold at its start.
   */
  sampleWindow(sessionKey: number, channelIds: readonly number[], fromUs: number, toUs: number): Promise<T.SampleColumns> {
    return this.request({channelIds, fromUs, op: 'sampleWindow', sessionKey, toUs})
  }

  /** Up to `limit` frames of a session after `after` (null: the first page), in stored time order. */
  framesPage(sessionKey: number, after: T.FrameCursor | null, limit: number): Promise<{frames: T.FrameColumns; last: T.FrameCursor | null}> {
    return this.request({after, limit, op: 'framesPage', sessionKey})
  }

  /**
   * Runs a read query on the reader connection, after pending frames are committed. For tests,
   * benches and one-off inspection: code outside the store calls the typed methods above.
   */
  query(sql: string, params?: readonly SqlParam[]): Promise<JsonRow[]> {
    return this.request({op: 'query', sql, ...(params ? {params} : {})})
  }

  /** Resolves once everything handed over so far is committed (or dropped). */
  async flush(): Promise<void> {
    await this.request({op: 'flush'})
  }

  checkpoint(): Promise<void> {
    return this.request({op: 'checkpoint'})
  }

  /** Corruption salvages not yet acknowledged (for `health`, which shows them until then). */
  unacknowledgedRecoveries(): Promise<RecoveryReport[]> {
    return this.request({op: 'recoveries'})
  }

  /** Marks salvages as seen (all, or the one at `atUs`); returns how many were newly acknowledged. */
  acknowledgeRecoveries(atUs?: number): Promise<number> {
    return this.request({op: 'acknowledgeRecoveries', ...(atUs === undefined ? {} : {atUs})})
  }

  /**
   * Archives one ended session into `<data-dir>/archive/` (written, reopened and verified, made
   * durable, then removed from the live DB in one transaction). See archive-session.ts.
   */
  archive(sessionId: string, options: {format?: ArchiveFormat; dryRun?: boolean} = {}): Promise<ArchiveOutcome> {
    return this.request({dataDir: this.dataDir, dryRun: options.dryRun ?? false, format: options.format ?? 'duckdb', op: 'archive', sessionId})
  }

  /** Cleans up after an interrupted archive run: removes `.partial` files, finishes verified archives. */
  recoverArchives(options: {dryRun?: boolean} = {}): Promise<ArchiveRecovery> {
    return this.request({dataDir: this.dataDir, dryRun: options.dryRun ?? false, op: 'archiveRecover'})
  }

  /** Re-imports an archive (`.duckdb` file or parquet session folder) as an ended session. */
  restoreArchive(path: string): Promise<RestoreOutcome> {
    return this.request({op: 'restore', path})
  }

  /** CHECKPOINT, retention, and (past the free-block threshold) a verified copy swapped in. */
  vacuum(options: T.VacuumOptions): Promise<T.VacuumResult> {
    return this.request({op: 'vacuum', options})
  }

  private get dataDir(): string {
    return dirname(this.path)
  }

  /** Flush, checkpoint, close the database, stop the worker. */
  close(): Promise<void> {
    return this.link.close()
  }

  onCommitted(listener: (stats: LiveStoreStats, sessionKey: number, sessionFrames: number) => void): void {
    this.committedListeners.push(listener)
  }

  onEvent(listener: (event: T.StoreEvent) => void): void {
    this.eventListeners.push(listener)
  }

  private request<K extends StoreOp>(request: RequestOf<K>): Promise<ResultOf<K>> {
    return this.link.request(request)
  }

  private receive(reply: UnsolicitedReply): void {
    switch (reply.type) {
      case 'committed': {
        this.stats.committedFrames = reply.frames
        this.stats.committedSamples = reply.samples
        this.settleInFlight()
        for (const l of this.committedListeners) l(this.stats, reply.sessionKey, reply.sessionFrames)
        // Listeners have reported it ("committed N"): the writer may start the next commit.
        this.link.send({op: 'ackCommit'})
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
}
