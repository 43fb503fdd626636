/**
 * `pitwall simulate` as a library call: a simulator, a sink from the `--to` grammar, a stepper
 * pacing one into the other, fault injection, and a summary. The command only parses flags.
 */
import type {Car} from '../car/index.js'
import type {FirmwareFamily} from '../can/slcan/index.js'
import {UsageError} from '../errors.js'
import {FILE_SINKS, type SinkSpec} from '../live/index.js'
import {createLogger, type Logger} from '../log.js'
import {type DriverFault, driverFaultLabel, SimulationStepper, Simulator, type SimulatorStats} from '../sim/index.js'
import {HostClock} from '../source/index.js'
import type {Track} from '../track/index.js'
import {CandumpSink} from './sinks/candump-sink.js'
import {GarbageInjector} from './sinks/garbage.js'
import {LiveSink} from './sinks/live-sink.js'
import type {SimSink, SinkStats} from './sinks/sink.js'
import {SlcanSink} from './sinks/slcan-sink.js'
import {SocatPty} from './sinks/socat-pty.js'
import {UdpSink} from './sinks/udp-sink.js'

export interface SimulateOptions {
  readonly car: Car
  readonly track: Track
  readonly sink: SinkSpec
  readonly dataDir: string
  readonly seed: number
  /** Frames per second (UDP: points per second). Default the car's nominal rate (UDP: 20). */
  readonly fps?: number
  /** Factor of real time; Infinity (`--speed max`) for file sinks only. Default 1. */
  readonly speed?: number
  readonly laps?: number
  readonly durationS?: number
  readonly dropRate?: number
  readonly garbageRate?: number
  readonly unplugAfterS?: number
  readonly unplugForS?: number
  /** The firmware the emulated adapter runs (slcan sinks). Default canable-stock. */
  readonly firmware?: FirmwareFamily
  /** Epoch µs of sim time 0. Default now. */
  readonly startUs?: number
  readonly runSheet?: Readonly<Record<string, string>>
  /** Mistakes the driver makes (`--driver-fault`). */
  readonly driverFaults?: readonly DriverFault[]
  readonly signal?: AbortSignal
  /** Human-readable events (adapter unplugged, lap stored, store trouble), for stderr. */
  readonly onEvent?: (message: string) => void
  /** stdout, for `--to stdout` (tests pass their own). */
  readonly stdout?: NodeJS.WritableStream
  /** The JSON log of the store or forwarder behind `--to db`/`bridge`. Default: pino to stderr at warn. */
  readonly log?: Logger
}

export interface SimulateSummary {
  readonly car: string
  readonly track: string
  readonly seed: number
  readonly to: string
  readonly fps: number
  readonly nominalFps: number
  readonly startUs: number
  /** Sim time covered, seconds. */
  readonly simulatedS: number
  readonly wallMs: number
  readonly stoppedBy: 'laps' | 'duration' | 'signal' | 'output_closed'
  /** Frames the simulated car generated, emitted, and dropped by `--drop-rate`. */
  readonly frames: SimulatorStats
  readonly sink: SinkStats
  /** Laps the simulator drove to completion (its own timing: start/finish crossings of the model). */
  readonly laps: ReadonlyArray<{readonly lap: number; readonly timeMs: number}>
  /** The driver faults, where and when (`late-brake at T1 (Hairpin) on lap 3`). */
  readonly driverFaults: readonly string[]
}

/** Checks the flag combinations before anything is opened. */
export function checkSimulateOptions(o: Omit<SimulateOptions, 'car' | 'track'>): void {
  const usage = (message: string, suggestions: string[] = []): UsageError => new UsageError(message, {code: 'PW_SIM_USAGE', suggestions})
  const speed = o.speed ?? 1
  if (speed === Number.POSITIVE_INFINITY) {
    if (!FILE_SINKS.has(o.sink.kind)) throw usage(`--speed max only for file sinks (stdout, candump:FILE, db, bridge): a ${o.sink.kind} reader lives in real time`, ['--speed 1', '--speed 10'])
    if (o.laps === undefined && o.durationS === undefined) throw usage('--speed max needs --laps or --duration: it would never end', ['--laps 3', '--duration 10m'])
  }
  for (const [flag, rate] of [['--drop-rate', o.dropRate], ['--garbage-rate', o.garbageRate]] as const) {
    if (rate !== undefined && !(rate >= 0 && rate < 1)) throw usage(`${flag} ${rate}: give a share from 0 to below 1, e.g. 0.01`)
  }
  if ((o.garbageRate ?? 0) > 0 && (o.sink.kind === 'db' || o.sink.kind === 'bridge')) throw usage(`--garbage-rate needs a byte stream to corrupt: not with --to ${o.sink.kind}`)
  if ((o.unplugAfterS === undefined) !== (o.unplugForS === undefined)) throw usage('--unplug-after and --unplug-for go together', ['--unplug-after 5s --unplug-for 5s'])
  if (o.unplugAfterS !== undefined && o.sink.kind !== 'slcan-pty') throw usage('--unplug-after needs --to slcan:pty:LINK: only a pty the simulator made can be unplugged')
  if (o.fps !== undefined && !(o.fps > 0 && o.fps <= 1_000_000)) throw usage(`--fps ${o.fps}: give a rate from 1 to 1000000`)
  if (o.laps !== undefined && !(Number.isInteger(o.laps) && o.laps > 0)) throw usage(`--laps ${o.laps}: give a whole number of laps, 1 or more`)
}

