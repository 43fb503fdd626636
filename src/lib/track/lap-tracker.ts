import type {SampleBatch} from '../decode/index.js'
import {type Lap, LapDetector, type LapDetectorOptions} from './lap-detector.js'
import type {Track} from './model.js'

/** The canonical GPS channel names a car publishes (docs/car-config.md). */
export const GPS_CHANNELS = {lat: 'lat', lon: 'lon'} as const

/**
 * Feeds a lap detector from decoded samples: the `lat` and `lon` values a frame produced at the
 * same timestamp make one fix. Use it between decoding and storing (the store takes ownership of
 * the sample buffers).
 */
export class LapTracker {
  readonly detector: LapDetector
  private readonly latSlot: number
  private readonly lonSlot: number
  private latUs = Number.NaN
  private lat = Number.NaN
  private lonUs = Number.NaN
  private lon = Number.NaN

  constructor(track: Track, channels: ReadonlyArray<{readonly name: string}>, options: LapDetectorOptions = {}) {
    this.detector = new LapDetector(track, options)
    this.latSlot = channels.findIndex((c) => c.name === GPS_CHANNELS.lat)
    this.lonSlot = channels.findIndex((c) => c.name === GPS_CHANNELS.lon)
  }

  /** False when the car has no `lat`/`lon` channels: there is nothing to time laps with. */
  get hasGps(): boolean {
    return this.latSlot >= 0 && this.lonSlot >= 0
  }

  feedSamples(samples: SampleBatch): void {
    if (!this.hasGps) return
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
        this.detector.feed(this.latUs, this.lat, this.lon)
        this.latUs = Number.NaN
      }
    }
  }

  finish(): Lap | undefined {
    return this.detector.finish()
  }
}
