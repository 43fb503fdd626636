/**
 * Turns the stamps of a relative log into the stamps pitwall stores: deltas (`-td`, ASC
 * `timestamps relative`) are summed, and `startTimeUs`, when given, anchors the result.
 * Works in whole µs plus a sub-µs ns remainder so 9-digit stamps stay exact.
 */
export class RelativeClock {
  private sumUs = 0
  private sumNs = 0

  constructor(
    /** Sum stamps as deltas from the previous one. */
    public delta: boolean,
    private readonly offsetUs: number,
  ) {}

  /** The stored µs for a stamp read as `us` + `ns`; the sub-µs part is in `lastNs` afterwards. */
  next(us: number, ns: number): number {
    if (!this.delta) {
      this.lastNs = ns
      return us + this.offsetUs
    }
    this.sumUs += us
    this.sumNs += ns
    if (this.sumNs >= 1000) {
      this.sumUs += 1
      this.sumNs -= 1000
    }
    this.lastNs = this.sumNs
    return this.sumUs + this.offsetUs
  }

  lastNs = 0
}
