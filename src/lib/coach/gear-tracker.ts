/**
 * Up-shifts from the decoded `gear` channel. The gear is derived from rpm over wheel speed, which
 * arrive in different frames: around a shift it can show the old gear, none, or flicker, so a new
 * gear counts only once it has held for 150 ms. The shift carries the highest rpm seen in the gear
 * it left and the throttle just before it.
 */
import type {ShiftInfo} from './rules/index.js'

const SETTLE_US = 150_000

export class GearTracker {
  readonly shift: ShiftInfo = {from: 0, peakRpm: 0, throttle: 0, to: 0}
  private gear = Number.NaN
  private peak = 0
  private pending = Number.NaN
  private pendingUs = 0
  private pendingThrottle = 0
  private prevThrottle = 0

  /** One tick; true when an up-shift by one gear has just settled (see `shift`). */
  update(tUs: number, gear: number, rpm: number, throttle: number): boolean {
    let up = false
    if (!Number.isNaN(gear) && !Number.isNaN(this.gear) && gear !== this.gear) {
      if (gear !== this.pending) {
        this.pending = gear
        this.pendingUs = tUs
        this.pendingThrottle = this.prevThrottle
      } else if (tUs - this.pendingUs >= SETTLE_US) {
        if (gear === this.gear + 1) {
          Object.assign(this.shift, {from: this.gear, peakRpm: this.peak, throttle: this.pendingThrottle, to: gear})
          up = true
        }
        this.gear = gear
        this.peak = rpm
        this.pending = Number.NaN
      }
    } else {
      if (Number.isNaN(this.gear) && !Number.isNaN(gear)) this.gear = gear
      this.pending = Number.NaN
      if (rpm > this.peak) this.peak = rpm
    }
    this.prevThrottle = throttle
    return up
  }
}
