/**
 * What `ingest` reads from, decided from its flags and the car: the bus settings (flags override
 * the car; a bare DBC has no bus, so `--bitrate` is required and listen-only is the default) and
 * the source for `--device`, `--can-fd`, or slcan on `--stdin`.
 */
import type {Car} from '../car/model.js'
import type {FirmwareFamily} from '../can/slcan/index.js'
import {bitrateCommand} from '../can/slcan/index.js'
import {UsageError} from '../errors.js'
import {
  type DescriptorOpenerOptions,
  LinkGoneError,
  type LinkOpener,
  type SerialBinding,
  SlcanAdapterSource,
  type SourceLog,
  cycleTimesById,
  descriptorOpener,
  deviceOpener,
  streamLink,
} from '../source/index.js'

export interface BusFlags {
  readonly bitrate?: number
  readonly listenOnly?: boolean
}

export interface BusSettings {
  /** Undefined only when nothing will be sent (a read-only input with a bare DBC). */
  readonly bitrateBps: number | undefined
  readonly listenOnly: boolean
}

/** Flags over the car. Listen-only: flag, else the car (a bare DBC car says true). */
export function resolveBus(car: Car, flags: BusFlags): BusSettings {
  return {bitrateBps: flags.bitrate ?? car.bus.bitrateBps, listenOnly: flags.listenOnly ?? car.bus.listenOnly}
}

/** The bitrate, for an input that will open an adapter. @throws UsageError `PW_BITRATE_REQUIRED` */
export function requireBitrate(car: Car, bus: BusSettings): number {
  if (bus.bitrateBps !== undefined) return bus.bitrateBps
  throw new UsageError(`${car.id} is a bare DBC with no bus section, so the adapter's bitrate is unknown: pass --bitrate`, {
    code: 'PW_BITRATE_REQUIRED',
    suggestions: ['--bitrate 500000 (or 500k, 1M): the car bus bitrate, in bit/s', 'or write a car YAML with a bus section (docs/cars.md)'],
  })
}

/** `500000`, `500k`, `1M`, `83.333k` → bit/s. @throws UsageError `PW_BAD_BITRATE` */
export function parseBitrate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kM]?)$/.exec(text.trim())
  const value = m ? Math.round(Number(m[1]) * (m[2] === 'M' ? 1e6 : m[2] === 'k' ? 1e3 : 1)) : Number.NaN
  if (!(value > 0)) throw new UsageError(`--bitrate ${text}: expected bit/s like 500000, 500k or 1M`, {code: 'PW_BAD_BITRATE'})
  return value
}

export interface AdapterInputOptions {
  readonly car: Car
  readonly bus: BusSettings
  /** `--firmware`, else the car's `adapter.firmware`. */
  readonly firmware?: 'auto' | FirmwareFamily
  readonly log?: SourceLog
  readonly watchdogSilentMs?: number
  /** Longest wait for the answer to `V` (default 300 ms: a real adapter answers in a few). */
  readonly probeTimeoutMs?: number
  readonly serialBinding?: SerialBinding
  readonly descriptor?: DescriptorOpenerOptions
}

export type AdapterInput = {readonly device: string} | {readonly fd: number} | {readonly stdin: NodeJS.ReadableStream}

/** Builds the slcan source for `--device`, `--can-fd` or `--stdin --input-format slcan`. */
export function adapterSource(input: AdapterInput, options: AdapterInputOptions): SlcanAdapterSource {
  const {car, bus} = options
  const firmware = options.firmware ?? car.adapter.firmware
  let opener: LinkOpener
  let kind = 'adapter'
  if ('device' in input) opener = deviceOpener(input.device, car.adapter.serialBaud, options.serialBinding)
  else if ('fd' in input) opener = descriptorOpener(input.fd, options.descriptor)
  else {
    opener = stdinOpener(input.stdin)
    kind = 'stdin'
  }
  const sends = 'device' in input || ('fd' in input && (opener as ReturnType<typeof descriptorOpener>).info.kind !== 'fifo' && (opener as ReturnType<typeof descriptorOpener>).info.kind !== 'file')
  const bitrateBps = sends ? requireBitrate(car, bus) : (bus.bitrateBps ?? 0)
  // A forced family is checked now, so a rate it cannot do is a usage error before anything opens.
  if (sends && firmware !== 'auto') bitrateCommand(firmware, bitrateBps)
  return new SlcanAdapterSource({
    bitrateBps,
    cycleTimesUs: cycleTimesById(car),
    firmware,
    kind,
    listenOnly: bus.listenOnly,
    opener,
    timestamps: car.adapter.timestamps,
    ...('stdin' in input ? {name: 'stdin'} : {}),
    ...(options.log ? {log: options.log} : {}),
    ...(options.watchdogSilentMs === undefined ? {} : {watchdogSilentMs: options.watchdogSilentMs}),
    ...(options.probeTimeoutMs === undefined ? {} : {probeTimeoutMs: options.probeTimeoutMs}),
  })
}

/** slcan bytes on stdin: read-only (nothing can be sent), over at EOF. */
function stdinOpener(stdin: NodeJS.ReadableStream): LinkOpener {
  let used = false
  return {
    describe: 'stdin',
    endsAtEof: true,
    async open(events) {
      if (used) throw new LinkGoneError('stdin cannot be reopened')
      used = true
      return streamLink(stdin as unknown as import('node:stream').Readable, undefined, events)
    },
    reopenable: false,
  }
}
