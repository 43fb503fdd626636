import {DATA_STRIDE, FrameFlag, type FrameBatch} from '../frame.js'
import {Char, HEX_UPPER} from './hex.js'
import {RELATIVE_BEFORE_SECONDS} from './time-base.js'

/**
 * Prints frames exactly as candump `-l` does, into a byte buffer (`lib.c` `snprintf_canframe`):
 * ```
 * (1436509052.249713) can0 044#2A366C2BBA             %010llu.%06llu, 3-digit 11-bit id
 * (1436509052.249713123) can0 12345678#112233 R       9-digit fraction (candump -N), 8-digit id, -x direction
 * (000.123456) can0 123#R7                            relative stamp (-tz: %03llu), remote of length 7
 * (1436509052.249713) can0 123#1122334455667788_E     raw DLC
 * (1436509052.249713) can0 123##5112233               FD: FDF (4) | BRS (1) | ESI (2), as can-utils >= 2024
 * (1436509052.249713) can0 20000080#0000000000000000  error frame: CAN_ERR_FLAG | class bits
 * ```
 */

/**
 * Digits after the seconds' dot. `auto` prints 9 (candump -N) for a frame that carries a sub-µs
 * remainder and 6 for one that does not, so every line reads back to the same stamp and a µs log
 * stays a plain candump log; `9` prints 9 on every line; `6` drops the sub-µs remainder.
 */
export type FractionDigits = 'auto' | 6 | 9

/** Bytes a line needs besides its interface name: `(` 10 `.` 9 `) ` ` ` 8 `##` 1 128 ` R` LF, rounded up. */
export const MAX_LINE_BYTES_WITHOUT_NAME = 176

const CAN_ERR_FLAG = 0x2000_0000
const EFF_MASK = 0x1fff_ffff
const FDF = 0x4

/**
 * Writes frame `i` of `batch` as one candump line (with its LF) into `out` at `pos`, which must
 * have `MAX_LINE_BYTES_WITHOUT_NAME + name.length` bytes free; returns the position after it.
 * `name` is the interface name, already encoded. Stamps below 0 or not finite print as 0.
 */
export function writeCandumpLine(batch: FrameBatch, i: number, name: Uint8Array, fraction: FractionDigits, out: Uint8Array, pos: number): number {
  let us = batch.timestampUs[i]!
  if (!(us > 0)) us = 0
  const secs = Math.floor(us / 1e6)
  const micros = Math.floor(us - secs * 1e6)
  const subNs = batch.subMicroNs[i]!
  out[pos++] = Char.openParen
  pos = writeDecimal(out, pos, secs, secs >= RELATIVE_BEFORE_SECONDS ? 10 : 3)
  out[pos++] = Char.dot
  pos = fraction === 9 || (fraction === 'auto' && subNs !== 0) ? writeDecimal(out, pos, micros * 1000 + (subNs % 1000), 9) : writeDecimal(out, pos, micros, 6)
  out[pos++] = Char.closeParen
  out[pos++] = Char.space
  out.set(name, pos)
  pos += name.length
  out[pos++] = Char.space

  const flags = batch.flags[i]!
  const id = batch.id[i]!
  if (flags & FrameFlag.error) pos = writeHex(out, pos, ((id & EFF_MASK) | CAN_ERR_FLAG) >>> 0, 8)
  else if (flags & FrameFlag.extended || id > 0x7ff) pos = writeHex(out, pos, id & EFF_MASK, 8)
  else pos = writeHex(out, pos, id, 3)
  out[pos++] = Char.hash

  const length = batch.dataLength[i]!
  const rawDlc = batch.rawDlc[i]!
  if (flags & FrameFlag.fd) {
    out[pos++] = Char.hash
    out[pos++] = HEX_UPPER[FDF | (flags & FrameFlag.brs ? 1 : 0) | (flags & FrameFlag.esi ? 2 : 0)]!
    pos = writeData(out, pos, batch.data, i * DATA_STRIDE, Math.min(length, DATA_STRIDE))
  } else if (flags & FrameFlag.remote) {
    out[pos++] = Char.upperR
    if (length > 0 && length <= 8) out[pos++] = Char.zero + length
    if (length === 8 && rawDlc > 8 && rawDlc < 16) pos = writeRawDlc(out, pos, rawDlc)
  } else {
    pos = writeData(out, pos, batch.data, i * DATA_STRIDE, Math.min(length, DATA_STRIDE))
    if (length === 8 && rawDlc > 8 && rawDlc < 16) pos = writeRawDlc(out, pos, rawDlc)
  }

  if (flags & FrameFlag.rx) {
    out[pos++] = Char.space
    out[pos++] = Char.upperR
  } else if (flags & FrameFlag.tx) {
    out[pos++] = Char.space
    out[pos++] = Char.upperT
  }
  out[pos++] = Char.lf
  return pos
}

/** `value` in decimal, zero-padded to at least `width` digits. */
function writeDecimal(out: Uint8Array, pos: number, value: number, width: number): number {
  let digits = 1
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++
  if (digits < width) digits = width
  for (let k = pos + digits - 1; k >= pos; k--) {
    out[k] = Char.zero + (value % 10)
    value = Math.floor(value / 10)
  }
  return pos + digits
}

/** `value` (unsigned 32-bit) in upper-case hex, exactly `width` digits. */
function writeHex(out: Uint8Array, pos: number, value: number, width: number): number {
  for (let k = pos + width - 1; k >= pos; k--) {
    out[k] = HEX_UPPER[value & 0xf]!
    value >>>= 4
  }
  return pos + width
}

function writeData(out: Uint8Array, pos: number, data: Uint8Array, base: number, length: number): number {
  for (let k = 0; k < length; k++) {
    const b = data[base + k]!
    out[pos++] = HEX_UPPER[b >> 4]!
    out[pos++] = HEX_UPPER[b & 0xf]!
  }
  return pos
}

function writeRawDlc(out: Uint8Array, pos: number, rawDlc: number): number {
  out[pos++] = Char.underscore
  out[pos++] = HEX_UPPER[rawDlc]!
  return pos
}
