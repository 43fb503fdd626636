import type {FirmwareChoice} from '../can/slcan/index.js'
import type {DbcDatabase, DbcMessage, DbcSignal} from '../dbc/model.js'
import type {SourcePos} from '../findings.js'
import type {FormulaSpec, ParamValue} from '../formula/model.js'

/** What the car's bus looks like, and whether our adapter may take part in it. */
export interface BusSpec {
  /** Nominal bitrate in bit/s; undefined only for a bare DBC (then `--bitrate` is required). */
  readonly bitrateBps?: number
  /** CAN FD data-phase bitrate in bit/s. */
  readonly dataBitrateBps?: number
  readonly idWidth: 11 | 29 | 'mixed'
  readonly fd: boolean
  /**
   * true: the adapter stays silent (no ACK). false: the adapter acknowledges frames, which it
   * must when it is the only receiver on the bus, or the sender retransmits forever.
   */
  readonly listenOnly: boolean
}

export interface AdapterSpec {
  readonly protocol: 'slcan'
  /** USB-serial line speed; slcan CDC adapters ignore it but real UARTs do not. */
  readonly serialBaud: number
  /** `auto` probes with `V`; otherwise forces a firmware family. */
  readonly firmware: FirmwareChoice
  /** Ask the adapter for its millisecond timestamps (`Z1`) when its firmware has them. */
  readonly timestamps: boolean
}

/** A DBC signal in its message: where a channel's raw value comes from. */
export interface SignalRef {
  readonly message: DbcMessage
  readonly signal: DbcSignal
}

/** One formula application with its parameters bound, as a pipeline step or a derived channel. */
export interface FormulaUse {
  readonly formula: FormulaSpec
  readonly params: Readonly<Record<string, ParamValue>>
  /**
   * Channel names feeding the formula's inputs, in the formula's input order. For a pipeline
   * step the first is the value flowing through the pipeline and is written `undefined`.
   */
  readonly inputs: ReadonlyArray<string | undefined>
}

export type ChannelKind = 'signal' | 'pipeline' | 'derived' | 'method'

/**
 * A channel is a named value the app reads. `signal`: a DBC signal passed through untouched.
 * `pipeline`: one DBC signal (or another channel) through formula steps: renames, sign flips,
 * biases, unit twins. `derived`: a formula over several channels (combined g). `method`: a
 * derived channel driven by car data tables (gear from the ratio table).
 */
export interface Channel {
  readonly name: string
  readonly kind: ChannelKind
  readonly unit: string
  readonly description?: string
  /** Plausible physical range, for out-of-range counts. */
  readonly range?: readonly [number, number]
  /** `signal` and `pipeline`: the DBC signal the chain starts from, when it starts from one. */
  readonly source?: SignalRef
  /** `pipeline`: the channel the chain starts from, when it starts from another channel. */
  readonly fromChannel?: string
  /** `pipeline`: the steps in order; `derived`/`method`: exactly one. */
  readonly steps: readonly FormulaUse[]
  /** Channels this one reads, directly (for derived/method and chained pipelines). */
  readonly dependsOn: readonly string[]
  readonly pos: SourcePos
}

export interface Car {
  readonly id: string
  readonly name: string
  /** The file this car was loaded from (a YAML, or a bare DBC). */
  readonly file: string
  readonly dbc: DbcDatabase
  readonly bus: BusSpec
  readonly adapter: AdapterSpec
  /** Expected cycle time per message name, in ms (YAML `cycle_times` over DBC `GenMsgCycleTime`). */
  readonly cycleTimesMs: ReadonlyMap<string, number>
  /** Channels in evaluation order: every channel comes after the channels it depends on. */
  readonly channels: readonly Channel[]
  /** The `coaching:` section (rule thresholds, health limits), when the car file has one. */
  readonly coaching?: CoachingSpec
  /** Car-local formulas (the shared library is not repeated here). */
  readonly localFormulas: ReadonlyMap<string, FormulaSpec>
  /** The exact texts the car was built from and their SHA-256, so a decode is reproducible. */
  readonly yamlText?: string
  readonly contentHash: string
}

/** A health limit on one channel: the rule coach warns when the value leaves it. */
export interface ChannelLimit {
  readonly min?: number
  readonly max?: number
  /** Minimum as a function of rpm: [rpm, value] points, rpm ascending, linear between (oil pressure). */
  readonly minAtRpm?: ReadonlyArray<readonly [number, number]>
  /** What the driver hears it called ("water temp"). Default: from the channel name. */
  readonly label?: string
}

/** The vehicle figures the tyre-load estimate needs. */
export interface CoachingVehicle {
  readonly massKg?: number
  readonly cgHeightM?: number
  readonly trackM?: number
  readonly wheelbaseM?: number
}

/**
 * The car file's `coaching:` section, as written (defaults live with the rule coach, in
 * src/lib/coach/config.ts): the engine's rev figures, rule thresholds by name, health limits
 * by channel, and the vehicle figures for tyre loads.
 */
export interface CoachingSpec {
  readonly revLimitRpm?: number
  readonly shiftRpm?: number
  readonly shortShiftRpm?: number
  /** Rule thresholds by their YAML name (`brake_point_m`, …); the schema lists the names. */
  readonly thresholds: Readonly<Record<string, number>>
  /** Health limits by channel name. */
  readonly limits: ReadonlyMap<string, ChannelLimit>
  readonly vehicle: CoachingVehicle
}
