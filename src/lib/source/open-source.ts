/**
 * Every live source, built from one spec by one factory: `serve` and `ingest` say what they want
 * (`{kind: 'device', path}`, `{kind: 'log', input, paced}`, …) and get a running-ready source:
 * frames (adapters, a log, the simulator), samples (UDP points) or, for the Termux supervisor, a
 * status only (its adapter's frames come through the bridge's frame route). A spec that cannot
 * work is a `UsageError` (`PW_SOURCE_SPEC`) before anything opens.
 */
import type {Car} from '../car/model.js'
import type {FirmwareChoice} from '../can/slcan/index.js'
import {UsageError} from '../errors.js'
import type {Track} from '../track/model.js'
import {type AdapterSpec, adapterSource} from './adapter-source.js'
import type {BusSettings} from './bus.js'
import type {DescriptorOpenerOptions} from './descriptor.js'
import {LogSource, type LogSourceOptions} from './log-source.js'
import type {SerialBinding} from './serial-binding.js'
import {SimulatorSource, type SimulatorSourceOptions} from './simulator-source.js'
import type {SlcanAdapterSource} from './slcan-source.js'
import type {SourceLog, SourceLogger, SourceStatus, StatusOnlySource} from './source.js'
import {TermuxUsbSupervisor} from './termux-usb-supervisor.js'
import {UdpPointSource} from './udp-points.js'

/** A recorded log: `serve --replay` (paced, re-stamped, looped) or `ingest --stdin` (stamps kept). */
export interface LogSpec extends LogSourceOptions {
  readonly kind: 'log'
}

/** The built-in simulator on `track` (`serve --simulate`). */
export interface SimulatorSpec extends SimulatorSourceOptions {
  readonly kind: 'simulator'
  readonly track: Track
}

/** JSON telemetry points on UDP (`--udp PORT`, bound to 127.0.0.1 unless `host` says otherwise). */
export interface UdpSpec {
  readonly kind: 'udp'
  readonly port: number
  readonly host?: string
}

/** What the bridge's frame route counted from the supervisor's callback. */
export type ForwardedStatus = Pick<SourceStatus, 'dropped' | 'fps' | 'framesTotal' | 'lastFrameAgeS' | 'missedById'>

/** Termux: supervise `termux-usb` for `device` (`auto`: the first listed), which runs `callback`. */
export interface TermuxUsbSpec {
  readonly kind: 'termux-usb'
  readonly device: string
  /** The callback's words, ending in `--can-fd` (see pitwallCallback). */
  readonly callback: readonly string[]
  /** The termux-usb executable. Default `termux-usb` on PATH. */
  readonly termuxUsb?: string
  /** Each line the callback writes (its logs). */
  readonly onCallbackLine?: (line: string) => void
  /** The frames its callback forwarded, counted where they arrive: merged into the status. */
  readonly forwarded: () => ForwardedStatus
}

export type SourceSpec = AdapterSpec | LogSpec | SimulatorSpec | UdpSpec | TermuxUsbSpec

/** What every source is built with. */
export interface SourceContext {
  readonly car: Car
  /** The adapter's bus. Default: the car's bus section. */
  readonly bus?: BusSettings
  /** `--firmware`. Default: the car's `adapter.firmware`. */
  readonly firmware?: FirmwareChoice
  /** Each source logs to a child of it, named after the source. */
  readonly log?: SourceLogger
  readonly watchdogSilentMs?: number
  readonly probeTimeoutMs?: number
  readonly serialBinding?: SerialBinding
  readonly descriptor?: DescriptorOpenerOptions
}

/** What each kind of spec opens. */
export interface OpenedSources {
  readonly device: {readonly frames: SlcanAdapterSource}
  readonly descriptor: {readonly frames: SlcanAdapterSource}
  readonly 'slcan-stream': {readonly frames: SlcanAdapterSource}
  readonly log: {readonly frames: LogSource}
  readonly simulator: {readonly frames: SimulatorSource}
  readonly udp: {readonly points: UdpPointSource}
  readonly 'termux-usb': {readonly statusOnly: StatusOnlySource}
}

export type OpenedSource = OpenedSources[SourceSpec['kind']]

