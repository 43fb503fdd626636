import type {Centreline} from './centreline.js'
import type {LatLon, LocalFrame} from './geo.js'

/**
 * A timing line across the centreline at distance `d`: perpendicular to the direction of travel,
 * `widthM` long, as [[lat, lon], [lat, lon]] (left end first). For writing track files and
 * tests: put a gate where you want it, then survey the real line if there is one.
 *
 * @example gateAcross(track.centreline, track.frame, 1250, 30) // a sector line 1250 m in
 */
export function gateAcross(centreline: Centreline, frame: LocalFrame, d: number, widthM: number): [LatLon, LatLon] {
  const p = centreline.at(d)
  // Left of travel is heading − 90°: (−cos ψ, sin ψ) in east/north.
  const lx = -Math.cos(p.heading) * (widthM / 2)
  const ly = Math.sin(p.heading) * (widthM / 2)
  return [frame.toLatLon({x: p.x + lx, y: p.y + ly}), frame.toLatLon({x: p.x - lx, y: p.y - ly})]
}
