/**
 * The other centreline form: a surveyed polyline of points (a GPS trace of one clean lap, say),
 * closed by joining the last point to the first. It is resampled every 2 m. Curvature comes from
 * the input itself, as the turn at each input point over the distance it stands for (exact for
 * points on an arc, however sparse), interpolated along the line and then averaged over ±10 m,
 * since a survey's point-to-point noise would otherwise read as steering.
 */
import {Centreline} from './centreline.js'
import type {Xy} from './geo.js'

const RESAMPLE_M = 2
/** Curvature is averaged over ± this many resampled points (± 10 m). */
const SMOOTH = 5

export function centrelineFromPoints(points: readonly Xy[]): Centreline {
  const closed = [...points]
  const first = closed[0]!
  const last = closed.at(-1)!
  if (Math.hypot(first.x - last.x, first.y - last.y) < 1e-6) closed.pop()
  const m = closed.length
  // Cumulative distance of the input vertices around the loop (m + 1 entries: back to the first).
  const d = [0]
  for (let i = 1; i <= m; i++) d.push(d[i - 1]! + dist(closed[i - 1]!, closed[i % m]!))
  const length = d[m]!
  // Turn at each input vertex over half its two segments.
  const vertexK = closed.map((p, i) => {
    const a = closed[(i - 1 + m) % m]!
    const b = closed[(i + 1) % m]!
    const turn = angleDiff(Math.atan2(b.x - p.x, b.y - p.y), Math.atan2(p.x - a.x, p.y - a.y))
    return turn / ((dist(a, p) + dist(p, b)) / 2)
  })
  const n = Math.max(8, Math.round(length / RESAMPLE_M))
  const s = new Float64Array(n + 1)
  const x = new Float64Array(n + 1)
  const y = new Float64Array(n + 1)
  const raw = new Float64Array(n)
  let j = 0
  for (let i = 0; i <= n; i++) {
    const at = (length * i) / n
    while (j < m - 1 && d[j + 1]! <= at) j++
    const f = d[j + 1]! === d[j]! ? 0 : (at - d[j]!) / (d[j + 1]! - d[j]!)
    const p = closed[j]!
    const q = closed[(j + 1) % m]!
    s[i] = at
    x[i] = p.x + f * (q.x - p.x)
    y[i] = p.y + f * (q.y - p.y)
    if (i < n) raw[i] = vertexK[j]! + f * (vertexK[(j + 1) % m]! - vertexK[j]!)
  }
  const wrapIndex = (i: number): number => ((i % n) + n) % n
  const heading = new Float64Array(n + 1)
  for (let i = 0; i <= n; i++) {
    const a = wrapIndex(i - 1)
    const b = wrapIndex(i + 1)
    heading[i] = Math.atan2(x[b]! - x[a]!, y[b]! - y[a]!)
  }
  // Unwrap so headings are continuous.
  for (let i = 1; i <= n; i++) heading[i] = heading[i - 1]! + angleDiff(heading[i]!, heading[i - 1]!)
  const curvature = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) {
    let sum = 0
    for (let k = -SMOOTH; k <= SMOOTH; k++) sum += raw[wrapIndex(i + k)]!
    curvature[i] = sum / (2 * SMOOTH + 1)
  }
  curvature[n] = curvature[0]!
  return new Centreline(s, x, y, heading, curvature)
}

function dist(a: Xy, b: Xy): number {
  return Math.hypot(b.x - a.x, b.y - a.y)
}

function angleDiff(a: number, b: number): number {
  const d = a - b
  return d - 2 * Math.PI * Math.round(d / (2 * Math.PI))
}
