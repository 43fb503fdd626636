import type {Centreline} from './centreline.js'
import type {LatLon, LocalFrame} from './geo.js'
import type {LayoutSegment} from './layout.js'

/**
 * A timing line: a segment between two surveyed points across the track. A lap or sector ends
 * when the car's GPS trace crosses it in the direction of travel.
 */
export interface Gate {
  /** `start_finish`, `sector_1`, … */
  readonly name: string
  readonly a: LatLon
  readonly b: LatLon
  /** The same ends in the track's local frame (metres east/north). */
  readonly ax: number
  readonly ay: number
  readonly bx: number
  readonly by: number
  /** Distance along the centreline where it crosses the gate. */
  readonly distanceM: number
  /** `Crossing.side` of a step in the direction of travel. */
  readonly forwardSide: 1 | -1
}

/** A named corner, at its apex (or wherever the track's people point when they say its name). */
export interface CornerMarker {
  readonly name: string
  readonly number?: number
  readonly at: LatLon
  /** Distance along the centreline of the closest point. */
  readonly distanceM: number
}

export interface Track {
  readonly id: string
  readonly name: string
  /** The file it was loaded from. */
  readonly file: string
  /** true: the coordinates are made up. */
  readonly fictional: boolean
  /** Local frame of the centreline (origin: the layout start or the first point). */
  readonly frame: LocalFrame
  readonly centreline: Centreline
  /** The layout the centreline was generated from, when it was given as a layout. */
  readonly layout?: readonly LayoutSegment[]
  /** Track width, metres (for drawing; the simulator drives the centreline). */
  readonly widthM: number
  readonly startFinish: Gate
  /** Intermediate sector gates, in driving order from the start/finish line: N gates make N + 1 sectors. */
  readonly sectors: readonly Gate[]
  readonly corners: readonly CornerMarker[]
}
