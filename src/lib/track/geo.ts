/**
 * Latitude/longitude to a flat local frame and back. A circuit spans a few kilometres, so an
 * equirectangular projection around one origin is exact to well under a centimetre there, and
 * keeps segment intersection and distances plain 2-D arithmetic.
 */

/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6_371_008.8

export interface LatLon {
  readonly lat: number
  readonly lon: number
}

/** A point in the local frame: metres east (`x`) and north (`y`) of the origin. */
export interface Xy {
  readonly x: number
  readonly y: number
}

const RAD = Math.PI / 180

/** East/north metres around `origin`; headings are compass degrees (0 = north, 90 = east, clockwise). */
export class LocalFrame {
  private readonly metresPerDegLon: number
  private readonly metresPerDegLat = EARTH_RADIUS_M * RAD

  constructor(readonly origin: LatLon) {
    this.metresPerDegLon = EARTH_RADIUS_M * RAD * Math.cos(origin.lat * RAD)
  }

  x(lon: number): number {
    return (lon - this.origin.lon) * this.metresPerDegLon
  }

  y(lat: number): number {
    return (lat - this.origin.lat) * this.metresPerDegLat
  }

  lat(y: number): number {
    return this.origin.lat + y / this.metresPerDegLat
  }

  lon(x: number): number {
    return this.origin.lon + x / this.metresPerDegLon
  }

  toXy(p: LatLon): Xy {
    return {x: this.x(p.lon), y: this.y(p.lat)}
  }

  toLatLon(p: Xy): LatLon {
    return {lat: this.lat(p.y), lon: this.lon(p.x)}
  }
}
