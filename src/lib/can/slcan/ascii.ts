/**
 * Byte-level constants and lookup tables shared by the slcan parser, formatter and emulator.
 * Tables instead of `parseInt`/regex so the hot path is one array read per character.
 */

/** `\r`: ends every slcan line; alone it is the Lawicel "OK". */
export const CR = 0x0d
/** `\a` (BEL): the Lawicel "error" reply; the Linux kernel also ends a line on it. */
export const BEL = 0x07
/** `\n`: not slcan, but some adapters and terminals send `\r\n`; a leading LF is skipped. */
export const LF = 0x0a

import {HEX_UPPER, HEX_VALUE} from '../hex-digits.js'

export {HEX_VALUE}
/** Upper-case hex digit (as a byte) of a nibble: every firmware emits upper case. */
export const HEX_DIGIT = HEX_UPPER

/** The bytes of an ASCII string (commands and replies are pure ASCII). */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff
  return out
}

/** An ASCII string from bytes `[start, end)`. Slow path: replies and error messages only. */
export function asciiText(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let text = ''
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!)
  return text
}

/** Parses `count` hex digits at `start`; -1 if any is not a hex digit. At most 8 digits (fits a double exactly). */
export function readHex(bytes: Uint8Array, start: number, count: number): number {
  let value = 0
  for (let i = start, end = start + count; i < end; i++) {
    const digit = HEX_VALUE[bytes[i]!]!
    if (digit < 0) return -1
    value = value * 16 + digit
  }
  return value
}
