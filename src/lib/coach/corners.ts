/**
 * The track's corners in lap distance (metres from the start/finish line), with O(1) lookups on
 * a 2 m grid: which corner's share of the lap a point is in, and which apex comes next.
 *
 * A corner's share runs from a quarter of the way after the previous apex to a quarter of the
 * way after its own: the approach (where its braking happens) is long, the exit short, so the
 * braking for the second part of a chicane still falls to the second corner.
 */
import type {Track} from '../track/index.js'
import type {CornerRef} from './types.js'

/** Grid step of lap-distance lookups and lap profiles, metres. */
export const BIN_M = 2

export interface CornerInfo extends CornerRef {
  /** Lap distance of the apex marker. */
  readonly apexM: number
  readonly direction: 'left' | 'right'
  /** `Hairpin`, or `T1 Hairpin` when numbered. */
  readonly label: string
}

export class CornerMap {
  /** In lap order. */
  readonly corners: readonly CornerInfo[]
  readonly lapLength: number
  readonly bins: number
  private readonly zone: Int16Array
  private readonly next: Int16Array

  constructor(readonly track: Track) {
    const line = track.centreline
    this.lapLength = line.length
    const sf = track.startFinish.distanceM
    this.corners = track.corners
      .map((c, index) => ({
        apexM: line.wrap(c.distanceM - sf),
        direction: line.at(c.distanceM).curvature >= 0 ? ('right' as const) : ('left' as const),
        index,
        label: c.number === undefined ? c.name : `T${c.number} ${c.name}`,
        name: c.name,
        ...(c.number === undefined ? {} : {number: c.number}),
      }))
      .sort((a, b) => a.apexM - b.apexM)
    this.bins = Math.ceil(this.lapLength / BIN_M) + 1
    this.zone = new Int16Array(this.bins).fill(-1)
    this.next = new Int16Array(this.bins).fill(-1)
    const n = this.corners.length
    if (n === 0) return
    for (let b = 0; b < this.bins; b++) {
      const d = b * BIN_M
      let k = this.corners.findIndex((c) => c.apexM >= d)
      this.next[b] = k < 0 ? 0 : k
      // The zone: the corner whose share [prev + gap/4, apex + nextGap/4) holds d.
      k = k < 0 ? n : k
      const after = this.corners[k % n]!
      const before = this.corners[(k - 1 + n) % n]!
      const beforeApex = k === 0 ? before.apexM - this.lapLength : before.apexM
      const afterApex = k === n ? after.apexM + this.lapLength : after.apexM
      this.zone[b] = d < beforeApex + (afterApex - beforeApex) / 4 ? (k - 1 + n) % n : k % n
    }
  }

  /** Index (in `corners`) of the corner whose share of the lap holds lap distance `d`, -1 without corners. */
  zoneAt(d: number): number {
    return this.zone[this.bin(d)]!
  }

  /** Index of the next apex at or after lap distance `d` (wrapping to the first), -1 without corners. */
  nextAt(d: number): number {
    return this.next[this.bin(d)]!
  }

  bin(d: number): number {
    return Math.max(0, Math.min(this.bins - 1, Math.floor(d / BIN_M)))
  }
}
