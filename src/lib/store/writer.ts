import {statSync} from 'node:fs'

import {CHUNK_ROWS, ColumnBuilder} from './chunks.js'
import {closeDatabase, type OpenDatabase, openDatabase} from './database.js'
import type {DuckAppender} from './driver/index.js'
import {classifyDuckDbError} from './duckdb-errors.js'
import type {Reply} from './protocol.js'
import type {FrameColumns, SampleColumns, StoreEvent} from './types.js'

interface Pending {
  readonly sessionKey: number
  readonly sourceId: number
  readonly frames: FrameColumns
  readonly samples?: SampleColumns
}

export interface WriterOptions {
  /** Longest time a frame waits before it is committed. Default 50 ms. */
  readonly flushIntervalMs?: number
  /** Commit as soon as this many frames wait. Default 8192. */
  readonly flushFrames?: number
  /** Checkpoint once ingest has been idle this long. Default 2 s. */
  readonly idleCheckpointMs?: number
  /** Checkpoint under load once the WAL is this large. Default 32 MiB. */
  readonly walCheckpointBytes?: number
  /**
   * And under a slow stream, at least this often (when the WAL holds over 1 MiB): rows not yet
   * checkpointed are also held in memory (about 6 MB per MiB of WAL), so at 350 frames/s a 32 MiB
   * WAL would mean 20 minutes and 200 MB of memory. Default 60 s.
   */
  readonly walCheckpointEveryMs?: number
  /** While the disk is full, try writing again this often. Default 2 s. */
  readonly diskRetryMs?: number
}

/**
 * The one writer of the live DB. Appends column-wise (data chunks) through two appenders and
 * commits every `flushIntervalMs` or `flushFrames`, whichever comes first; each commit is durable
 * (DuckDB fsyncs its WAL) and is reported with the running totals. It lives in the store worker,
 * so a commit's fsync never stalls the main thread's event loop.
 *
 * Failures: an invalidated database is reopened and the uncommitted frames retried; a full disk
 * drops what could not be written (counted, reason `disk_full`) and retries every `diskRetryMs`;
 * any other write error drops that flush (reason `write_error`). Nothing already committed is
 * touched by any of these paths.
 */
export class Writer {
  private pending: Pending[] = []
  private pendingFrames = 0
  private timer: NodeJS.Timeout | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private frameAppender!: DuckAppender
  private sampleAppender!: DuckAppender
  private readonly columns = new ColumnBuilder()
  private diskFullUntil = 0
  private dirty = false
  private commitsSinceWalCheck = 0
  private lastCheckpointAt = performance.now()
  private chain: Promise<unknown> = Promise.resolve()
  private readonly sessionFrames = new Map<number, number>()
  /** Resolved when the main thread has reported the last commit (see `acknowledgeCommit`). */
  private reported: Promise<void> = Promise.resolve()
  private release: (() => void) | undefined
  committedFrames = 0
  committedSamples = 0
  invalidations = 0

  private constructor(
    private db: OpenDatabase,
    private readonly post: (reply: Reply) => void,
    private readonly options: Required<WriterOptions>,
  ) {}

  static async create(db: OpenDatabase, post: (reply: Reply) => void, options: WriterOptions = {}): Promise<Writer> {
    const writer = new Writer(db, post, {diskRetryMs: 2000, flushFrames: 8192, flushIntervalMs: 50, idleCheckpointMs: 2000, walCheckpointBytes: 32 * 1024 * 1024, walCheckpointEveryMs: 60_000, ...options})
    await writer.createAppenders()
    return writer
  }

  get database(): OpenDatabase {
    return this.db
  }

