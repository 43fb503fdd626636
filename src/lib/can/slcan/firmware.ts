/**
 * What each slcan firmware family does, as data: the one place that knows that `S7` means 750k on
 * a stock CANable but 800k elsewhere, that `L` opens listen-only on a Lawicel-correct adapter but
 * starts bus-load reports on a CANable 2.5, and so on. Read from the firmware sources listed in
 * docs/slcan.md (normaldotcom canable-fw / canable2-fw `src/slcan.c`, Nakakiyo092/canable2-fw
 * `doc/1.-Command-List.md`, Elmue CANable 2.5 Slcan manual, can-utils `slcanpty.c`, Linux
 * `drivers/net/can/slcan/slcan-core.c`).
 */
import {UsageError} from '../../errors.js'

export const FIRMWARE_FAMILIES = ['canable-stock', 'lawicel', 'canable-2.5'] as const
export type FirmwareFamily = (typeof FIRMWARE_FAMILIES)[number]
/** What a user or a car file may name: a family, or `auto` (probe with `V`). */
export const FIRMWARE_CHOICES = ['auto', ...FIRMWARE_FAMILIES] as const
export type FirmwareChoice = (typeof FIRMWARE_CHOICES)[number]

/** How an adapter is put on the bus without ever transmitting (no ACK bits, no error frames). */
export type ListenOnlyMethod =
  /** `M1` before `O`: stock silent mode (`can_set_silent`, kept across `C`, so normal opens send `M0`). */
  | 'M1-then-O'
  /** `L` instead of `O` (Lawicel CAN232, Nakakiyo, python-can `listen_only`). */
  | 'L'
  /** `OS`, "open silent" (CANable 2.5; its `L` is a bus-load report, not listen-only). */
  | 'OS'

export interface FirmwareFacts {
  readonly family: FirmwareFamily
  /** Which firmware builds behave like this. */
  readonly covers: string
  /** `\r` = OK and BEL = error after each command. Stock firmware answers nothing. */
  readonly acknowledges: boolean
  /** What follows an accepted `t`/`T` transmit: `z\r`/`Z\r` (Lawicel), `\r` (2.5), nothing (stock). */
  readonly transmitAck: 'z' | 'cr' | 'none'
  readonly listenOnly: ListenOnlyMethod
  /** `Z1` appends a 4-hex-digit millisecond stamp (wrapping at 60000) to received frames. */
  readonly timestamps: boolean
  /** `F` answers `Fxx\r` status flags. Never send `F` to a 2.5: there it sets a filter. */
  readonly statusFlags: boolean
  /** Nominal bit rate (bit/s) → `S` command, in the order error messages list them. */
  readonly bitrates: ReadonlyMap<number, string>
}

/** `S` codes every family shares (Lawicel CAN232 S0..S8, except S7, which differs). */
const COMMON_BITRATES: readonly (readonly [number, string])[] = [
  [10_000, 'S0'],
  [20_000, 'S1'],
  [50_000, 'S2'],
  [100_000, 'S3'],
  [125_000, 'S4'],
  [250_000, 'S5'],
  [500_000, 'S6'],
  [1_000_000, 'S8'],
]

const table = (...extra: (readonly [number, string])[]): ReadonlyMap<number, string> =>
  new Map([...COMMON_BITRATES, ...extra].sort((a, b) => a[0] - b[0]))

