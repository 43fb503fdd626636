/**
 * Every slcan line that is not a received frame: command replies, status, version strings and
 * the Linux kernel's error/state extensions. Rare next to frames, so plain objects are fine here.
 */
import {HEX_VALUE, asciiText, readHex} from './ascii.js'

/** Lawicel CAN232 `Fxx` status bits (Nakakiyo clears them on read). Bit 4 is unused. */
export const STATUS_FLAGS = {
  rxFifoFull: 0x01,
  txFifoFull: 0x02,
  errorWarning: 0x04,
  dataOverrun: 0x08,
  errorPassive: 0x20,
  arbitrationLost: 0x40,
  busError: 0x80,
} as const
export type StatusFlagName = keyof typeof STATUS_FLAGS

/** The names of the bits set in an `Fxx` value. */
export function statusFlagNames(flags: number): StatusFlagName[] {
  return (Object.keys(STATUS_FLAGS) as StatusFlagName[]).filter((name) => (flags & STATUS_FLAGS[name]) !== 0)
}

/** Linux slcan `e` line codes (slcan-core.c `slcan_bump_err`). */
export const BUS_ERROR_CODES: Readonly<Record<string, string>> = {
  a: 'ack',
  b: 'bit0',
  B: 'bit1',
  c: 'crc',
  f: 'form',
  o: 'rx-overrun',
  O: 'tx-overrun',
  s: 'stuff',
}

/** Linux slcan `s` line states (slcan-core.c `slcan_bump_state`). */
const BUS_STATES = {a: 'active', w: 'warning', p: 'passive', b: 'bus-off'} as const
export type BusState = (typeof BUS_STATES)[keyof typeof BUS_STATES]

/** What the parser reports besides frames (through `onEvent`; each also has a counter). */
export type SlcanEvent =
  /** A bare `\r`: Lawicel "OK". */
  | {readonly kind: 'ack'}
  /** A BEL: Lawicel "error" (a rejected command). */
  | {readonly kind: 'nack'}
  /** `z\r` / `Z\r`: a `t`/`T` transmit was queued (Lawicel, Nakakiyo). */
  | {readonly kind: 'tx-ack'; readonly extended: boolean}
  /** `F24\r`: status flags, see STATUS_FLAGS. */
  | {readonly kind: 'status'; readonly flags: number}
  /** `V1013\r`, `VL2K1\r`, `+Board: …\t…\r`: a version reply. */
  | {readonly kind: 'version'; readonly text: string}
  /** `NA123\r`: a serial-number reply. */
  | {readonly kind: 'serial'; readonly text: string}
  /** Kernel `e2ac\r`: bus errors, as BUS_ERROR_CODES names. */
  | {readonly kind: 'bus-error'; readonly errors: readonly string[]}
  /** Kernel `sp130000\r`: error state and counters. */
  | {readonly kind: 'bus-state'; readonly state: BusState; readonly rxErrors: number; readonly txErrors: number}
  /** canable2-fw `E`: `CANable Error Register: 4` (sent without a `\r`). */
  | {readonly kind: 'error-register'; readonly value: number}
  /** Human text: the stock `V` reply (`ba6b1dd https://…/canable2-fw.git`), 2.5 `#`/`+`/`>` lines. */
  | {readonly kind: 'text'; readonly text: string}
  /** A line we skipped; `text` is its start (at most 48 characters). */
  | {readonly kind: 'bad-line'; readonly reason: 'malformed' | 'overlong' | 'partial'; readonly text: string}

/** The stock canable2-fw `E` reply prefix. */
export const ERROR_REGISTER_PREFIX = 'CANable Error Register: '

const SPACE = 0x20
const TAB = 0x09

/**
 * The event for a non-frame line `line[start, end)` (not empty, no terminator), or undefined
 * when it is not a reply we know. The `CANable Error Register` reply is not handled here: it
 * has no terminator, so the parser has to split the next line off it.
 */
export function classifyReply(line: Uint8Array, start: number, end: number): SlcanEvent | undefined {
  const length = end - start
  const first = line[start]!
  // z / Z: transmit queued
  if (length === 1 && (first === 0x7a || first === 0x5a)) return {extended: first === 0x5a, kind: 'tx-ack'}
  // F24: status flags
  if (first === 0x46 && length === 3) {
    const flags = readHex(line, start + 1, 2)
    if (flags >= 0) return {flags, kind: 'status'}
  }
  // V1013 (Lawicel hh ss; Nakakiyo VL2K1 uses letters too) and NA123
  if ((first === 0x56 || first === 0x4e) && length === 5 && alphanumeric(line, start + 1, end)) {
    return {kind: first === 0x56 ? 'version' : 'serial', text: asciiText(line, start, end)}
  }
  // e2ac: kernel bus errors, a count digit then that many codes
  if (first === 0x65 && length >= 2) {
    const count = line[start + 1]! - 0x30
    if (count >= 0 && count <= 8 && length === 2 + count) {
      const errors: string[] = []
      for (let i = start + 2; i < end; i++) {
        const name = BUS_ERROR_CODES[String.fromCharCode(line[i]!)]
        if (name === undefined) return undefined
        errors.push(name)
      }
      return {errors, kind: 'bus-error'}
    }
  }
  // sp130000: kernel state letter, 3 decimal digits rx errors, 3 tx errors
  if (first === 0x73 && length === 8) {
    const state = BUS_STATES[String.fromCharCode(line[start + 1]!) as keyof typeof BUS_STATES]
    const rxErrors = decimal(line, start + 2, start + 5)
    const txErrors = decimal(line, start + 5, end)
    if (state !== undefined && rxErrors >= 0 && txErrors >= 0) return {kind: 'bus-state', rxErrors, state, txErrors}
  }
  // Everything below is text; line noise (control or 8-bit bytes) is not.
  if (!printable(line, start, end)) return undefined
  // +Board: …\tMCU: …: the CANable 2.5 V reply
  if (first === 0x2b && contains(line, start, end, TAB)) return {kind: 'version', text: asciiText(line, start, end)}
  // #, +, >: CANable 2.5 feedback, responses and debug messages; anything with a space is prose
  if (first === 0x23 || first === 0x2b || first === 0x3e || contains(line, start, end, SPACE)) {
    return {kind: 'text', text: asciiText(line, start, end)}
  }
  return undefined
}

/** Where the hex digits of a `CANable Error Register: X` reply end, or -1 if the line is not one. */
export function errorRegisterDigitsEnd(line: Uint8Array, start: number, end: number): number {
  const prefixEnd = start + ERROR_REGISTER_PREFIX.length
  if (prefixEnd >= end) return -1
  for (let i = 0; i < ERROR_REGISTER_PREFIX.length; i++) {
    if (line[start + i] !== ERROR_REGISTER_PREFIX.charCodeAt(i)) return -1
  }
  let i = prefixEnd
  while (i < end && HEX_VALUE[line[i]!]! >= 0) i++
  return i > prefixEnd ? i : -1
}

function alphanumeric(line: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = line[i]!
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false
  }
  return true
}

/** Printable ASCII or tab only. */
function printable(line: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = line[i]!
    if ((c < 0x20 && c !== TAB) || c > 0x7e) return false
  }
  return true
}

function decimal(line: Uint8Array, start: number, end: number): number {
  let value = 0
  for (let i = start; i < end; i++) {
    const digit = line[i]! - 0x30
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

function contains(line: Uint8Array, start: number, end: number, byte: number): boolean {
  for (let i = start; i < end; i++) if (line[i] === byte) return true
  return false
}
