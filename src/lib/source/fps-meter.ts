/**
 * Frames per second over the last few seconds, from counts added as batches arrive. One-second
 * buckets in a small ring: O(1) per batch, no timestamp per frame, and a source that stops reads
 * 0 once its window has passed (not the rate it had when the last frame came).
 */
export class FpsMeter {
  private readonly counts: Float64Array
  /** The second each bucket holds, or -1. */
  private readonly seconds: Float64Array
  /** The second of the first count (-1: none yet). */
  private firstSecond = -1

  constructor(
    /** Width of the window in seconds. */
    private readonly windowS = 5,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.counts = new Float64Array(windowS + 1)
    this.seconds = new Float64Array(windowS + 1).fill(-1)
  }

  /** Counts `frames` as arriving now. */
  add(frames: number): void {
    const second = Math.floor(this.nowMs() / 1000)
    if (this.firstSecond < 0) this.firstSecond = second
    const slot = second % this.counts.length
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second
      this.counts[slot] = 0
    }
    this.counts[slot]! += frames
  }

  /**
   * The rate over the last `windowS` whole seconds (the current, partial second is left out so a
   * steady source does not read low at the start of each second).
   */
  rate(): number {
    const now = Math.floor(this.nowMs() / 1000)
    let total = 0
    for (let i = 0; i < this.counts.length; i++) {
      const age = now - this.seconds[i]!
      if (age >= 1 && age <= this.windowS) total += this.counts[i]!
    }
    // A meter younger than its window divides by the whole seconds it has seen, so a source that
    // just started reads its real rate, not a fifth of it.
    const seen = this.firstSecond < 0 ? 0 : Math.min(this.windowS, now - this.firstSecond)
    return seen < 1 ? 0 : total / seen
  }

  reset(): void {
    this.firstSecond = -1
    this.seconds.fill(-1)
    this.counts.fill(0)
  }
}
