/**
 * The simulator as a CanSource, for consumers that take any source (`serve --simulate`, ingest's
 * pipeline, tests): frame batches in real time (or faster), and a status like an adapter's.
 */
import type {Car} from '../car/model.js'
import type {FrameBatch} from '../can/frame.js'
import {FpsMeter} from '../source/fps-meter.js'
import {HostClock} from '../source/host-clock.js'
import type {CanSource, SourceStatus} from '../source/source.js'
import type {Track} from '../track/model.js'
import {Simulator, type SimulatorOptions} from './simulator.js'
import {SimulationStepper, type StepperOptions} from './stepper.js'

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
  private readonly meter = new FpsMeter()
  private framesTotal = 0
  private lastFrameMs: number | undefined
  private stopped = false

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
        this.framesTotal += step.batch.length
        this.meter.add(step.batch.length)
        this.lastFrameMs = performance.now()
        yield step.batch
      }
    } finally {
      this.stopped = true
    }
  }

  status(): SourceStatus {
    return {
      dropped: {},
      fps: this.meter.rate(),
      framesTotal: this.framesTotal,
      hints: [],
      kind: this.kind,
      lastFrameAgeS: this.lastFrameMs === undefined ? null : (performance.now() - this.lastFrameMs) / 1000,
      missedById: {},
      name: this.name,
      reconnects: 0,
      state: this.stopped ? 'stopped' : 'connected',
    }
  }

  async stop(): Promise<void> {
    this.abort.abort()
  }
}

/** The simulator as a CanSource (see SimulatorSource). */
export function createSimulatorSource(car: Car, track: Track, options: SimulatorSourceOptions = {}): SimulatorSource {
  return new SimulatorSource(car, track, options)
}
