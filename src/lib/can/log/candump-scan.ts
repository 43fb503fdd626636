import {DATA_STRIDE, FrameFlag, type FrameBatch} from '../frame.js'
import type {ChannelTable} from './channel-table.js'
import {Char, HEX_VALUE, isBlank} from './hex.js'
import {MAX_TIMESTAMP_US, NS_SCALE} from './time-base.js'

/**
 * The candump `-l`/`-L` line scanner: the hot path. It walks char codes of a byte buffer and writes
 * straight into the batch's typed arrays: no regex, no string, no object per line.
 *
 * The grammar it implements (can-utils `lib.c` `parse_canframe`, `candump.c`):
 * ```
 * (1436509052.249713) vcan0 044#2A366C2BBA            classic, 11-bit id (3 hex digits)
 * (1436509052.249713123) can0 12345678#11.22.33 R     29-bit id (8 digits), 9-digit stamp, '.' separators, -x direction
 * (000.123456)   can10 123#R7                         -tz relative stamp, padded interface, remote of length 7
 * (1436509052.249713) can0 123#R8_E                   remote, length 8, raw DLC 14
 * (1436509052.249713) can0 123#1122334455667788_E     8 bytes, raw DLC 14
 * (1436509052.249713) can0 123##5112233               CAN FD, flags nibble: bit0 BRS, bit1 ESI, bit2 FDF
 * (1436509052.249713) can0 20000080#0000000000000000  error frame (CAN_ERR_FLAG 0x20000000 set)
 * ```
 * as the regex it replaces (kept as documentation only):
 * `/^\s*\((\d{1,10})\.(\d{1,9})\)\s+(\S+)\s+([0-9A-F]{1,8})#(#[0-9A-F])?((?:\.?[0-9A-F]{2})*|R[0-8]?)(_[9-F])?(\s+[RT])?\s*$/i`
 */

/** What one line turned out to be. */
export const LineKind = {frame: 0, skipped: 1, bad: 2} as const
export type LineKindValue = (typeof LineKind)[keyof typeof LineKind]

/** Message of the last bad line, set by `scanCandumpLine` (the only per-line output besides the batch). */
export interface ScanState {
  error: string
}

/** Byte lengths a CAN FD frame can have, as a lookup: `VALID_FD_LENGTH[n] === 1`. */
const VALID_FD_LENGTH: Uint8Array = (() => {
  const table = new Uint8Array(65)
  for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]) table[n] = 1
  return table
})()

const CAN_ERR_FLAG = 0x2000_0000
const CAN_SFF_MAX = 0x7ff

/**
 * Scans one line (`[start, end)` of `buf`, no line terminator) and, when it is a frame, appends it
 * to `batch` (which must not be full) with its interface from `channels`. Stamps are written as read
 * (µs, sub-µs ns); the caller shifts relative logs. On `bad`, `state.error` says why.
 */
