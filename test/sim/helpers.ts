import {join} from 'node:path'

import type {Car} from '../../src/lib/car/index.js'
import {openCar} from '../../src/lib/car/index.js'
import {FrameBatch} from '../../src/lib/can/frame.js'
import {CarDecoder} from '../../src/lib/decode/index.js'
import {Simulator, type SimulatorOptions} from '../../src/lib/sim/index.js'
import {loadTrackFile, type Track} from '../../src/lib/track/index.js'
import {ROOT} from '../helpers.js'

/** A fixed epoch for sim time 0, so runs are byte-identical. */
export const START_US = 1_763_802_843_000_000

let car: Promise<Car> | undefined
let track: Promise<Track> | undefined

export function e46(): Promise<Car> {
  car ??= openCar('bmw_e46_m3', {dataDir: join(ROOT, 'test', 'no-data-dir')})
  return car
}

export function park(): Promise<Track> {
  track ??= loadTrackFile(join(ROOT, 'tracks', 'pitwall_park.yaml')).then((r) => r.track!)
  return track
}

export async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return new Simulator(await e46(), await park(), {seed: 1, startUs: START_US, ...options})
}

/** Every frame of `seconds` of sim time, in batches. */
export function framesOf(sim: Simulator, seconds: number, from = 0): FrameBatch[] {
  const out: FrameBatch[] = []
  let t = from
  while (t < seconds) {
    const batch = new FrameBatch()
    t = sim.fill(batch, seconds)
    out.push(batch)
  }
  return out
}

/** Decodes frames, calling `visit` after each with the decoder (channel values) and the frame's sim time. */
export function decodeEach(car: Car, batches: readonly FrameBatch[], visit: (decoder: CarDecoder, tS: number, id: number) => void): void {
  const decoder = new CarDecoder(car)
  for (const batch of batches) decoder.decodeBatch(batch, (i) => visit(decoder, (batch.timestampUs[i]! - START_US) / 1e6, batch.id[i]!))
}

/** Channel slot by name. */
export function slotOf(car: Car, name: string): number {
  const i = car.channels.findIndex((c) => c.name === name)
  if (i < 0) throw new Error(`no channel ${name}`)
  return i
}
