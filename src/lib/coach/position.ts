/**
 * Where the car is on the lap: each GPS fix projected onto the centreline (searching near the
 * last fix, the whole line only when lost), and dead reckoning with road speed between fixes
 * (a 20 Hz fix at 60 m/s is 3 m old on average; a brake point should not be).
 */
import type {Track} from '../track/index.js'

/** A fix further than this from the centreline near the last one is looked up on the whole line. */
const LOST_M = 25
/** Vertices searched behind and ahead of the last fix's (a car covers a few metres between fixes). */
const BEHIND = 10
const AHEAD = 40
/** Dead reckoning never runs further than this past the last fix. */
const MAX_RECKON_M = 30

export class TrackPosition {
  /** Lap distance of the last fix, NaN before the first. */
  fixM = Number.NaN
  fixUs = Number.NaN
  private vertex = -1
  private readonly sf: number

  constructor(readonly track: Track) {
    this.sf = track.startFinish.distanceM
  }

  /** A GPS fix at `tUs`. NaN or 0/0 positions (no fix) are ignored. */
  fix(tUs: number, lat: number, lon: number): void {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || (lat === 0 && lon === 0)) return
    const {frame, centreline: line} = this.track
    const x = frame.x(lon)
    const y = frame.y(lat)
    let s = this.vertex >= 0 ? this.near(x, y) : Number.NaN
    if (Number.isNaN(s)) s = this.whole(x, y)
    this.fixM = line.wrap(s - this.sf)
    this.fixUs = tUs
  }

  /** A lap distance given directly (seed 001's `lapdist_m`). */
  set(tUs: number, lapDistM: number): void {
    this.fixM = this.track.centreline.wrap(lapDistM)
    this.fixUs = tUs
  }

  /** Lap distance at `tUs` at speed `v` (m/s): the last fix moved on, never past the line. */
  at(tUs: number, v: number): number {
    if (Number.isNaN(this.fixM)) return Number.NaN
    const ahead = Number.isFinite(v) && tUs > this.fixUs ? Math.min(MAX_RECKON_M, (v * (tUs - this.fixUs)) / 1e6) : 0
    return Math.min(this.fixM + ahead, this.track.centreline.length - 0.01)
  }

  private near(x: number, y: number): number {
    const line = this.track.centreline
    const last = line.vertices - 1
    const from = this.vertex
    let best = Number.POSITIVE_INFINITY
    let s = Number.NaN
    for (let k = -BEHIND; k <= AHEAD; k++) {
      const i = (((from + k) % last) + last) % last
      const r = segment(line.x, line.y, i, x, y)
      if (r.d2 < best) {
        best = r.d2
        s = line.s[i]! + r.f * (line.s[i + 1]! - line.s[i]!)
        this.vertex = i
      }
    }
    return best <= LOST_M * LOST_M ? s : Number.NaN
  }

  private whole(x: number, y: number): number {
    const line = this.track.centreline
    let best = Number.POSITIVE_INFINITY
    let s = 0
    for (let i = 0; i < line.vertices - 1; i++) {
      const r = segment(line.x, line.y, i, x, y)
      if (r.d2 < best) {
        best = r.d2
        s = line.s[i]! + r.f * (line.s[i + 1]! - line.s[i]!)
        this.vertex = i
      }
    }
    return s
  }
}

const hit = {d2: 0, f: 0}

/** Squared distance from (x, y) to segment i → i + 1 and where along it the closest point is (reused object). */
function segment(xs: Float64Array, ys: Float64Array, i: number, x: number, y: number): {d2: number; f: number} {
  const x0 = xs[i]!
  const y0 = ys[i]!
  const dx = xs[i + 1]! - x0
  const dy = ys[i + 1]! - y0
  const len2 = dx * dx + dy * dy
  const f = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2))
  const ex = x - (x0 + f * dx)
  const ey = y - (y0 + f * dy)
  hit.f = f
  hit.d2 = ex * ex + ey * ey
  return hit
}
