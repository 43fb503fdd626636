/**
 * Forwarding: frames read here, stored by a running `serve` (POST /api/frames), for when serve
 * owns the live DB: the bridge sink of src/lib/live (`ingest --forward`, the Termux supervisor's
 * callback, and `ingest`, `simulate --to db` and `replay --to db` when they find the DB held).
 * See docs/operations.md.
 *
 * The bridge answers a frame request only once its frames are committed, and a request of at
 * most 2,048 frames is one batch on its side: all of it is taken or none (503 PW_STORE_BUSY). So
 * a frame counts as stored when its request was answered, and a refused request is sent again,
 * whole, after a backoff. One request is in flight at a time: the bridge decodes a sender's frames
 * in arrival order, and two requests on two connections may arrive in either order (a decoder and
 * the lap tracker must see the stream in time order). What is read meanwhile fills the next one.
 */
import {onAbort} from '../abort.js'
import type {BridgeClient} from './client.js'
import {FrameBatch, MAX_BATCH_FRAMES} from '../can/frame.js'
import {UnavailableError} from '../errors.js'

export interface ForwardStats {
  readonly url: string
  /** The name the frames are stored under (X-Pitwall-Source). */
  readonly source: string
  /** Frames the bridge has committed: these survive anything. */
  readonly acknowledged: number
  /** Frames read here and not acknowledged (non-zero only when forwarding failed). */
  readonly unacknowledged: number
  /** POST requests made, retries included. */
  readonly requests: number
  /** Requests sent again: the store was busy (503), or the bridge did not answer. */
  readonly retries: {readonly busy: number; readonly unreachable: number}
  /** The bridge's sessions the frames went into. */
  readonly sessions: readonly string[]
}

export interface FrameForwarderOptions {
  readonly client: BridgeClient
  readonly source: string
  /** Default 1: see the module comment before raising it. */
  readonly maxInFlight?: number
  /** Frames held here (queued and in flight) before `push` waits. Default 65,536. */
  readonly maxQueuedFrames?: number
  /** After each acknowledged request, with the total acknowledged so far. */
  readonly onAcknowledged?: (total: number) => void
  /** Once aborted, a bridge that keeps refusing gets `abortGraceMs` more, then the rest is given up. */
  readonly signal?: AbortSignal
  /** A bridge that does not answer for this long is given up. Default 30 s. */
  readonly giveUpAfterMs?: number
  /** Default 10 s. */
  readonly abortGraceMs?: number
}

/** Batches in, committed requests out: see the module comment. */
export class FrameForwarder {
  private filling = new FrameBatch(MAX_BATCH_FRAMES)
  private readonly ready: FrameBatch[] = []
  private inFlight = 0
  private handed = 0
  private acknowledged = 0
  private requests = 0
  private readonly retries = {busy: 0, unreachable: 0}
  private readonly sessions = new Set<string>()
  private failure: Error | undefined
  private waiters: Array<() => void> = []
  private abortedAt: number | undefined
  private readonly acknowledgedListeners: Array<(total: number) => void> = []

  constructor(private readonly options: FrameForwarderOptions) {
    onAbort(options.signal, () => (this.abortedAt = Date.now()))
  }

  /** After each acknowledged request, with the total acknowledged so far. */
  onAcknowledged(listener: (total: number) => void): void {
    this.acknowledgedListeners.push(listener)
  }

  /** Takes a batch (copied: the caller keeps it); waits while too much is unacknowledged. */
  async push(batch: FrameBatch): Promise<void> {
    this.throwIfFailed()
    for (let i = 0; i < batch.length; i++) {
      if (this.filling.full) this.seal()
      this.filling.pushFrom(batch, i)
    }
    this.handed += batch.length
    this.pump()
    while (!this.failure && this.handed - this.acknowledged > (this.options.maxQueuedFrames ?? 65_536)) await this.changed()
    this.throwIfFailed()
  }

  /** Sends what is left and waits for every answer. Throws when forwarding failed, naming what was and was not stored. */
  async drain(): Promise<ForwardStats> {
    this.pump()
    while (!this.failure && (this.inFlight > 0 || this.ready.length > 0 || this.filling.length > 0)) {
      await this.changed()
      this.pump()
    }
    this.throwIfFailed()
    return this.stats()
  }

  stats(): ForwardStats {
    return {
      acknowledged: this.acknowledged,
      requests: this.requests,
      retries: {...this.retries},
      sessions: [...this.sessions],
      source: this.options.source,
      unacknowledged: this.handed - this.acknowledged,
      url: this.options.client.options.url,
    }
  }

  private seal(): void {
    this.ready.push(this.filling)
    this.filling = new FrameBatch(MAX_BATCH_FRAMES)
  }

  private pump(): void {
    while (!this.failure && this.inFlight < (this.options.maxInFlight ?? 1)) {
      if (this.ready.length === 0) {
        if (this.filling.length === 0) return
        this.seal()
      }
      const batch = this.ready.shift()!
      this.inFlight++
      void this.send(batch).finally(() => {
        this.inFlight--
        this.pump()
        this.notify()
      })
    }
  }

  private async send(batch: FrameBatch): Promise<void> {
    let delayMs = 0
    let silentSince: number | undefined
    for (;;) {
      if (this.failure) return
      this.requests++
      try {
        const answer = await this.options.client.postFrames(batch, this.options.source)
        this.acknowledged += batch.length
        if (answer.session) this.sessions.add(answer.session)
        this.options.onAcknowledged?.(this.acknowledged)
        for (const listener of this.acknowledgedListeners) listener(this.acknowledged)
        return
      } catch (error) {
        const e = error as {status?: number; code?: string}
        const now = Date.now()
        if (e.status === 503) {
          this.retries.busy++
          silentSince = undefined
          delayMs = Math.min(2000, Math.max(50, delayMs * 2))
        } else if (e.code === 'PW_BRIDGE_UNREACHABLE') {
          this.retries.unreachable++
          silentSince ??= now
          if (now - silentSince > (this.options.giveUpAfterMs ?? 30_000)) return this.fail(error)
          delayMs = Math.min(5000, Math.max(250, delayMs * 2))
        } else {
          return this.fail(error)
        }
        if (this.abortedAt !== undefined && now - this.abortedAt > (this.options.abortGraceMs ?? 10_000)) return this.fail(error)
        await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error))
    this.notify()
  }

  private throwIfFailed(): void {
    if (!this.failure) return
    const cause = this.failure as Error & {code?: string}
    const lost = this.handed - this.acknowledged
    throw new UnavailableError(
      `forwarding to the bridge at ${this.options.client.options.url} failed: ${cause.message}; ${this.acknowledged} frames were stored by the bridge, ${lost} read here were not`,
      {cause, code: cause.code ?? 'PW_FORWARD_FAILED', suggestions: ['is pitwall serve running? pitwall health says', 'without a serve, run the same command without --forward: it stores into the live DB itself']},
    )
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  private notify(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}

/** A name the frame route accepts (1 to 64 of letters, digits and `. : @ / - _`). */
export function forwardSourceName(text: string): string {
  const name = text.replace(/[^\w.:@/-]/g, '_').slice(0, 64)
  return name === '' ? 'forward' : name
}
