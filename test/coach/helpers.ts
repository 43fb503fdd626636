import {FrameBatch} from '../../src/lib/can/frame.js'
import type {Car} from '../../src/lib/car/index.js'
import {CarDecoder, decodeToSamples, SampleBatch} from '../../src/lib/decode/index.js'
import {parseDriverFaults, Simulator} from '../../src/lib/sim/index.js'
import {LapTracker, type TimedLapEvent, type Track} from '../../src/lib/track/index.js'
import {e46, park, START_US} from '../sim/helpers.js'

export {e46, park, START_US}

export interface DriveOptions {
  readonly seed?: number
  /** Full laps to drive (then 2 s more, so the last line crossing has GPS on both sides). */
  readonly laps: number
  /** `--driver-fault` text. */
  readonly faults?: string
  /** Epoch µs of sim time 0. Default START_US. */
  readonly startUs?: number
  /** Sim seconds per batch. Default 0.5. */
  readonly stepS?: number
}

/** What the live path hands the coach per batch: the samples, and the lap events its one lap tracker found in them. */
export type Observe = (samples: SampleBatch, laps: readonly TimedLapEvent[]) => void

/**
 * The live path with no fakes: the simulator drives laps, its frames are encoded as the car's CAN
 * messages, decoded by the car's decoder into samples, timed by a lap tracker, and handed to
 * `observe` batch by batch.
 */
export function drive(car: Car, track: Track, observe: Observe, options: DriveOptions): Simulator {
  const sim = new Simulator(car, track, {
    seed: options.seed ?? 1,
    startUs: options.startUs ?? START_US,
    ...(options.faults ? {driverFaults: parseDriverFaults(options.faults, track)} : {}),
  })
  const decoder = new CarDecoder(car)
  const tracker = new LapTracker(track, car.channels)
  const end = sim.crossingS(options.laps) + 2
  const step = options.stepS ?? 0.5
  let t = 0
  while (t < end) {
    const batch = new FrameBatch(8192)
    t = sim.fill(batch, Math.min(end, t + step))
    const samples = decodeToSamples(decoder, batch)
    observe(samples, tracker.feedSamples(samples))
  }
  return sim
}

/** As `drive`, yielding to the event loop after every batch, as the live path does (timers and sockets keep running). */
export async function driveAsync(car: Car, track: Track, observe: Observe, options: DriveOptions): Promise<Simulator> {
  const sim = new Simulator(car, track, {
    seed: options.seed ?? 1,
    startUs: options.startUs ?? START_US,
    ...(options.faults ? {driverFaults: parseDriverFaults(options.faults, track)} : {}),
  })
  const decoder = new CarDecoder(car)
  const tracker = new LapTracker(track, car.channels)
  const end = sim.crossingS(options.laps) + 2
  let t = 0
  while (t < end) {
    const batch = new FrameBatch(8192)
    t = sim.fill(batch, Math.min(end, t + (options.stepS ?? 0.5)))
    const samples = decodeToSamples(decoder, batch)
    observe(samples, tracker.feedSamples(samples))
    await new Promise((resolve) => setImmediate(resolve))
  }
  return sim
}

/** Waits for insights built on the next turns of the event loop. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
