/**
 * The compact centreline description: straights and turns (a constant radius between two
 * clothoid spirals, so curvature, and with it steering and lateral g, ramps in and out as on a
 * real road) integrated into a polyline. A hand-written layout never closes to the centimetre,
 * so the small gap left at the end is spread linearly over the lap; `closure` says how big it was
 * (the track linter refuses a layout that is far from closed).
 */
import {Centreline} from './centreline.js'

export type LayoutSegment =
  | {readonly kind: 'straight'; readonly length: number}
  | {
      readonly kind: 'turn'
      /** +1 right (clockwise), −1 left. */
      readonly direction: 1 | -1
      readonly angleDeg: number
      readonly radius: number
      /** Length of each entry/exit spiral, metres (0 = curvature steps in). */
      readonly spiral: number
    }

export interface LayoutClosure {
  /** Metres between the integrated end and the start, before the correction. */
  readonly gapM: number
  /** Signed total turning, degrees (+360 for a clockwise lap, −360 anticlockwise). */
  readonly turningDeg: number
}

/** Integration step, metres: small enough that the polyline is exact to millimetres. */
const STEP_M = 1

/** The arc length of a turn's constant-radius part; negative when the spirals alone turn too far. */
export function arcLength(t: Extract<LayoutSegment, {kind: 'turn'}>): number {
  return (t.angleDeg * Math.PI) / 180 * t.radius - t.spiral
}

/**
 * Integrates the layout from (0, 0) heading `headingDeg` (compass) into a closed centreline in
 * the local frame, and reports how far from closed the layout was.
 */
export function centrelineFromLayout(segments: readonly LayoutSegment[], headingDeg: number): {centreline: Centreline; closure: LayoutClosure} {
  const s: number[] = [0]
  const x: number[] = [0]
  const y: number[] = [0]
  const heading: number[] = [(headingDeg * Math.PI) / 180]
  const curvature: number[] = [0]
  let turning = 0
  const push = (length: number, kappaAt: (u: number) => number): void => {
    const n = Math.max(1, Math.ceil(length / STEP_M))
    const h = length / n
    for (let k = 0; k < n; k++) {
      const kMid = kappaAt((k + 0.5) * h)
      const psi = heading.at(-1)!
      const mid = psi + (kMid * h) / 2
      x.push(x.at(-1)! + h * Math.sin(mid))
      y.push(y.at(-1)! + h * Math.cos(mid))
      heading.push(psi + kMid * h)
      s.push(s.at(-1)! + h)
      curvature.push(kappaAt((k + 1) * h))
      turning += kMid * h
    }
  }
  for (const seg of segments) {
    if (seg.kind === 'straight') {
      push(seg.length, () => 0)
      continue
    }
    const k = seg.direction / seg.radius
    const ls = seg.spiral
    const lc = Math.max(0, arcLength(seg))
    if (ls > 0) push(ls, (u) => (k * u) / ls)
    if (lc > 0) push(lc, () => k)
    if (ls > 0) push(ls, (u) => k * (1 - u / ls))
  }
  const n = s.length
  const length = s[n - 1]!
  const gapX = x[n - 1]!
  const gapY = y[n - 1]!
  // Spread the closing gap over the lap, then make the last vertex exactly the first.
  for (let i = 0; i < n; i++) {
    x[i] = x[i]! - (gapX * s[i]!) / length
    y[i] = y[i]! - (gapY * s[i]!) / length
  }
  curvature[n - 1] = curvature[0]!
  const centreline = new Centreline(Float64Array.from(s), Float64Array.from(x), Float64Array.from(y), Float64Array.from(heading), Float64Array.from(curvature))
  return {centreline, closure: {gapM: Math.hypot(gapX, gapY), turningDeg: (turning * 180) / Math.PI}}
}
