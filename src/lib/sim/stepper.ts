/**
 * Runs a simulator against a clock: real time (× `speed`) or as fast as possible, in steps of
 * sim time, until a lap count, a duration or an abort. Each step is the frames due in
 * [fromS, toS) in a batch of their own, handed to the consumer (who may keep it: a store takes
 * ownership of the buffers). In real time a step's frames are released when their last stamp
 * is due, so they are never early and at most one step late, like an adapter's USB packets.
 */
import {sleep} from '../abort.js'
import {FrameBatch, MAX_BATCH_FRAMES} from '../can/frame.js'
import {Pacer} from '../pace.js'
import type {Simulator} from './simulator.js'

/** Seconds the simulation runs on after the last lap's line, so its crossing has GPS on both sides. */
export const RUN_ON_S = 2

export interface StepperOptions {
  /** Factor of real time; Infinity = as fast as possible. Default 1. */
  readonly speed?: number
  /** Stop after this many full laps (plus RUN_ON_S). */
  readonly laps?: number
  /** Stop after this much sim time, seconds. */
  readonly durationS?: number
  /** Sim seconds per step. Default 0.02 in real time, 0.5 unpaced. */
  readonly stepS?: number
  readonly signal?: AbortSignal
}

export interface SimStep {
  readonly batch: FrameBatch
  readonly fromS: number
  readonly toS: number
}

export class SimulationStepper {
  /** Sim time the run ends at (Infinity: until aborted). */
  readonly endS: number
  /** Sim time reached so far. */
  nowS = 0
  /** Why it ended, once it has. */
  endedBy: 'laps' | 'duration' | 'signal' | undefined
  private readonly speed: number
  private readonly stepS: number
  private readonly capacity: number
  private readonly limitedBy: 'laps' | 'duration'

  constructor(
    readonly simulator: Simulator,
    private readonly options: StepperOptions = {},
  ) {
    this.speed = options.speed ?? 1
    if (!(this.speed > 0)) throw new RangeError(`speed must be > 0, not ${this.speed}`)
    const lapsEnd = options.laps === undefined ? Number.POSITIVE_INFINITY : simulator.crossingS(options.laps) + RUN_ON_S
    const durationEnd = options.durationS ?? Number.POSITIVE_INFINITY
    this.endS = Math.min(lapsEnd, durationEnd)
    this.stepS = options.stepS ?? (this.speed === Number.POSITIVE_INFINITY ? 0.5 : 0.02)
    this.capacity = Math.min(MAX_BATCH_FRAMES, Math.ceil(simulator.fps * this.stepS * 1.25) + 16)
    this.limitedBy = lapsEnd <= durationEnd ? 'laps' : 'duration'
  }

  async *steps(): AsyncGenerator<SimStep> {
    const pacer = new Pacer(this.speed)
    const {signal} = this.options
    const sim = this.simulator
    let unpacedSteps = 0
    while (this.nowS < this.endS) {
      if (signal?.aborted) {
        this.endedBy = 'signal'
        return
      }
      const target = Math.min(this.endS, this.nowS + this.stepS)
      const wait = pacer.delayMs(sim.startUs + target * 1e6)
      if (wait > 0) await sleep(wait, signal)
      else if (++unpacedSteps % 8 === 0) await new Promise((resolve) => setImmediate(resolve))
      if (signal?.aborted) {
        this.endedBy = 'signal'
        return
      }
      // A full batch ends the step early; the rest of the span comes in the next one.
      const batch = new FrameBatch(this.capacity)
      const from = this.nowS
      const next = sim.fill(batch, target)
      this.nowS = batch.full ? next : target
      yield {batch, fromS: from, toS: this.nowS}
    }
    this.endedBy = this.limitedBy
  }
}