export function scanCandumpLine(buf: Uint8Array, start: number, end: number, batch: FrameBatch, channels: ChannelTable, state: ScanState): LineKindValue {
  while (end > start && (isBlank(buf[end - 1]!) || buf[end - 1] === Char.cr)) end--
  let p = start
  while (p < end && isBlank(buf[p]!)) p++
  if (p === end) return LineKind.skipped
  if (buf[p] !== Char.openParen) return nonFrameLine(buf, p, end, state)
  p++

  // (1436509052.249713) or (000.123456) or (1436509052.249713123)
  let secs = 0
  const secsStart = p
  while (p < end && isDigit(buf[p]!)) secs = secs * 10 + buf[p++]! - Char.zero
  const secsDigits = p - secsStart
  if (secsDigits === 0 || p === end || buf[p] !== Char.dot) return fail(state, 'timestamp must be "(seconds.fraction)"')
  if (secsDigits > 10) return fail(state, 'timestamp has more than 10 digits of seconds')
  let frac = 0
  const fracStart = ++p
  while (p < end && isDigit(buf[p]!)) frac = frac * 10 + buf[p++]! - Char.zero
  const fracDigits = p - fracStart
  if (fracDigits === 0 || fracDigits > 9 || p === end || buf[p] !== Char.closeParen) return fail(state, 'timestamp fraction must be 1 to 9 digits followed by ")"')
  const fracNs = frac * NS_SCALE[fracDigits]!
  const timestampUs = secs * 1e6 + Math.floor(fracNs / 1000)
  if (timestampUs > MAX_TIMESTAMP_US) return fail(state, 'timestamp is out of range')
  p++
  if (p >= end || !isBlank(buf[p]!)) return fail(state, 'expected a space after the timestamp')
  while (p < end && isBlank(buf[p]!)) p++

  // Interface name, left-padded with spaces when candump dumped several.
  const nameStart = p
  while (p < end && !isBlank(buf[p]!)) p++
  const nameEnd = p
  while (p < end && isBlank(buf[p]!)) p++
  if (p === end) return fail(state, nameStart === nameEnd ? 'missing interface name' : 'missing frame after the interface name')

  // 044# (11-bit) or 12345678# (29-bit or error frame)
  let id = 0
  const idStart = p
  while (p < end && HEX_VALUE[buf[p]!]! >= 0) id = id * 16 + HEX_VALUE[buf[p++]!]!
  const idDigits = p - idStart
  if (p === end || buf[p] !== Char.hash) return fail(state, `expected "<hex id>#<data>" after the interface name, not "${tokenAt(buf, idStart, end)}"`)
  if (idDigits === 0) return fail(state, 'missing id before "#"')
  if (idDigits > 8) return fail(state, 'id has more than 8 hex digits')
  p++
  let flags = 0
  if (idDigits <= 3) {
    if (id > CAN_SFF_MAX) return fail(state, `11-bit id ${id.toString(16).toUpperCase()} is above 7FF`)
  } else if (id >= CAN_ERR_FLAG) {
    if (id >= 2 * CAN_ERR_FLAG) return fail(state, 'id is above 29 bits')
    flags = FrameFlag.error
    id -= CAN_ERR_FLAG
  } else {
    flags = FrameFlag.extended
  }
  // CAN XL: 5-digit "vcid prio" id, then "flags:sdt:af#data".
  if (idDigits === 5 && p + 2 < end && buf[p + 2] === Char.colon) return fail(state, 'CAN XL frames are not supported')

  const i = batch.length
  const data = batch.data
  const base = i * DATA_STRIDE
  let length = 0
  let rawDlc = 0
  const c = buf[p]
  if (c === Char.hash) {
    // ##5112233: FD flags nibble, then 0..64 bytes of a valid FD length
    const nibble = p + 1 < end ? HEX_VALUE[buf[p + 1]!]! : -1
    if (nibble < 0) return fail(state, 'missing CAN FD flags after "##"')
    if (flags & FrameFlag.error) return fail(state, 'an error frame cannot be CAN FD')
    flags |= FrameFlag.fd | (nibble & 1 ? FrameFlag.brs : 0) | (nibble & 2 ? FrameFlag.esi : 0)
    p += 2
    length = scanHexBytes(buf, p, end, data, base)
    if (length < 0) return failData(state, data, base, 'odd number of hex digits in the data')
    p = scanEnd
    if (length > DATA_STRIDE) return failData(state, data, base, `${length} data bytes in a CAN FD frame (at most 64)`)
    if (!VALID_FD_LENGTH[length]) return failData(state, data, base, `${length} is not a CAN FD length (0..8, 12, 16, 20, 24, 32, 48, 64)`)
  } else if (c === Char.upperR || c === Char.lowerR) {
    // R, R7, R8_E: remote request with its requested length and raw DLC
    flags |= FrameFlag.remote
    p++
    const d = p < end ? buf[p]! - Char.zero : -1
    if (d >= 0 && d <= 8) {
      length = d
      p++
    }
    if (p < end && buf[p] === Char.underscore) {
      const raw = p + 1 < end ? HEX_VALUE[buf[p + 1]!]! : -1
      if (length !== 8 || raw < 9) return fail(state, 'a raw DLC "_9".."_F" needs a length of 8')
      rawDlc = raw
      p += 2
    }
  } else {
    // 2A366C2BBA, 11.22.33, 1122334455667788_E
    length = scanHexBytes(buf, p, end, data, base)
    if (length < 0) return failData(state, data, base, 'odd number of hex digits in the data')
    p = scanEnd
    if (length > 8) return failData(state, data, base, `${length} data bytes in a classic CAN frame (at most 8)`)
    if (p < end && buf[p] === Char.underscore) {
      const raw = p + 1 < end ? HEX_VALUE[buf[p + 1]!]! : -1
      if (length !== 8 || raw < 9) return failData(state, data, base, 'a raw DLC "_9".."_F" needs 8 data bytes')
      rawDlc = raw
      p += 2
    }
  }

  // Optional " R" / " T" (candump -x), nothing else.
  if (p < end) {
    if (!isBlank(buf[p]!)) return failData(state, data, base, `unexpected "${String.fromCharCode(buf[p]!)}" after the frame`)
    while (p < end && isBlank(buf[p]!)) p++
    const dir = buf[p]
    if (p + 1 !== end || (dir !== Char.upperR && dir !== Char.upperT)) return failData(state, data, base, 'unexpected text after the frame (only " R" or " T" may follow)')
    flags |= dir === Char.upperR ? FrameFlag.rx : FrameFlag.tx
  }

  batch.timestampUs[i] = timestampUs
  batch.subMicroNs[i] = fracNs % 1000
  batch.id[i] = id
  batch.flags[i] = flags
  batch.dataLength[i] = length
  batch.rawDlc[i] = rawDlc
  batch.channel[i] = channels.indexOfBytes(buf, nameStart, nameEnd)
  batch.length = i + 1
  return LineKind.frame
}

