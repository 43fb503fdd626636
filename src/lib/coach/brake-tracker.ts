/**
 * One stop at a time: when the brake goes on (at speed), its peak, and when it is let go, the
 * highest pressure within the last 150 ms (from a ring of the recent ticks, no allocation), so a
 * release can be judged as trailed or dropped.
 */
const RING = 32
const RELEASE_WINDOW_US = 150_000

export class BrakeTracker {
  braking = false
  /** Highest pressure of the current (or last) stop. */
  peak = 0
  /** Highest pressure within 150 ms before the release. */
  releaseFrom = 0
  /** When the brake last went below brake_on_bar; NaN while it is on. */
  offSinceUs = Number.NaN
  private readonly ringUs = new Float64Array(RING)
  private readonly ringBar = new Float64Array(RING)
  private n = 0

  /** One tick: 'on' when a stop begins (at `minKmh` or more), 'off' when the brake is let go (below half of `onBar`). */
  update(tUs: number, bar: number, v: number, onBar: number, minKmh: number): 'on' | 'off' | undefined {
    if (bar >= onBar) this.offSinceUs = Number.NaN
    else if (Number.isNaN(this.offSinceUs)) this.offSinceUs = tUs
    if (!this.braking) {
      if (!(bar >= onBar) || !(v * 3.6 >= minKmh)) return undefined
      this.braking = true
      this.peak = bar
      this.n = 0
      return 'on'
    }
    this.ringUs[this.n % RING] = tUs
    this.ringBar[this.n % RING] = bar
    this.n++
    if (bar > this.peak) this.peak = bar
    // NaN (no pressure reading) also ends the stop.
    if (bar >= onBar / 2) return undefined
    this.braking = false
    this.releaseFrom = 0
    for (let k = Math.max(0, this.n - RING); k < this.n; k++) {
      if (tUs - this.ringUs[k % RING]! <= RELEASE_WINDOW_US && this.ringBar[k % RING]! > this.releaseFrom) this.releaseFrom = this.ringBar[k % RING]!
    }
    return 'off'
  }
}
