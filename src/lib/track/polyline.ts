/**
 * The other centreline form: a surveyed polyline of points (a GPS trace of one clean lap, say),
 * closed by joining the last point to the first. It is resampled every few metres, and heading
 * and curvature are estimated from it, smoothed, since a survey's point-to-point noise would
 * otherwise read as steering.
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
  if (Math.hypot(first.x - last.x, first.y - last.y) > 1e-6) closed.push(first)
  // Cumulative distance of the input vertices.
  const d = [0]
  for (let i = 1; i < closed.length; i++) d.push(d[i - 1]! + Math.hypot(closed[i]!.x - closed[i - 1]!.x, closed[i]!.y - closed[i - 1]!.y))
  const length = d.at(-1)!
  const n = Math.max(8, Math.round(length / RESAMPLE_M))
  const s = new Float64Array(n + 1)
  const x = new Float64Array(n + 1)
  const y = new Float64Array(n + 1)
  let j = 0
  for (let i = 0; i <= n; i++) {
    const at = (length * i) / n
    while (j < closed.length - 2 && d[j + 1]! <= at) j++
    const f = d[j + 1]! === d[j]! ? 0 : (at - d[j]!) / (d[j + 1]! - d[j]!)
    s[i] = at
    x[i] = closed[j]!.x + f * (closed[j + 1]!.x - closed[j]!.x)
    y[i] = closed[j]!.y + f * (closed[j + 1]!.y - closed[j]!.y)
  }
  const wrapIndex = (i: number): number => ((i % n) + n) % n
  const heading = new Float64Array(n + 1)
  for (let i = 0; i <= n; i++) {
    const a = wrapIndex(i - 1)
    const b = wrapIndex(i + 1)
    heading[i] = Math.atan2(x[b]! - x[a]!, y[b]! - y[a]!)
  }
  // Unwrap so headings are continuous (curvature is their slope).
  for (let i = 1; i <= n; i++) heading[i] = heading[i - 1]! + angleDiff(heading[i]!, heading[i - 1]!)
  const raw = new Float64Array(n)
  const step = length / n
  for (let i = 0; i < n; i++) raw[i] = angleDiff(heading[wrapIndex(i + 1)]!, heading[wrapIndex(i - 1)]!) / (2 * step)
  const curvature = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) {
    let sum = 0
    for (let k = -SMOOTH; k <= SMOOTH; k++) sum += raw[wrapIndex(i + k)]!
    curvature[i] = sum / (2 * SMOOTH + 1)
  }
  curvature[n] = curvature[0]!
  return new Centreline(s, x, y, heading, curvature)
}

function angleDiff(a: number, b: number): number {
  const d = a - b
  return d - 2 * Math.PI * Math.round(d / (2 * Math.PI))
}
