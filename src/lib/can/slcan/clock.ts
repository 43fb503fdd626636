/**
 * Turns an adapter's wrapping timestamp into epoch microseconds.
 *
 * `Z1` stamps are 4 hex digits of milliseconds that wrap at 60000 (0xEA60); Nakakiyo's `Z2` stamps
 * are 8 hex digits of microseconds that wrap at 3 600 000 000. The adapter's clock has no epoch,
 * so it is **anchored** to the host: the first stamped frame gets the host time of the read that
 * delivered it, and every later frame gets that plus the adapter's own elapsed time. Frames keep
 * the adapter's spacing (sub-millisecond jitter of USB reads disappears); the cost is one USB
 * latency of constant offset and the crystal's drift (tens of ppm) over a session.
 *
 * **Unwrapping.** The step between two stamps is taken modulo the window, then whole windows are
 * added so the step comes closest to what the host clock says elapsed between the two reads:
 * - host time constant (or close): a stamp going backwards by more than half the window is a wrap
 *   (59 999 → 0 is +1 ms), one going back by less is a genuine small step back;
 * - a silence of 30..60 s, which a half-window rule alone would misread, gets its wrap from
 *   the host clock;
 * - when the host clock says more than a whole window passed, the adapter may have been
 *   power-cycled or reopened, so the clock is **re-anchored** to the host time instead.
 * Call `reset()` whenever the adapter is (re)opened: its counter may restart from zero.
 */

/** `Z1`: milliseconds, 4 hex digits. */
const MS_WINDOW = 60_000
/** Nakakiyo `Z2`: microseconds, 8 hex digits. */
const US_WINDOW = 3_600_000_000

export class AdapterClock {
  /** Times the counter wrapped (crossed its window) while anchored. */
  wraps = 0
  /** Times the clock was re-anchored to host time after a long silence or a unit change. */
  reanchors = 0
  /** Stamps past the window (`Z1` ≥ 60000): the frame keeps its host time, the clock is untouched. */
  badStamps = 0

  private anchored = false
  private digits = 0
  private lastRaw = 0
  private lastHostUs = 0
  /** Unwrapped adapter time of the last stamp, µs. */
  private deviceUs = 0
  /** Epoch µs minus adapter µs. */
  private offsetUs = 0

  /** Forgets the anchor: the next stamped frame anchors afresh (no re-anchor counted). */
  reset(): void {
    this.anchored = false
  }

  /**
   * Epoch µs of a stamp. `raw` is the stamp's value, `digits` 4 (ms, `Z1`) or 8 (µs, `Z2`),
   * `hostTimeUs` the host time of the read that carried it.
   */
  toEpochUs(raw: number, digits: number, hostTimeUs: number): number {
    const unitUs = digits === 4 ? 1000 : 1
    const window = digits === 4 ? MS_WINDOW : US_WINDOW
    if (raw >= window) {
      this.badStamps++
      return hostTimeUs
    }
    if (!this.anchored || digits !== this.digits) {
      if (this.anchored) this.reanchors++
      return this.anchor(raw, digits, hostTimeUs, unitUs)
    }
    const hostDeltaUs = hostTimeUs - this.lastHostUs
    if (hostDeltaUs > window * unitUs) {
      this.reanchors++
      return this.anchor(raw, digits, hostTimeUs, unitUs)
    }
    let step = raw - this.lastRaw
    if (step < 0) step += window
    const hostSteps = hostDeltaUs > 0 ? hostDeltaUs / unitUs : 0
    step += Math.round((hostSteps - step) / window) * window
    if (raw < this.lastRaw && step > 0) this.wraps++
    this.lastRaw = raw
    this.lastHostUs = hostTimeUs
    this.deviceUs += step * unitUs
    return this.deviceUs + this.offsetUs
  }

  private anchor(raw: number, digits: number, hostTimeUs: number, unitUs: number): number {
    this.anchored = true
    this.digits = digits
    this.lastRaw = raw
    this.lastHostUs = hostTimeUs
    this.deviceUs = raw * unitUs
    this.offsetUs = hostTimeUs - this.deviceUs
    return hostTimeUs
  }
}