  /** Queues frames (and their samples) for the next commit. */
  append(item: Pending): void {
    if (Date.now() < this.diskFullUntil) {
      this.event({frames: item.frames.length, kind: 'dropped', reason: 'disk_full'})
      return
    }
    this.pending.push(item)
    this.pendingFrames += item.frames.length
    if (this.pendingFrames >= this.options.flushFrames) void this.flush().catch(() => undefined)
    else this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.options.flushIntervalMs)
  }

  /**
   * Runs `work` on the writer connection after everything queued before it: commits, checkpoints
   * and session changes never interleave on the one connection.
   */
  exclusive<T>(work: (db: OpenDatabase) => Promise<T>): Promise<T> {
    const run = this.chain.then(() => work(this.db))
    this.chain = run.catch(() => undefined)
    return run
  }

  /** Commits everything queued now. */
  flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    return this.exclusive(() => this.commitPending())
  }

  private async commitPending(): Promise<void> {
    // The next commit waits until the previous one was reported ("committed N"), so a kill can
    // find at most one commit that the operator has not seen: the bound the kill test checks.
    await this.reported
    if (this.pending.length === 0) return
    // At most `flushFrames` frames per transaction: one flush window stays one bounded window.
    let take = 0
    let frames = 0
    while (take < this.pending.length && (take === 0 || frames + this.pending[take]!.frames.length <= this.options.flushFrames)) {
      frames += this.pending[take]!.frames.length
      take++
    }
    const batch = this.pending.slice(0, take)
    this.pending = this.pending.slice(take)
    this.pendingFrames -= frames
    if (this.pending.length > 0) setImmediate(() => void this.flush().catch(() => undefined))
    try {
      await this.writeAll(batch)
    } catch (error) {
      await this.failed(batch, error)
      return
    }
    if (this.diskFullUntil > 0) {
      this.diskFullUntil = 0
      this.event({full: false, kind: 'disk-full'})
    }
    let samples = 0
    for (const item of batch) {
      samples += item.samples?.length ?? 0
      this.sessionFrames.set(item.sessionKey, (this.sessionFrames.get(item.sessionKey) ?? 0) + item.frames.length)
    }
    this.committedFrames += frames
    this.committedSamples += samples
    this.dirty = true
    const last = batch.at(-1)!.sessionKey
    this.reported = new Promise((resolve) => {
      this.release = resolve
      // A main thread that cannot answer (blocked, gone) must not stop ingest for good.
      setTimeout(resolve, 1000).unref()
    })
    this.post({frames: this.committedFrames, samples: this.committedSamples, sessionFrames: this.sessionFrames.get(last) ?? 0, sessionKey: last, type: 'committed'})
    this.scheduleIdleCheckpoint()
    this.checkpointIfWalLarge()
  }

  /** The main thread has reported the last commit: the next one may start. */
  acknowledgeCommit(): void {
    this.release?.()
    this.release = undefined
  }

  /** Commits what is queued, then CHECKPOINT through the async API: the WAL folds into the file. */
  async checkpoint(): Promise<void> {
    await this.flush()
    await this.exclusive(async (db) => {
      const started = performance.now()
      await db.writer.run('CHECKPOINT')
      this.dirty = false
      this.lastCheckpointAt = performance.now()
      this.event({kind: 'checkpoint', ms: Math.round(performance.now() - started)})
    })
  }

  /** Flush, checkpoint, close the appenders. The caller closes the database. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer)
    await this.flush()
    try {
      await this.checkpoint()
    } catch (error) {
      // A full disk (or an invalidated file) cannot take the checkpoint; the WAL still holds every
      // commit and is replayed at the next open. Close without DuckDB's own shutdown checkpoint,
      // which would fail the same way, so the caller can still report what it dropped.
      this.event({kind: 'warning', message: `final checkpoint failed, the WAL keeps the data for the next open: ${error instanceof Error ? error.message : String(error)}`})
      await this.db.writer.run('PRAGMA disable_checkpoint_on_shutdown').catch(() => undefined)
    }
    for (const appender of [this.frameAppender, this.sampleAppender]) {
      try {
        appender.close()
      } catch {
        // An appender on a failed connection has nothing left to flush.
      }
    }
  }

  // One transaction: a commit stores a frame together with every sample it produced, or neither.
  // The appenders' flushes stay in memory; COMMIT (the WAL fsync) runs through the async API.
  private async writeAll(batch: readonly Pending[]): Promise<void> {
    await this.db.writer.run('BEGIN TRANSACTION')
    try {
      this.appendAll(batch)
      this.sampleAppender.flush()
      this.frameAppender.flush()
      await this.db.writer.run('COMMIT')
    } catch (error) {
      await this.db.writer.run('ROLLBACK').catch(() => undefined)
      throw error
    }
  }

  private appendAll(batch: readonly Pending[]): void {
    for (const item of batch) {
      for (let from = 0; from < item.frames.length; from += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, item.frames.length - from)
        this.frameAppender.append(this.columns.frames(item.sessionKey, item.sourceId, item.frames, from, n), n)
      }
      const s = item.samples
      for (let from = 0; s && from < s.length; from += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, s.length - from)
        this.sampleAppender.append(this.columns.samples(item.sessionKey, s, from, n), n)
      }
    }
  }

  private async failed(batch: Pending[], error: unknown): Promise<void> {
    const frames = batch.reduce((n, item) => n + item.frames.length, 0)
    const failure = classifyDuckDbError(error)
    if (failure.kind === 'invalidated') {
      this.invalidations++
      const reopened = await this.reopen()
      this.event({kind: 'invalidated', reopened})
      if (reopened) {
        // Nothing of this batch was committed: the failed transaction rolled back.
        this.pending = [...batch, ...this.pending]
        this.pendingFrames += frames
        this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.options.flushIntervalMs)
        return
      }
    }
    await this.resetAppenders()
    if (failure.kind === 'disk-full') {
      this.diskFullUntil = Date.now() + this.options.diskRetryMs
      this.event({full: true, kind: 'disk-full'})
      this.event({frames, kind: 'dropped', reason: 'disk_full'})
      return
    }
    this.event({frames, kind: 'dropped', reason: 'write_error'})
    this.event({kind: 'warning', message: `write failed, ${frames} frames dropped: ${error instanceof Error ? error.message : String(error)}`})
  }

  private async reopen(): Promise<boolean> {
    try {
      closeDatabase(this.db)
    } catch {
      // The old handles are already unusable; the new instance is what matters.
    }
    try {
      this.db = await openDatabase(this.db.path)
      await this.createAppenders()
      return true
    } catch {
      return false
    }
  }

  private async resetAppenders(): Promise<void> {
    for (const a of [this.frameAppender, this.sampleAppender]) {
      try {
        a.clear()
        a.close()
      } catch {
        // A failed appender may refuse to close; it is replaced below either way.
      }
    }
    await this.createAppenders().catch(() => undefined)
  }

  private async createAppenders(): Promise<void> {
    this.frameAppender = await this.db.writer.appender('frames')
    this.sampleAppender = await this.db.writer.appender('samples')
  }

  // Under a stream that never pauses there is no idle moment: past `walCheckpointBytes` of WAL the
  // writer checkpoints anyway (commits wait meanwhile; frames queue in the bounded queue), so the
  // WAL, and the replay after a crash, stay small.
  private checkpointIfWalLarge(): void {
    if (++this.commitsSinceWalCheck < 40) return
    this.commitsSinceWalCheck = 0
    let size = 0
    try {
      size = statSync(`${this.db.path}.wal`).size
    } catch {
      return
    }
    const sinceMs = performance.now() - this.lastCheckpointAt
    if (size > this.options.walCheckpointBytes || (size > 1024 * 1024 && sinceMs > this.options.walCheckpointEveryMs)) {
      void this.checkpoint().catch((e: unknown) => this.event({kind: 'warning', message: `checkpoint failed: ${String(e)}`}))
    }
  }

  private scheduleIdleCheckpoint(): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      if (this.dirty && this.pending.length === 0) void this.checkpoint().catch((e: unknown) => this.event({kind: 'warning', message: `checkpoint failed: ${String(e)}`}))
    }, this.options.idleCheckpointMs)
    this.idleTimer.unref()
  }

  private event(event: StoreEvent): void {
    this.post({event, type: 'event'})
  }
}
