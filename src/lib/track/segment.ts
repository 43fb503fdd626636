/**
 * Where two line segments cross: the one geometric question lap timing asks. A GPS step
 * p0 → p1 crosses gate q0 → q1 at fraction `u` of the step (so the crossing time is
 * t0 + u·(t1 − t0)) and fraction `v` along the gate.
 *
 * ```
 *            q1
 *            |
 *   p0 ------+------> p1      u = |p0 X| / |p0 p1|
 *            X                v = |q0 X| / |q0 q1|
 *            |
 *            q0
 * ```
 * `side` is the sign of the cross product (p1 − p0) × (q1 − q0): which way the step went
 * through the gate. A track's forward direction has one sign; driving the other way has the other.
 */
export interface Crossing {
  readonly u: number
  readonly v: number
  readonly side: 1 | -1
}

/**
 * The crossing of p0→p1 with q0→q1, or undefined when they do not meet (or are parallel).
 * `u` is half-open, [0, 1): a fix lying exactly on the gate counts for the step that starts at
 * it, never for both steps around it.
 */
export function crossSegments(
  p0x: number,
  p0y: number,
  p1x: number,
  p1y: number,
  q0x: number,
  q0y: number,
  q1x: number,
  q1y: number,
): Crossing | undefined {
  const rx = p1x - p0x
  const ry = p1y - p0y
  const sx = q1x - q0x
  const sy = q1y - q0y
  const d = rx * sy - ry * sx
  if (d === 0) return undefined
  const wx = q0x - p0x
  const wy = q0y - p0y
  const u = (wx * sy - wy * sx) / d
  const v = (wx * ry - wy * rx) / d
  if (u < 0 || u >= 1 || v < 0 || v > 1) return undefined
  return {side: d > 0 ? 1 : -1, u, v}
}
