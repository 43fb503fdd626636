/**
 * What the host sends: the probe, the open and close sequences per firmware family, and transmit
 * commands. Each command is a string ending in `\r`. The host never waits for acknowledgements by
 * default (stock firmware sends none); the parser counts whatever comes back.
 */
import type {FrameInit} from '../frame.js'
import {FIRMWARE, type FirmwareFamily, bitrateCommand} from './firmware.js'
import {formatFrameLine} from './frame-line.js'
import type {SlcanEvent} from './reply-line.js'

/**
 * Sent before anything else: `C` stops a half-open adapter streaming frames (so the reply to `V`
 * is not buried in them) and `V` asks for the version line `identifyFirmware` reads.
 * The CANable 2.5 manual prescribes the same start; a closed Lawicel adapter answers the `C`
 * with a BEL, which is harmless.
 */
export const PROBE_SEQUENCE: readonly string[] = ['C\r', 'V\r']

/**
 * The text `identifyFirmware` wants, if `event` can be the answer to the probe's `V`: a version
 * line (`V1013`, `+Board: …`) or prose (the stock `<git version> <git remote>`). The probe's `C`
 * answers at most an ack or a BEL, so the first such event after sending PROBE_SEQUENCE is it.
 */
export function versionReplyOf(event: SlcanEvent): string | undefined {
  return event.kind === 'version' || event.kind === 'text' ? event.text : undefined
}

export interface OpenOptions {
  /** Nominal bit rate, bit/s; must be in the family's table (see FIRMWARE). */
  readonly bitrateBps: number
  /** Never transmit: no ACK bits, no error frames (a bus we only watch). */
  readonly listenOnly: boolean
  /** Ask for adapter timestamps (`Z1`) where the family has them; ignored elsewhere. */
  readonly timestamps: boolean
}

/**
 * The commands that bring `family` onto the bus, in order:
 *
 * | family | normal | listen-only |
 * |---|---|---|
 * | canable-stock | `C` `Sn` `M0` `O` | `C` `Sn` `M1` `O` |
 * | lawicel | `C` `Sn` `Z0`/`Z1` `O` | `C` `Sn` `Z0`/`Z1` `L` |
 * | canable-2.5 | `C` `Sn` `O` | `C` `Sn` `OS` |
 *
 * Why: `C` first recovers an adapter left open (stock ignores `S` and `M` while open). Stock keeps
 * its silent mode across `C` (`can_set_silent` only writes `Init.Mode`), so a normal open sends
 * `M0` explicitly or a previous listen-only session would leave it mute. Lawicel only accepts `Z`
 * while closed and may keep it, so it is always set, before `O`/`L`. A 2.5 resets every mode on
 * `C`, and its `L` is a bus-load report, so listen-only is `OS` (open silent).
 * @throws UsageError `PW_SLCAN_BITRATE` when the family cannot do `bitrateBps`.
 */
export function openSequence(family: FirmwareFamily, options: OpenOptions): string[] {
  const bitrate = `${bitrateCommand(family, options.bitrateBps)}\r`
  const facts = FIRMWARE[family]
  switch (facts.listenOnly) {
    case 'M1-then-O':
      return ['C\r', bitrate, options.listenOnly ? 'M1\r' : 'M0\r', 'O\r']
    case 'L':
      return ['C\r', bitrate, options.timestamps && facts.timestamps ? 'Z1\r' : 'Z0\r', options.listenOnly ? 'L\r' : 'O\r']
    case 'OS':
      return ['C\r', bitrate, options.listenOnly ? 'OS\r' : 'O\r']
  }
}

/** The commands that take `family` off the bus: `C` for every family. */
export function closeSequence(_family: FirmwareFamily): string[] {
  return ['C\r']
}

/**
 * The command that transmits `frame` (`t4208…\r`, `T…`, `r…`, `d…`/`b…` for FD). Only for an
 * adapter opened in normal mode; a listen-only adapter rejects or drops it.
 */
export function transmitCommand(frame: FrameInit): string {
  return formatFrameLine(frame)
}
