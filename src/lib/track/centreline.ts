import {crossSegments} from './segment.js'

/** A point of the centreline at a distance: local metres, compass heading (radians), curvature. */
export interface CentrelinePoint {
  x: number
  y: number
  /** Compass heading of travel, radians (0 = north, π/2 = east). */
  heading: number
  /** 1/m; positive turns right (clockwise), negative left. */
  curvature: number
}

/** Where a line segment crosses the centreline: distance along it and the crossing side. */
export interface CentrelineCrossing {
  readonly s: number
  readonly side: 1 | -1
}

/**
 * The closed line a track is driven along, as a polyline in the track's local frame with the
 * distance, heading and curvature at every vertex. Distances wrap: `at(length + 10)` is `at(10)`.
 * The last vertex repeats the first (at distance `length`).
 */
export class Centreline {
  readonly length: number

  constructor(
    /** Distance of each vertex from the start, metres, increasing; the last is the length. */
    readonly s: Float64Array,
    readonly x: Float64Array,
    readonly y: Float64Array,
    readonly heading: Float64Array,
    readonly curvature: Float64Array,
  ) {
    this.length = s[s.length - 1]!
  }

  get vertices(): number {
    return this.s.length
  }

  /** The index i with s[i] ≤ d < s[i + 1], for d in [0, length). */
  indexAt(d: number): number {
    const s = this.s
    let lo = 0
    let hi = s.length - 2
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (s[mid]! <= d) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /** Distance wrapped into [0, length). */
  wrap(d: number): number {
    const w = d % this.length
    return w < 0 ? w + this.length : w
  }

  /** Position, heading and curvature at distance `d` (linear between vertices), into `out`. */
  at(d: number, out: CentrelinePoint = {curvature: 0, heading: 0, x: 0, y: 0}): CentrelinePoint {
    const w = this.wrap(d)
    const i = this.indexAt(w)
    const f = (w - this.s[i]!) / (this.s[i + 1]! - this.s[i]!)
    out.x = this.x[i]! + f * (this.x[i + 1]! - this.x[i]!)
    out.y = this.y[i]! + f * (this.y[i + 1]! - this.y[i]!)
    let dh = this.heading[i + 1]! - this.heading[i]!
    dh -= 2 * Math.PI * Math.round(dh / (2 * Math.PI))
    out.heading = this.heading[i]! + f * dh
    out.curvature = this.curvature[i]! + f * (this.curvature[i + 1]! - this.curvature[i]!)
    return out
  }

  /** Every place the segment a→b crosses the centreline, in order of distance. */
  crossings(ax: number, ay: number, bx: number, by: number): CentrelineCrossing[] {
    const out: CentrelineCrossing[] = []
    for (let i = 0; i < this.s.length - 1; i++) {
      const c = crossSegments(this.x[i]!, this.y[i]!, this.x[i + 1]!, this.y[i + 1]!, ax, ay, bx, by)
      if (c) out.push({s: this.s[i]! + c.u * (this.s[i + 1]! - this.s[i]!), side: c.side})
    }
    return out
  }

  /** The closest centreline point to (x, y): its distance along the line and how far off it is. */
  nearest(x: number, y: number): {s: number; offset: number} {
    let best = {offset: Number.POSITIVE_INFINITY, s: 0}
    for (let i = 0; i < this.s.length - 1; i++) {
      const x0 = this.x[i]!
      const y0 = this.y[i]!
      const dx = this.x[i + 1]! - x0
      const dy = this.y[i + 1]! - y0
      const len2 = dx * dx + dy * dy
      const f = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2))
      const offset = Math.hypot(x - (x0 + f * dx), y - (y0 + f * dy))
      if (offset < best.offset) best = {offset, s: this.s[i]! + f * (this.s[i + 1]! - this.s[i]!)}
    }
    return best
  }

  /** The largest |curvature| on the line, 1/m. */
  maxCurvature(): number {
    let max = 0
    for (const k of this.curvature) max = Math.max(max, Math.abs(k))
    return max
  }
}
