import {type IntervalHistogram, monitorEventLoopDelay} from 'node:perf_hooks'

/**
 * The longest event-loop stall lately, for `/health` and `/metrics`: a delay histogram read and
 * reset once a minute, keeping the previous minute's figures so a read never sees an empty one.
 */
export class LoopMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({resolution: 10})
  private previous = {maxMs: 0, p99Ms: 0}
  private readonly timer: NodeJS.Timeout

  constructor(periodMs = 60_000) {
    this.histogram.enable()
    this.timer = setInterval(() => this.roll(), periodMs)
    this.timer.unref()
  }

  /** Longest stall and p99 delay (ms) over the current and the previous period. */
  read(): {maxMs: number; p99Ms: number} {
    const h = this.histogram
    const now = {maxMs: h.count > 0 ? h.max / 1e6 : 0, p99Ms: h.count > 0 ? h.percentile(99) / 1e6 : 0}
    return {maxMs: round(Math.max(now.maxMs, this.previous.maxMs)), p99Ms: round(Math.max(now.p99Ms, this.previous.p99Ms))}
  }

  stop(): void {
    clearInterval(this.timer)
    this.histogram.disable()
  }

  private roll(): void {
    const h = this.histogram
    this.previous = {maxMs: h.count > 0 ? h.max / 1e6 : 0, p99Ms: h.count > 0 ? h.percentile(99) / 1e6 : 0}
    h.reset()
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10
}
