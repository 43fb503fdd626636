/**
 * The reader watchdog: a source that was carrying traffic and has gone quiet (0 frames/s, last
 * frame older than `silentAfterMs`, default 30 s) is logged as an error and its reader restarted.
 * A stuck reader (a wedged USB read, a driver that stopped delivering) looks exactly like a quiet
 * bus from inside; restarting it costs one reopen and fixes the stuck case. After a restart the
 * watchdog waits another full `silentAfterMs` before it fires again, so a car that is simply
 * switched off costs one restart per 30 s, not a loop.
 */
export const WATCHDOG_SILENT_MS = 30_000

export interface WatchdogTarget {
  /** Frames ever delivered by this source: only a source that carried traffic is watched. */
  readonly framesTotal: number
  readonly fps: number
  readonly lastFrameAgeS: number | null
  /** Only a connected source has a reader to restart. */
  readonly connected: boolean
}

export interface WatchdogOptions {
  readonly silentAfterMs?: number
  readonly checkEveryMs?: number
  readonly target: () => WatchdogTarget
  /** Restarts the reader; called with the silence in seconds. */
  readonly restart: (silentS: number) => void
  readonly nowMs?: () => number
}

export class Watchdog {
  /** Restarts so far. */
  restarts = 0
  private timer: NodeJS.Timeout | undefined
  private lastFireMs = Number.NEGATIVE_INFINITY
  private readonly silentAfterMs: number
  private readonly nowMs: () => number

  constructor(private readonly options: WatchdogOptions) {
    this.silentAfterMs = options.silentAfterMs ?? WATCHDOG_SILENT_MS
    this.nowMs = options.nowMs ?? (() => performance.now())
  }

  start(): void {
    if (this.timer) return
    const every = this.options.checkEveryMs ?? Math.max(50, Math.min(1000, this.silentAfterMs / 4))
    this.timer = setInterval(() => this.check(), every)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** One look; true when it restarted the reader. */
  check(): boolean {
    const t = this.options.target()
    if (!t.connected || t.framesTotal === 0 || t.fps > 0 || t.lastFrameAgeS === null) return false
    if (t.lastFrameAgeS * 1000 < this.silentAfterMs) return false
    const now = this.nowMs()
    if (now - this.lastFireMs < this.silentAfterMs) return false
    this.lastFireMs = now
    this.restarts++
    this.options.restart(t.lastFrameAgeS)
    return true
  }
}