export async function runSimulation(options: SimulateOptions): Promise<SimulateSummary> {
  checkSimulateOptions(options)
  const started = performance.now()
  const {car, track} = options
  const udp = options.sink.kind === 'udp'
  const simulator = new Simulator(car, track, {
    dropRate: udp ? 0 : (options.dropRate ?? 0),
    ...(options.driverFaults ? {driverFaults: options.driverFaults} : {}),
    ...(options.fps !== undefined && !udp ? {fps: options.fps} : {}),
    seed: options.seed,
    // Host-stamped like an adapter without timestamps: one monotonic anchor, sim time added.
    startUs: options.startUs ?? new HostClock().nowUs(),
  })
  const sink = makeSink(simulator, options)
  await sink.open()
  const stepper = new SimulationStepper(simulator, {
    ...(options.laps === undefined ? {} : {laps: options.laps}),
    ...(options.durationS === undefined ? {} : {durationS: options.durationS}),
    ...(options.signal ? {signal: options.signal} : {}),
    speed: options.speed ?? 1,
    // An adapter hands frames over within a millisecond or two: small steps keep host-stamped
    // frames near their cycle slots (a reader's missed-frame estimate depends on that).
    ...(options.sink.kind === 'slcan' || options.sink.kind === 'slcan-pty' ? {stepS: 0.005} : {}),
  })
  let outputClosed = false
  try {
    for await (const step of stepper.steps()) await sink.write(step.batch, step.fromS, step.toS)
  } catch (error) {
    // A reader that went away (`simulate | head`) ends the run; it is not a failure.
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error
    outputClosed = true
  } finally {
    await sink.close(stepper.endedBy === 'signal' ? 'shutdown' : 'sources_stopped').catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error
    })
  }
  const laps: Array<{lap: number; timeMs: number}> = []
  for (let k = 1; simulator.crossingS(k) <= stepper.nowS; k++) {
    laps.push({lap: k, timeMs: Math.round((simulator.crossingS(k) - simulator.crossingS(k - 1)) * 1000)})
  }
  return {
    car: car.id,
    driverFaults: (options.driverFaults ?? []).map((f) => describeFault(f, track)),
    fps: udp ? (sink as UdpSink).pointsPerS : simulator.fps,
    frames: {...simulator.stats, droppedById: {...simulator.stats.droppedById}},
    laps,
    nominalFps: simulator.nominalFps,
    seed: options.seed,
    simulatedS: Number(stepper.nowS.toFixed(6)),
    sink: sink.stats(),
    startUs: simulator.startUs,
    stoppedBy: outputClosed ? 'output_closed' : (stepper.endedBy ?? 'signal'),
    to: sink instanceof LiveSink ? sink.target : describeSpec(options.sink),
    track: track.id,
    wallMs: Math.round(performance.now() - started),
  }
}

function makeSink(simulator: Simulator, o: SimulateOptions): SimSink {
  const garbage = new GarbageInjector(o.garbageRate ?? 0, o.seed)
  const spec = o.sink
  switch (spec.kind) {
    case 'stdout':
      return new CandumpSink(o.stdout ?? process.stdout, garbage)
    case 'candump':
      return new CandumpSink(spec.path, garbage)
    case 'udp':
      return new UdpSink(simulator, {host: spec.host, port: spec.port, ...(o.fps ? {pointsPerS: o.fps} : {}), ...(o.dropRate ? {dropRate: o.dropRate} : {})}, garbage)
    case 'db':
    case 'bridge':
      return new LiveSink({
        car: o.car,
        dataDir: o.dataDir,
        log: o.log ?? createLogger({level: 'warn'}),
        ...(o.onEvent ? {onMessage: o.onEvent} : {}),
        onLap: (lap) => o.onEvent?.(`lap ${lap.lap}: ${lap.lapTimeMs === null ? 'open' : `${(lap.lapTimeMs / 1000).toFixed(3)} s`}${lap.valid ? '' : ` (invalid: ${lap.invalidReason})`}`),
        ...(o.runSheet ? {runSheet: o.runSheet} : {}),
        ...(o.signal ? {signal: o.signal} : {}),
        sourceName: `simulator:${o.track.id}:seed${o.seed}`,
        to: spec.kind === 'bridge' ? 'bridge' : 'auto',
        track: o.track,
        ...(spec.kind === 'bridge' && spec.url ? {url: spec.url} : {}),
      })
    case 'slcan':
    case 'slcan-pty':
      return new SlcanSink({
        family: o.firmware ?? 'canable-stock',
        garbage,
        ...(o.onEvent ? {onEvent: o.onEvent} : {}),
        startUs: simulator.startUs,
        target: spec.kind === 'slcan' ? {path: spec.path} : {pty: new SocatPty(spec.link)},
        ...(o.unplugAfterS === undefined ? {} : {unplugAtS: o.unplugAfterS, unplugForS: o.unplugForS ?? 0}),
      })
  }
}

function describeFault(f: DriverFault, track: Track): string {
  const where = f.corner === undefined ? '' : ` at ${driverFaultLabel(track, f.corner)}`
  return `${f.kind}${where} ${f.lap === undefined ? 'on every lap' : `on lap ${f.lap}`}`
}

function describeSpec(spec: SinkSpec): string {
  switch (spec.kind) {
    case 'candump':
      return `candump:${spec.path}`
    case 'slcan':
      return `slcan:${spec.path}`
    case 'slcan-pty':
      return `slcan:pty:${spec.link}`
    case 'udp':
      return `udp://${spec.host}:${spec.port}`
    case 'bridge':
      return spec.url ? `bridge:${spec.url}` : 'bridge'
    default:
      return spec.kind
  }
}
