/**
 * One slcan frame line, both ways: `parseFrameLine` writes it straight into a FrameBatch (the hot
 * path: char codes and table lookups, no regex, no allocation), `formatFrameLine` builds it from a
 * frame (what an adapter emits for a received frame, and what a host sends to transmit one).
 *
 * ```
 * t4208 0011223344556677            11-bit data, DLC 8
 * T1FFFFFFF2 AABB                   29-bit data, DLC 2
 * r7DF3 / R18DAF1103                remote frames: DLC is the requested length, no data
 * d7E09 112233445566778899AABBCC   FD, DLC 9 = 12 bytes        (b…: FD with bit-rate switch)
 * t4208 0011223344556677 EA5F       … with a Z1 stamp: 4 hex digits of ms (8 = Nakakiyo Z2 µs)
 * ```
 * (spaces added for reading; the wire has none)
 */
import {DATA_STRIDE, FD_LENGTHS, type FrameBatch, FrameFlag, type FrameInit, fdDlcFor} from '../frame.js'
import {HEX_DIGIT, HEX_VALUE, readHex} from './ascii.js'
import type {AdapterClock} from './clock.js'

/** Flags of each frame letter (by char code), or -1: `t T r R d D b B`. */
const KIND_FLAGS: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1)
  const {brs, extended, fd, remote} = FrameFlag
  const kinds: readonly (readonly [string, number])[] = [
    ['t', 0],
    ['T', extended],
    ['r', remote],
    ['R', remote | extended],
    ['d', fd],
    ['D', fd | extended],
    ['b', fd | brs],
    ['B', fd | brs | extended],
  ]
  for (const [letter, flags] of kinds) table[letter.charCodeAt(0)] = flags
  return table
})()

const MAX_STANDARD_ID = 0x7ff
const MAX_EXTENDED_ID = 0x1fffffff

/** The longest legal frame line without its terminator: `B` + 8 id + DLC + 128 data + 8-digit Z2 stamp. */
export const MAX_FRAME_LINE = 1 + 8 + 1 + 128 + 8

/** True when the byte starts a frame line (`t T r R d D b B`). */
export function isFrameLetter(byte: number): boolean {
  return byte < 128 && KIND_FLAGS[byte]! >= 0
}

/**
 * Parses the frame line `line[start, end)` (no terminator) into `out`, which must have room.
 * Returns false, leaving `out` unchanged, when the line is not a well-formed frame: unknown
 * letter, non-hex digit, id out of range, classic data DLC above 8, data shorter or longer than
 * the DLC says, or trailing characters that are not a 4- or 8-digit stamp. The frame's time is the
 * adapter stamp through `clock` when there is one, else `hostTimeUs`. `extraFlags` is OR-ed in
 * (`FrameFlag.tx` for Nakakiyo's `z`-prefixed Tx events).
 */
export function parseFrameLine(line: Uint8Array, start: number, end: number, hostTimeUs: number, out: FrameBatch, clock: AdapterClock, extraFlags = 0): boolean {
  const letter = line[start]!
  const flags = letter < 128 ? KIND_FLAGS[letter]! : -1
  if (flags < 0) return false
  const extended = (flags & FrameFlag.extended) !== 0
  const idDigits = extended ? 8 : 3
  const dlcAt = start + 1 + idDigits
  if (dlcAt >= end) return false
  const id = readHex(line, start + 1, idDigits)
  if (id < 0 || id > (extended ? MAX_EXTENDED_ID : MAX_STANDARD_ID)) return false
  const dlc = HEX_VALUE[line[dlcAt]!]!
  if (dlc < 0) return false
  let length = dlc
  let rawDlc = 0
  if (flags & FrameFlag.fd) {
    // d7E0 9 112233445566778899AABBCC: DLC 9 = 12 bytes
    length = FD_LENGTHS[dlc]!
  } else if (dlc > 8) {
    // r100 F: remote, DLC 15
    // Nakakiyo reports remote frames with DLC 9..F; a classic data frame cannot carry them here.
    if (!(flags & FrameFlag.remote)) return false
    length = 8
    rawDlc = dlc
  }
  const dataAt = dlcAt + 1
  const dataChars = flags & FrameFlag.remote ? 0 : length * 2
  const stampDigits = end - dataAt - dataChars
  let stamp = -1
  // t1230 EA5F (Z1, ms) or t1230 0000000A (Z2, µs); nothing else may follow the data
  if (stampDigits === 4 || stampDigits === 8) {
    stamp = readHex(line, dataAt + dataChars, stampDigits)
    if (stamp < 0) return false
  } else if (stampDigits !== 0) {
    return false
  }
  const index = out.pushHeader(hostTimeUs, id, flags | extraFlags, length, 0, rawDlc)
  const data = out.data
  let o = index * DATA_STRIDE
  for (let p = dataAt, stop = dataAt + dataChars; p < stop; p += 2) {
    const high = HEX_VALUE[line[p]!]!
    const low = HEX_VALUE[line[p + 1]!]!
    if ((high | low) < 0) {
      out.length = index
      return false
    }
    data[o++] = (high << 4) | low
  }
  // Only now, with the line known good, may the stamp move the adapter clock.
  if (stamp >= 0) out.timestampUs[index] = clock.toEpochUs(stamp, stampDigits, hostTimeUs)
  return true
}

/**
 * The slcan line (with its `\r`) for a frame, upper-case hex as every firmware emits it.
 * `stamp` appends a timestamp of `stampDigits` hex digits (4 for `Z1` ms, already reduced modulo
 * 60000 by the caller; 8 for `Z2` µs). FD payloads whose length is not a DLC length are padded
 * with zeros to the next one, as the controller does. Throws RangeError for an id or length
 * that cannot be sent (a caller bug, not bad input).
 */
export function formatFrameLine(frame: FrameInit, stamp?: number, stampDigits = 4): string {
  const extended = frame.extended ?? frame.id > MAX_STANDARD_ID
  const fd = frame.fd === true || frame.brs === true
  const remote = frame.remote === true
  if (frame.id < 0 || frame.id > (extended ? MAX_EXTENDED_ID : MAX_STANDARD_ID) || !Number.isInteger(frame.id)) {
    throw new RangeError(`CAN id 0x${frame.id.toString(16)} does not fit a ${extended ? 29 : 11}-bit identifier`)
  }
  if (remote && fd) throw new RangeError('CAN FD has no remote frames')
  const data = frame.data ?? []
  const length = remote ? (frame.length ?? 0) : data.length
  let dlc: number
  if (fd) dlc = fdDlcFor(length)
  else if (length <= 8) dlc = remote && length === 8 && frame.rawDlc ? frame.rawDlc : length
  else throw new RangeError(`a classic CAN frame carries at most 8 bytes, not ${length}`)
  const letter = fd ? (frame.brs ? 'b' : 'd') : remote ? 'r' : 't'
  let line = (extended ? letter.toUpperCase() : letter) + hex(frame.id, extended ? 8 : 3) + hex(dlc, 1)
  if (!remote) {
    const bytes = fd ? FD_LENGTHS[dlc]! : length
    for (let i = 0; i < bytes; i++) line += hex(i < data.length ? data[i]! : 0, 2)
  }
  if (stamp !== undefined) line += hex(stamp, stampDigits)
  return line + '\r'
}

/** `value` as exactly `digits` upper-case hex digits (the low ones). */
function hex(value: number, digits: number): string {
  let text = ''
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    text += String.fromCharCode(HEX_DIGIT[Math.floor(value / 2 ** shift) & 0xf]!)
  }
  return text
}
