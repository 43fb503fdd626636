/**
 * Paces frames to their recorded timestamps at `speed` × real time. Each frame's due time is
 * computed from one anchor (wall start, first stamp), never by adding up sleeps, so timer
 * lateness does not accumulate (drift compensation). Gaps longer than `maxGapUs` are cut to
 * `maxGapUs` (python-can's `skip`, not canplayer's "to zero"); a stamp that goes backwards
 * re-anchors, as canplayer does.
 *
 * A root file because three layers pace by stamps: the simulator's stepper (sim/), the log
 * source (source/) and `replay` (replay/); the lowest of them cannot import the others.
 */
export class Pacer {
  private anchorWallMs?: number
  private anchorStampUs = 0
  private lastStampUs = 0
  private skippedUs = 0

  constructor(
    /** Factor of real time; Infinity = as fast as possible. */
    readonly speed: number,
    readonly maxGapUs: number = Number.POSITIVE_INFINITY,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    if (!(speed > 0)) throw new RangeError(`speed must be > 0, not ${speed}`)
  }

  /** Milliseconds to wait before the frame stamped `stampUs` is due (0 when due or unpaced). */
  delayMs(stampUs: number): number {
    if (this.speed === Number.POSITIVE_INFINITY) return 0
    if (this.anchorWallMs === undefined || stampUs < this.lastStampUs) {
      this.anchorWallMs = this.nowMs()
      this.anchorStampUs = stampUs
      this.skippedUs = 0
    } else if (stampUs - this.lastStampUs > this.maxGapUs) {
      this.skippedUs += stampUs - this.lastStampUs - this.maxGapUs
    }
    this.lastStampUs = stampUs
    const dueMs = this.anchorWallMs + (stampUs - this.anchorStampUs - this.skippedUs) / 1000 / this.speed
    return Math.max(0, dueMs - this.nowMs())
  }
}