/**
 * Lines that do not start with "(": blank-ish notes are skipped, anything else is bad.
 * ```
 * DROPCOUNT: 1 frame lost            candump -d
 * # comment  // comment  ; comment
 * ```
 */
function nonFrameLine(buf: Uint8Array, p: number, end: number, state: ScanState): LineKindValue {
  const c = buf[p]!
  if (c === Char.hash || c === Char.semicolon || (c === Char.slash && buf[p + 1] === Char.slash)) return LineKind.skipped
  // WORD: ...  (a letter, then letters, digits, '_' or '-', then ':')
  if (isLetter(c)) {
    let q = p + 1
    while (q < end && (isLetter(buf[q]!) || isDigit(buf[q]!) || buf[q] === Char.underscore || buf[q] === 0x2d)) q++
    if (q < end && buf[q] === Char.colon) return LineKind.skipped
  }
  return fail(state, 'not a candump frame line (expected "(timestamp) interface frame")')
}

/** Where the last `scanHexBytes` stopped. Module state, not a return object: no allocation per line. */
let scanEnd = 0

/**
 * Reads hex byte pairs, each optionally preceded by '.', into `data` from `base` (at most
 * `DATA_STRIDE` stored, all counted). Returns the count, or -1 for an odd digit; sets `scanEnd`.
 */
function scanHexBytes(buf: Uint8Array, p: number, end: number, data: Uint8Array, base: number): number {
  let length = 0
  while (p < end) {
    let q = p
    if (buf[q] === Char.dot && q + 1 < end) q++
    const hi = HEX_VALUE[buf[q]!]!
    if (hi < 0) break
    if (q + 1 >= end) return -1
    const lo = HEX_VALUE[buf[q + 1]!]!
    if (lo < 0) return -1
    if (length < DATA_STRIDE) data[base + length] = hi * 16 + lo
    length++
    p = q + 2
  }
  scanEnd = p
  return length
}

/** The text from `p` to the next blank, for messages (error path only). */
function tokenAt(buf: Uint8Array, p: number, end: number): string {
  let q = p
  while (q < end && !isBlank(buf[q]!) && q - p < 40) q++
  return Buffer.from(buf.buffer, buf.byteOffset + p, q - p).toString('latin1')
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
}

function isDigit(c: number): boolean {
  return c >= Char.zero && c <= Char.nine
}

function fail(state: ScanState, message: string): LineKindValue {
  state.error = message
  return LineKind.bad
}

/** A bad line that already wrote payload bytes: clear them so the next frame in this slot starts from zeros. */
function failData(state: ScanState, data: Uint8Array, base: number, message: string): LineKindValue {
  data.fill(0, base, base + DATA_STRIDE)
  return fail(state, message)
}
