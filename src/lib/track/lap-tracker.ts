import type {SampleBatch} from '../decode/index.js'
import {type Lap, LapDetector, type LapDetectorOptions, type LapEvent} from './lap-detector.js'
import type {Track} from './model.js'

/** The canonical GPS channel names a car publishes (docs/car-config.md). */
export const GPS_CHANNELS = {lat: 'lat', lon: 'lon'} as const

/**
 * A lap event with the stamp of the GPS fix that revealed it. A crossing is known only once the
 * fix after it arrives; a consumer that reads the same samples (the rule coach) applies the event
 * when its own time reaches `fixUs`, exactly where a detector of its own would have seen it.
 */
export interface TimedLapEvent {
  readonly event: LapEvent
  readonly fixUs: number
}

/** What a batch without line or gate crossings gives: no allocation on the hot path. */
export const NO_LAP_EVENTS: readonly TimedLapEvent[] = Object.freeze([])

/**
 * Feeds a lap detector from decoded samples: the `lat` and `lon` values a frame produced at the
 * same timestamp make one fix. Use it between decoding and storing (the store takes ownership of
 * the sample buffers). The live path runs one per session; everything that needs laps (the laps
 * table, the coach) takes its events instead of timing laps again.
 */
export class LapTracker {
  readonly detector: LapDetector
  private readonly latSlot: number
  private readonly lonSlot: number
  private latUs = Number.NaN
  private lat = Number.NaN
  private lonUs = Number.NaN
  private lon = Number.NaN
  private fixUs = Number.NaN
  private found: TimedLapEvent[] | undefined

  constructor(track: Track, channels: ReadonlyArray<{readonly name: string}>, options: LapDetectorOptions = {}) {
    this.detector = new LapDetector(track, options)
    this.latSlot = channels.findIndex((c) => c.name === GPS_CHANNELS.lat)
    this.lonSlot = channels.findIndex((c) => c.name === GPS_CHANNELS.lon)
    this.detector.onEvent((event) => (this.found ??= []).push({event, fixUs: this.fixUs}))
  }

  /** False when the car has no `lat`/`lon` channels: there is nothing to time laps with. */
  get hasGps(): boolean {
    return this.latSlot >= 0 && this.lonSlot >= 0
  }

  /** Feeds a batch's fixes; returns the lap and sector events they revealed, in order. */
  feedSamples(samples: SampleBatch): readonly TimedLapEvent[] {
    if (!this.hasGps) return NO_LAP_EVENTS
    this.found = undefined
    for (let i = 0; i < samples.length; i++) {
      const c = samples.channel[i]!
      if (c === this.latSlot) {
        this.lat = samples.value[i]!
        this.latUs = samples.timestampUs[i]!
      } else if (c === this.lonSlot) {
        this.lon = samples.value[i]!
        this.lonUs = samples.timestampUs[i]!
      } else continue
      if (this.latUs === this.lonUs) {
        this.fixUs = this.latUs
        this.detector.feed(this.latUs, this.lat, this.lon)
        this.latUs = Number.NaN
      }
    }
    const found = this.found ?? NO_LAP_EVENTS
    this.found = undefined
    return found
  }

  /** Ends the trace: the open lap, reported once (to the detector's listeners too), if it has begun. */
  finish(): Lap | undefined {
    const lap = this.detector.finish()
    this.found = undefined
    return lap
  }
}