/** The facts table, one row per family. */
export const FIRMWARE: Readonly<Record<FirmwareFamily, FirmwareFacts>> = {
  'canable-stock': {
    family: 'canable-stock',
    covers: 'normaldotcom canable-fw (CANable 1.x) and canable2-fw (CANable 2.0) as shipped',
    acknowledges: false,
    transmitAck: 'none',
    listenOnly: 'M1-then-O',
    timestamps: false,
    statusFlags: false,
    // S7 is 750k in can.c; S9 (83.3k) exists in canable2-fw only, 1.x ignores it.
    bitrates: table([750_000, 'S7'], [83_333, 'S9']),
  },
  lawicel: {
    family: 'lawicel',
    covers: 'Lawicel CAN232/CANUSB, Nakakiyo092/canable2-fw, can-utils slcanpty, Linux slcan',
    acknowledges: true,
    transmitAck: 'z',
    listenOnly: 'L',
    timestamps: true,
    statusFlags: true,
    bitrates: table([800_000, 'S7']),
  },
  'canable-2.5': {
    family: 'canable-2.5',
    covers: 'Elmue CANable 2.5 Slcan firmware',
    acknowledges: true,
    transmitAck: 'cr',
    listenOnly: 'OS',
    // the firmware says so in Slcan/control.c: Z is answered with BEL.
    timestamps: false,
    statusFlags: false,
    bitrates: table([800_000, 'S7'], [83_333, 'S9'], [75_000, 'SA'], [62_500, 'SB'], [33_333, 'SC'], [5_000, 'SD']),
  },
}

/** How close a requested rate must be to a table rate: 83300, 83333 and 83334 all mean `S9`. */
const BITRATE_TOLERANCE = 0.0005

/**
 * The `S` command (without `\r`) that runs `family` at `bitrateBps`.
 * @throws UsageError `PW_SLCAN_BITRATE` naming the rates the family can do.
 */
export function bitrateCommand(family: FirmwareFamily, bitrateBps: number): string {
  const {bitrates} = FIRMWARE[family]
  for (const [bps, command] of bitrates) {
    if (Math.abs(bps - bitrateBps) <= bps * BITRATE_TOLERANCE) return command
  }
  const rates = [...bitrates.keys()].map((bps) => formatBitrate(bps)).join(', ')
  throw new UsageError(`${family} slcan firmware cannot run the bus at ${formatBitrate(bitrateBps)}; it can do ${rates}`, {
    code: 'PW_SLCAN_BITRATE',
    suggestions: [`choose one of: ${rates}`, 'or flash firmware that supports this rate (see docs/slcan.md)'],
  })
}

/** `500000` → `500k`, `83333` → `83.333k`, `1000000` → `1M`. */
export function formatBitrate(bps: number): string {
  if (bps >= 1_000_000 && bps % 1_000_000 === 0) return `${bps / 1_000_000}M`
  if (bps >= 1000) return `${+(bps / 1000).toFixed(3)}k`
  return `${bps} bit/s`
}

/**
 * The family, from the adapter's answer to `V\r`: the text of the first reply line without its
 * terminator (a lone BEL as `'\x07'`), or `undefined` when nothing came back in the probe window.
 *
 * | reply | family |
 * |---|---|
 * | `+Board: MksMakerbase\tMCU: STM32G431\t…` (tab-separated `key: value` pairs) | `canable-2.5` |
 * | `V1013`, `VL2K1` (`V` + 4 characters), or a BEL | `lawicel` |
 * | `ba6b1dd https://github.com/normaldotcom/canable2-fw.git` (git version, remote) | `canable-stock` |
 * | nothing, or anything else | `canable-stock` |
 *
 * No answer is treated as stock on purpose: a Lawicel-correct adapter answers every command (at
 * least a BEL) and a 2.5 always answers `V`, so silence can only come from an adapter that
 * acknowledges nothing, which is the stock firmware with a lost or late reply. Stock commands are
 * also the better fallback for listen-only: `M1` then `O` is silent mode on a 2.5 as well. (On a
 * Lawicel adapter `M1` is an acceptance-code command and `O` opens in normal mode; that is why a
 * Lawicel reply, even a bare BEL, must never be mistaken for silence.)
 */
export function identifyFirmware(versionReply: string | undefined): FirmwareFamily {
  const reply = versionReply?.replace(/^[\r\n]+|[\r\n]+$/g, '')
  if (reply === undefined || reply === '') return 'canable-stock'
  if (reply.startsWith('+') && (reply.includes('\t') || reply.includes('Board:'))) return 'canable-2.5'
  if (reply === '\x07' || /^V[0-9A-Za-z]{4}$/.test(reply)) return 'lawicel'
  return 'canable-stock'
}
