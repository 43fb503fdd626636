/**
 * The simulator as a CanSource, for consumers that take any source (`serve --simulate`, ingest's
 * pipeline, tests): frame batches in real time (or faster), and a status like an adapter's.
 */
import type {Car} from '../car/model.js'
import type {FrameBatch} from '../can/frame.js'
import {SimulationStepper, Simulator, type SimulatorOptions, type StepperOptions} from '../sim/index.js'
import type {Track} from '../track/model.js'
import {HostClock} from './host-clock.js'
import {SourceCounters} from './source-counters.js'
import type {CanSource, SourceStatus} from './source.js'

export interface SimulatorSourceOptions extends SimulatorOptions, Omit<StepperOptions, 'signal'> {
  /** Source name in status and the store. Default `<car id>@<track id>`. */
  readonly name?: string
  /** Stamps frames from this clock's now at the start (sim time is added). Default a new HostClock. */
  readonly clock?: HostClock
}

export class SimulatorSource implements CanSource {
  readonly kind = 'simulator'
  readonly name: string
  readonly simulator: Simulator
  readonly stepper: SimulationStepper
  private readonly abort = new AbortController()
  private readonly counters = new SourceCounters()

  constructor(car: Car, track: Track, options: SimulatorSourceOptions = {}) {
    this.name = options.name ?? `${car.id}@${track.id}`
    const clock = options.clock ?? new HostClock()
    this.simulator = new Simulator(car, track, {...options, startUs: options.startUs ?? clock.nowUs()})
    this.stepper = new SimulationStepper(this.simulator, {...options, signal: this.abort.signal})
  }

  async *batches(): AsyncGenerator<FrameBatch> {
    try {
      for await (const step of this.stepper.steps()) {
        if (step.batch.length === 0) continue
        this.counters.count(step.batch.length)
        yield step.batch
      }
    } finally {
      this.counters.state = 'stopped'
    }
  }

  status(): SourceStatus {
    return this.counters.status(this)
  }

  async stop(): Promise<void> {
    this.abort.abort()
  }
}

/** The simulator as a CanSource (see SimulatorSource). */
export function createSimulatorSource(car: Car, track: Track, options: SimulatorSourceOptions = {}): SimulatorSource {
  return new SimulatorSource(car, track, options)
}
