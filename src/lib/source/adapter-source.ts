/**
 * The slcan adapter sources of the registry (open-source.ts): a serial device (`--device`), a
 * descriptor opened by the caller (`--can-fd`), and slcan bytes on a stream (`--stdin
 * --input-format slcan`). Flags and a forced firmware are checked here, before anything opens.
 */
import type {Readable} from 'node:stream'

import type {Car} from '../car/model.js'
import {bitrateCommand, type FirmwareChoice} from '../can/slcan/index.js'
import {type BusSettings, requireBitrate, resolveBus} from './bus.js'
import {LinkGoneError, type LinkOpener, streamLink} from './byte-link.js'
import {type DescriptorOpenerOptions, descriptorOpener} from './descriptor.js'
import {cycleTimesById} from './missed-frames.js'
import {type SerialBinding, deviceOpener} from './serial-binding.js'
import {SlcanAdapterSource} from './slcan-source.js'
import type {SourceLog} from './source.js'

export type AdapterSpec =
  /** A serial slcan adapter (`--device /dev/ttyACM0`, a pty): reopened after an unplug. */
  | {readonly kind: 'device'; readonly path: string}
  /** `--can-fd N`: a tty, socket, pipe, file or usbfs node the caller opened (descriptor.ts). */
  | {readonly kind: 'descriptor'; readonly fd: number}
  /** slcan bytes on a stream (stdin): read-only, over at EOF. Name default `stdin`. */
  | {readonly kind: 'slcan-stream'; readonly stream: NodeJS.ReadableStream; readonly name?: string}

export interface AdapterContext {
  readonly car: Car
  /** Default: the car's bus section. */
  readonly bus?: BusSettings
  /** `--firmware`; default the car's `adapter.firmware`. */
  readonly firmware?: FirmwareChoice
  readonly log?: SourceLog
  readonly watchdogSilentMs?: number
  /** Longest wait for the answer to `V` (default 300 ms: a real adapter answers in a few). */
  readonly probeTimeoutMs?: number
  /** Tests swap the serial binding and what `fstat` says. */
  readonly serialBinding?: SerialBinding
  readonly descriptor?: DescriptorOpenerOptions
}

/** The slcan source for `spec`. @throws UsageError for a bitrate that is missing or the forced firmware lacks; UnavailableError for a descriptor it cannot read. */
export function adapterSource(spec: AdapterSpec, ctx: AdapterContext): SlcanAdapterSource {
  const {car} = ctx
  const bus = ctx.bus ?? resolveBus(car, {})
  const firmware = ctx.firmware ?? car.adapter.firmware
  let opener: LinkOpener
  let sends = true
  if (spec.kind === 'device') opener = deviceOpener(spec.path, car.adapter.serialBaud, ctx.serialBinding)
  else if (spec.kind === 'descriptor') {
    const descriptor = descriptorOpener(spec.fd, ctx.descriptor)
    sends = descriptor.info.kind !== 'fifo' && descriptor.info.kind !== 'file'
    opener = descriptor
  } else {
    opener = streamOpener(spec.stream, spec.name ?? 'stdin')
    sends = false
  }
  const bitrateBps = sends ? requireBitrate(car, bus) : (bus.bitrateBps ?? 0)
  // A forced family is checked now, so a rate it cannot do is a usage error before anything opens.
  if (sends && firmware !== 'auto') bitrateCommand(firmware, bitrateBps)
  return new SlcanAdapterSource({
    bitrateBps,
    cycleTimesUs: cycleTimesById(car),
    firmware,
    kind: spec.kind === 'slcan-stream' ? 'stdin' : 'adapter',
    listenOnly: bus.listenOnly,
    opener,
    timestamps: car.adapter.timestamps,
    ...(spec.kind === 'slcan-stream' ? {name: spec.name ?? 'stdin'} : {}),
    ...(ctx.log ? {log: ctx.log} : {}),
    ...(ctx.watchdogSilentMs === undefined ? {} : {watchdogSilentMs: ctx.watchdogSilentMs}),
    ...(ctx.probeTimeoutMs === undefined ? {} : {probeTimeoutMs: ctx.probeTimeoutMs}),
  })
}

/** slcan bytes on a stream: read-only (nothing can be sent), over at EOF, never reopened. */
function streamOpener(stream: NodeJS.ReadableStream, name: string): LinkOpener {
  let used = false
  return {
    describe: name,
    endsAtEof: true,
    async open(events) {
      if (used) throw new LinkGoneError(`${name} cannot be reopened`)
      used = true
      return streamLink(stream as Readable, undefined, events)
    },
    reopenable: false,
  }
}
