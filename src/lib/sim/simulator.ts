/**
 * The simulator's core: the drive plan and car model turned into CAN frames, each message at its
 * cycle time (scaled so the whole car sends `fps` frames per second), stamped `startUs` + sim
 * time. Pure and deterministic: no clock, no I/O. The same seed, start time and fps give the same
 * frames, byte for byte. A source (source.ts) paces it; sinks (sinks/) deliver it.
 */
import type {Car} from '../car/model.js'
import {DATA_STRIDE, type FrameBatch} from '../can/frame.js'
import type {Track} from '../track/model.js'
import {CarModel, SIM_CHANNELS} from './car-model.js'
import {DrivePlan} from './drive-plan.js'
import type {DriverFault} from './driver-faults.js'
import {FrameEncoder} from './frame-encoder.js'
import {Rng} from './rng.js'
import {type VehicleSpec, vehicleFromCar} from './vehicle.js'

export interface SimulatorOptions {
  /** Same seed, same laps. Default 1. */
  readonly seed?: number
  /** Frames per second for the whole car; every message's rate scales by fps / nominal. Default: the car's nominal rate. */
  readonly fps?: number
  /** Epoch µs of sim time 0. Default: now. */
  readonly startUs?: number
  /** Share of frames not sent (0..1), counted per id. Default 0. */
  readonly dropRate?: number
  /** Seconds at rest before pulling away. Default 3. */
  readonly idleS?: number
  /** Litres of fuel at the start. Default 55. */
  readonly fuelL?: number
  /** Override the vehicle (tests); default the E46 with the car file's gearbox. */
  readonly vehicle?: VehicleSpec
  /** Mistakes the driver makes (`--driver-fault`, see driver-faults.ts). Default none. */
  readonly driverFaults?: readonly DriverFault[]
}

export interface SimulatorStats {
  /** Frames the simulated car put on the bus. */
  generated: number
  /** Frames emitted (generated minus dropped). */
  emitted: number
  /** Frames dropped by `dropRate`, in all and per id (hex). */
  dropped: number
  droppedById: Record<string, number>
}

export class Simulator {
  readonly plan: DrivePlan
  readonly model: CarModel
  readonly encoder: FrameEncoder
  readonly vehicle: VehicleSpec
  /** Frames per second the car file's cycle times add up to. */
  readonly nominalFps: number
  readonly fps: number
  readonly startUs: number
  readonly seed: number
  readonly stats: SimulatorStats = {dropped: 0, droppedById: {}, emitted: 0, generated: 0}
  private readonly intervalS: Float64Array
  private readonly phaseS: Float64Array
  private readonly count: Float64Array
  private readonly sample = new Float64Array(SIM_CHANNELS.length)
  private readonly dropRng: Rng
  private readonly dropRate: number

  constructor(
    readonly car: Car,
    readonly track: Track,
    options: SimulatorOptions = {},
  ) {
    this.seed = options.seed ?? 1
    this.vehicle = options.vehicle ?? vehicleFromCar(car)
    this.plan = new DrivePlan(track, this.vehicle, {
      seed: this.seed,
      ...(options.idleS === undefined ? {} : {idleS: options.idleS}),
      ...(options.driverFaults ? {faults: options.driverFaults} : {}),
    })
    this.model = new CarModel(this.plan, this.vehicle, track, {seed: this.seed, ...(options.fuelL === undefined ? {} : {fuelL: options.fuelL})})
    this.encoder = new FrameEncoder(car)
    const messages = this.encoder.messages
    if (messages.length === 0) throw new RangeError(`car ${car.id} has no message with a cycle time: nothing to simulate`)
    this.nominalFps = messages.reduce((sum, m) => sum + 1000 / m.cycleMs, 0)
    this.fps = options.fps ?? this.nominalFps
    if (!(this.fps > 0)) throw new RangeError(`fps must be > 0, not ${this.fps}`)
    const scale = this.fps / this.nominalFps
    this.intervalS = Float64Array.from(messages, (m) => m.cycleMs / 1000 / scale)
    // Stagger the messages, as a logger's scheduler does, so no two ever share a stamp: distinct
    // offsets within the greatest common divisor of the cycle times.
    const gcdS = messages.reduce((g, m) => gcd(g, Math.round(m.cycleMs * 1000)), 0) / 1e6 / scale
    this.phaseS = Float64Array.from(messages, (_m, i) => (gcdS * (i + 0.5)) / messages.length)
    this.count = new Float64Array(messages.length)
    this.startUs = Math.round(options.startUs ?? Date.now() * 1000)
    this.dropRate = options.dropRate ?? 0
    this.dropRng = Rng.derive(this.seed, 'drop')
  }

  /** Sim time (s) of the next frame due. */
  get nextS(): number {
    let best = Number.POSITIVE_INFINITY
    for (let m = 0; m < this.count.length; m++) best = Math.min(best, this.phaseS[m]! + this.count[m]! * this.intervalS[m]!)
    return best
  }

  /**
   * Appends the frames due before sim time `untilS` (seconds) to `batch`, until it is full.
   * Returns the sim time of the next frame not yet generated.
   */
  fill(batch: FrameBatch, untilS: number): number {
    const n = this.count.length
    const encoder = this.encoder
    for (;;) {
      let m = 0
      let t = Number.POSITIVE_INFINITY
      for (let k = 0; k < n; k++) {
        const due = this.phaseS[k]! + this.count[k]! * this.intervalS[k]!
        if (due < t) {
          t = due
          m = k
        }
      }
      if (t >= untilS || batch.length >= batch.capacity) return t
      this.count[m]!++
      this.stats.generated++
      const plan = encoder.messages[m]!
      if (this.dropRate > 0 && this.dropRng.next() < this.dropRate) {
        this.stats.dropped++
        const id = plan.message.id.toString(16).toUpperCase()
        this.stats.droppedById[id] = (this.stats.droppedById[id] ?? 0) + 1
        continue
      }
      // The values are those at the frame's stamp (whole µs), so a decoder can check them exactly.
      const offsetUs = Math.round(t * 1e6)
      this.model.sample(offsetUs / 1e6, this.sample, plan.groups)
      const i = batch.pushHeader(this.startUs + offsetUs, plan.message.id, 0, plan.message.sizeBytes)
      encoder.encode(m, this.sample, batch.data.subarray(i * DATA_STRIDE, i * DATA_STRIDE + plan.message.sizeBytes))
      this.stats.emitted++
    }
  }

  /** Every quantity of the model at sim time `t` (tests, the UDP sink). */
  sampleAt(t: number, out = new Float64Array(SIM_CHANNELS.length)): Float64Array {
    return this.model.sample(t, out)
  }

  /** Start/finish crossing k (sim seconds): lap k (k ≥ 1) runs from crossing k − 1 to k; crossing 0 ends the out-lap. */
  crossingS(k: number): number {
    return this.plan.crossingTime(k)
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}
