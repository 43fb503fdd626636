import {openCar} from '../car/index.js'
import type {FirmwareFamily} from '../can/slcan/index.js'
import type {LogLevel} from '../config/index.js'
import type {SinkSpec} from '../live/index.js'
import {createLogger} from '../log.js'
import {parseDriverFaults} from '../sim/index.js'
import {openTrack} from '../track/index.js'
import {runSimulation, type SimulateSummary} from './run.js'

/** `pitwall simulate` in the command's words: one field a flag, each value already parsed by it (undefined: not given). */
export interface SimulateJobOptions {
  /** A car id, car YAML or bare .dbc. */
  readonly car: string
  /** A track id or track YAML. */
  readonly track: string
  readonly dataDir: string
  readonly logLevel?: LogLevel | undefined
  readonly sink: SinkSpec
  readonly seed: number
  /** Factor of real time; Infinity for `--speed max`. */
  readonly speed: number
  readonly firmware: FirmwareFamily
  readonly runSheet: Readonly<Record<string, string>>
  readonly signal: AbortSignal
  /** `--driver-fault` as written: parsed on the track, corners by number or name. */
  readonly driverFault?: string | undefined
  readonly dropRate?: number | undefined
  readonly durationMs?: number | undefined
  readonly fps?: number | undefined
  readonly garbageRate?: number | undefined
  readonly laps?: number | undefined
  /** Epoch µs of the first frame. Default now. */
  readonly startUs?: number | undefined
  readonly unplugAfterMs?: number | undefined
  readonly unplugForMs?: number | undefined
}

/** Opens the car and the track, reads the driver faults on that track, and runs the simulation. */
export async function runSimulateJob(o: SimulateJobOptions): Promise<SimulateSummary> {
  const log = createLogger({level: o.logLevel ?? 'info'}).child({module: 'simulate'})
  const car = await openCar(o.car, {dataDir: o.dataDir})
  const track = await openTrack(o.track, {dataDir: o.dataDir})
  return runSimulation({
    car,
    dataDir: o.dataDir,
    log,
    ...optional('driverFaults', o.driverFault === undefined ? undefined : parseDriverFaults(o.driverFault, track)),
    ...optional('dropRate', o.dropRate),
    ...optional('durationS', seconds(o.durationMs)),
    firmware: o.firmware,
    ...optional('fps', o.fps),
    ...optional('garbageRate', o.garbageRate),
    ...optional('laps', o.laps),
    onEvent: (message) => log.info(message),
    runSheet: o.runSheet,
    seed: o.seed,
    signal: o.signal,
    sink: o.sink,
    speed: o.speed,
    ...optional('startUs', o.startUs),
    track,
    ...optional('unplugAfterS', seconds(o.unplugAfterMs)),
    ...optional('unplugForS', seconds(o.unplugForMs)),
  })
}

function optional<K extends string, V>(key: K, value: V | undefined): {[P in K]?: V} {
  return (value === undefined ? {} : {[key]: value}) as {[P in K]?: V}
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000
}