/**
 * Builds the source `spec` describes. Nothing is read until its `batches()` is iterated, except
 * the Termux supervisor, which starts at once. @throws UsageError `PW_SOURCE_SPEC` for a spec that
 * cannot work, and what the adapter kinds throw (a missing bitrate, an unreadable descriptor).
 */
export function openSource<S extends SourceSpec>(spec: S, ctx: SourceContext): OpenedSources[S['kind']] {
  checkSpec(spec)
  return build(spec, ctx) as OpenedSources[S['kind']]
}

function build(spec: SourceSpec, ctx: SourceContext): OpenedSource {
  switch (spec.kind) {
    case 'device':
    case 'descriptor':
    case 'slcan-stream': {
      const log = childLog(ctx, spec.kind === 'device' ? spec.path : spec.kind === 'descriptor' ? `fd ${spec.fd}` : (spec.name ?? 'stdin'))
      return {frames: adapterSource(spec, {...ctx, ...(log ? {log} : {})})}
    }
    case 'log':
      return {frames: new LogSource(spec)}
    case 'simulator':
      return {frames: new SimulatorSource(ctx.car, spec.track, spec)}
    case 'udp':
      return {points: new UdpPointSource({car: ctx.car, port: spec.port, ...(spec.host ? {host: spec.host} : {})})}
    case 'termux-usb':
      return {statusOnly: termuxUsbSource(spec, childLog(ctx, 'termux-usb'))}
  }
}

/** The supervisor as a source: its state and hints, and the frames its callback forwarded. */
function termuxUsbSource(spec: TermuxUsbSpec, log: SourceLog | undefined): StatusOnlySource {
  const supervisor = new TermuxUsbSupervisor({
    callback: spec.callback,
    ...(spec.device === 'auto' ? {} : {device: spec.device}),
    ...(spec.termuxUsb ? {termuxUsb: spec.termuxUsb} : {}),
    ...(log ? {log} : {}),
    ...(spec.onCallbackLine ? {onCallbackLine: spec.onCallbackLine} : {}),
  })
  supervisor.start()
  return {
    kind: 'termux-usb',
    name: spec.device,
    status: () => {
      const st = supervisor.status()
      return {...spec.forwarded(), hints: [...st.hints], kind: 'termux-usb', name: st.device ?? spec.device, reconnects: Math.max(0, st.runs - 1), state: st.state}
    },
    stop: () => supervisor.stop(),
  }
}

function childLog(ctx: SourceContext, source: string): SourceLog | undefined {
  return ctx.log?.child({source})
}

/** @throws UsageError `PW_SOURCE_SPEC` */
function checkSpec(spec: SourceSpec): void {
  const bad = problemOf(spec)
  if (bad !== undefined) throw new UsageError(`cannot open a source from ${describeSpec(spec)}: ${bad}`, {code: 'PW_SOURCE_SPEC'})
}

function problemOf(spec: SourceSpec): string | undefined {
  switch (spec.kind) {
    case 'device':
      return spec.path === '' ? 'the device path is empty' : undefined
    case 'descriptor':
      return Number.isInteger(spec.fd) && spec.fd >= 0 ? undefined : `${spec.fd} is not a descriptor number`
    case 'slcan-stream':
      return undefined
    case 'log':
      if (spec.input === '') return 'the log path is empty'
      if (spec.loop && typeof spec.input !== 'string') return 'a stream cannot be looped: it can be read only once'
      return spec.paced && !(spec.paced.speed > 0) ? `speed must be > 0, not ${spec.paced.speed}` : undefined
    case 'simulator':
      return undefined
    case 'udp':
      return Number.isInteger(spec.port) && spec.port >= 0 && spec.port <= 65_535 ? undefined : `port ${spec.port} is not 0 to 65535`
    case 'termux-usb':
      return spec.device === '' ? 'the USB device is empty (a path, or auto)' : undefined
    default:
      return `unknown kind ${JSON.stringify((spec as {kind?: unknown}).kind)}: one of device, descriptor, slcan-stream, log, simulator, udp, termux-usb`
  }
}

function describeSpec(spec: SourceSpec): string {
  const {kind} = spec as {kind?: unknown}
  return typeof kind === 'string' ? `a ${kind} spec` : 'a spec without a kind'
}
