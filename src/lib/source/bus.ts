/**
 * The bus an adapter is opened for: flags over the car. A bare DBC has no bus section, so an
 * input that opens an adapter needs `--bitrate`, and listen-only is its default (a tool that knows
 * nothing about a bus must not disturb it). A read-only input needs no bitrate: nothing is sent.
 */
import type {Car} from '../car/model.js'
import {UsageError} from '../errors.js'

export interface BusFlags {
  readonly bitrate?: number
  readonly listenOnly?: boolean
}

export interface BusSettings {
  /** Undefined only when nothing will be sent (a read-only input with a bare DBC). */
  readonly bitrateBps: number | undefined
  readonly listenOnly: boolean
}

/** Flags over the car. Listen-only: flag, else the car (a bare DBC car says true). */
export function resolveBus(car: Car, flags: BusFlags): BusSettings {
  return {bitrateBps: flags.bitrate ?? car.bus.bitrateBps, listenOnly: flags.listenOnly ?? car.bus.listenOnly}
}

/** The bitrate, for an input that will open an adapter. @throws UsageError `PW_BITRATE_REQUIRED` */
export function requireBitrate(car: Car, bus: BusSettings): number {
  if (bus.bitrateBps !== undefined) return bus.bitrateBps
  throw new UsageError(`${car.id} is a bare DBC with no bus section, so the adapter's bitrate is unknown: pass --bitrate`, {
    code: 'PW_BITRATE_REQUIRED',
    suggestions: ['--bitrate 500000 (or 500k, 1M): the car bus bitrate, in bit/s', 'or write a car YAML with a bus section (docs/cars.md)'],
  })
}
