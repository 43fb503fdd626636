/**
 * The host side's incremental slcan reader: bytes in (any chunking), frames out into a
 * FrameBatch, everything else counted and optionally reported. Pure: no I/O, no timers.
 *
 * - A line ends at `\r` **or** BEL, as in the Linux kernel and python-can; a BEL also counts as
 *   a "nack" (the Lawicel error reply), so `t1230\a` is a frame and a nack.
 * - A line split across reads is carried in a fixed buffer of MAX_LINE bytes; a line that grows
 *   past it is over-long and skipped up to the next terminator, so a flood of garbage never
 *   grows memory.
 * - Bad input is counted (`badLines`, `overlongLines`, `garbageBytes`), never thrown.
 */
import type {FrameBatch} from '../frame.js'
import {FrameFlag} from '../frame.js'
import {BEL, CR, LF, asciiText, readHex} from './ascii.js'
import {AdapterClock} from './clock.js'
import {MAX_FRAME_LINE, isFrameLetter, parseFrameLine} from './frame-line.js'
import {ERROR_REGISTER_PREFIX, type SlcanEvent, classifyReply, errorRegisterDigitsEnd} from './reply-line.js'

/** Longest line kept: the longest frame line (with a Z2 stamp) plus a Nakakiyo `z` Tx-event prefix. */
export const MAX_LINE = MAX_FRAME_LINE + 1

/** Counters; read them any time, they only grow. */
export interface SlcanParserStats {
  frames: number
  /** Bare `\r`: OK replies. */
  acks: number
  /** BEL bytes: error replies. */
  nacks: number
  /** `z\r` / `Z\r` transmit acknowledgements. */
  txAcks: number
  /** `Fxx\r` replies; the last value is in `lastStatusFlags`. */
  statusReplies: number
  lastStatusFlags: number
  versionReplies: number
  serialReplies: number
  /** Linux kernel `e…` bus-error lines. */
  busErrors: number
  /** Linux kernel `s…` state lines. */
  busStates: number
  /** canable2-fw `CANable Error Register: X` replies. */
  errorRegisters: number
  /** Prose lines (stock `V` reply, 2.5 `#`/`+`/`>` lines). */
  textLines: number
  /** Complete lines of at most MAX_LINE bytes that are neither a frame nor a known reply, plus a partial line at `finish`. */
  badLines: number
  /** Lines longer than MAX_LINE (cut off, skipped to the next terminator). */
  overlongLines: number
  /** Bytes of bad and over-long lines (terminators not included). */
  garbageBytes: number
}

export interface SlcanParserOptions {
  /** Called for every non-frame line (acks, status, versions, bad lines …). Keep it cheap. */
  readonly onEvent?: (event: SlcanEvent) => void
}

const BAD_TEXT_CHARS = 48

export class SlcanParser {
  readonly stats: SlcanParserStats = {
    acks: 0,
    badLines: 0,
    busErrors: 0,
    busStates: 0,
    errorRegisters: 0,
    frames: 0,
    garbageBytes: 0,
    lastStatusFlags: 0,
    nacks: 0,
    overlongLines: 0,
    serialReplies: 0,
    statusReplies: 0,
    textLines: 0,
    txAcks: 0,
    versionReplies: 0,
  }

  /** Unwraps `Z1`/`Z2` stamps; `reset()` it when the adapter is reopened. */
  readonly clock = new AdapterClock()

  private readonly onEvent: ((event: SlcanEvent) => void) | undefined
  /** The unterminated tail of the previous chunk. */
  private readonly carry = new Uint8Array(MAX_LINE)
  private carryLength = 0
  /** Inside an over-long line: drop bytes until the next terminator. */
  private skipping = false

  constructor(options: SlcanParserOptions = {}) {
    this.onEvent = options.onEvent
  }

  /**
   * Parses `bytes[start..]` into `out` and returns the offset it stopped at: `bytes.length` when
   * everything was consumed, less when `out` became full. Then hand `out` on, give a batch with
   * room, and call again from the returned offset; no frame is lost and none is parsed twice.
   * `hostTimeUs` is the (integer µs, epoch) time the chunk was read: the time of frames without
   * an adapter stamp, and the anchor of those with one.
   */
  feed(bytes: Uint8Array, hostTimeUs: number, out: FrameBatch, start = 0): number {
    const n = bytes.length
    let i = start
    while (i < n) {
      if (out.length >= out.capacity) return i
      // Find the terminator: the inner loop every byte goes through.
      let j = i
      let c = 0
      while (j < n) {
        c = bytes[j]!
        if (c === CR || c === BEL) break
        j++
      }
      if (this.skipping) {
        this.stats.garbageBytes += j - i
        if (j < n) {
          this.skipping = false
          if (c === BEL) this.nack()
        }
      } else if (this.carryLength > 0) {
        const total = this.carryLength + (j - i)
        if (total > MAX_LINE) {
          this.overlong(this.carry, 0, this.carryLength, total, j === n)
          this.carryLength = 0
          if (c === BEL && j < n) this.nack()
        } else {
          this.carry.set(bytes.subarray(i, j), this.carryLength)
          this.carryLength = total
          if (j < n) {
            this.carryLength = 0
            this.line(this.carry, 0, total, c, hostTimeUs, out)
          }
        }
      } else if (j - i > MAX_LINE) {
        this.overlong(bytes, i, j, j - i, j === n)
        if (c === BEL && j < n) this.nack()
      } else if (j < n) {
        this.line(bytes, i, j, c, hostTimeUs, out)
      } else {
        this.carry.set(bytes.subarray(i, j))
        this.carryLength = j - i
      }
      i = j + 1
    }
    return n
  }

  /**
   * Ends the stream: a pending unterminated line is parsed if it is a whole frame (a capture cut
   * after the last byte of a frame), else counted as a bad, partial line. `out` needs room for one frame.
   */
  finish(hostTimeUs: number, out: FrameBatch): void {
    this.skipping = false
    const length = this.carryLength
    this.carryLength = 0
    let start = 0
    while (start < length && this.carry[start] === LF) start++
    if (start === length) return
    if (out.length < out.capacity && isFrameLetter(this.carry[start]!) && parseFrameLine(this.carry, start, length, hostTimeUs, out, this.clock)) {
      this.stats.frames++
      return
    }
    this.bad(this.carry, start, length, 'partial')
  }

  /**
   * One complete line `buf[start, end)`, ended by `terminator` (CR or BEL). An empty line is an
   * ack if a CR ended it; a BEL is a nack whatever came before it.
   */
  private line(buf: Uint8Array, start: number, end: number, terminator: number, hostTimeUs: number, out: FrameBatch): void {
    if (buf[start] === LF) {
      // `\r\n` adapters: the LF after a `\r` starts the next line; it is not content (nor an ack).
      while (start < end && buf[start] === LF) start++
      if (start === end) {
        if (terminator === BEL) this.nack()
        return
      }
    }
    if (start < end && !this.known(buf, start, end, hostTimeUs, out)) this.bad(buf, start, end, 'malformed')
    if (terminator === BEL) this.nack()
    else if (start === end) {
      this.stats.acks++
      this.onEvent?.({kind: 'ack'})
    }
  }

  /** Handles a frame or a known reply; false (nothing counted) if the line is neither. */
  private known(buf: Uint8Array, start: number, end: number, hostTimeUs: number, out: FrameBatch): boolean {
    const first = buf[start]!
    if (parseFrameLine(buf, start, end, hostTimeUs, out, this.clock)) {
      this.stats.frames++
      return true
    }
    // Nakakiyo Tx event: `zt1230…` / `ZT…`, the frame we sent, confirmed on the bus.
    if ((first === 0x7a || first === 0x5a) && end - start > 1 && parseFrameLine(buf, start + 1, end, hostTimeUs, out, this.clock, FrameFlag.tx)) {
      this.stats.frames++
      return true
    }
    if (first === 0x43) return this.errorRegister(buf, start, end, hostTimeUs, out)
    const event = classifyReply(buf, start, end)
    if (event === undefined) return false
    this.count(event)
    this.onEvent?.(event)
    return true
  }

  /**
   * `CANable Error Register: 4` has no terminator, so the adapter's next line is glued to it:
   * `CANable Error Register: 4t4208…`. The register's hex digits run straight into a `B…`/`D…`
   * frame (hex letters too), so the value is taken as short as possible (1..8 digits) such that
   * the rest is empty or parses as a line of its own.
   */
  private errorRegister(buf: Uint8Array, start: number, end: number, hostTimeUs: number, out: FrameBatch): boolean {
    const digitsEnd = errorRegisterDigitsEnd(buf, start, end)
    if (digitsEnd < 0) return false
    const digitsStart = start + ERROR_REGISTER_PREFIX.length
    const lastSplit = Math.min(digitsEnd, digitsStart + 8)
    for (let split = digitsStart + 1; split <= lastSplit; split++) {
      if (split === end || this.known(buf, split, end, hostTimeUs, out)) {
        this.stats.errorRegisters++
        this.onEvent?.({kind: 'error-register', value: readHex(buf, digitsStart, split - digitsStart)})
        return true
      }
    }
    return false
  }

  private count(event: SlcanEvent): void {
    const stats = this.stats
    switch (event.kind) {
      case 'tx-ack':
        stats.txAcks++
        break
      case 'status':
        stats.statusReplies++
        stats.lastStatusFlags = event.flags
        break
      case 'version':
        stats.versionReplies++
        break
      case 'serial':
        stats.serialReplies++
        break
      case 'bus-error':
        stats.busErrors++
        break
      case 'bus-state':
        stats.busStates++
        break
      default:
        stats.textLines++
    }
  }

  private nack(): void {
    this.stats.nacks++
    this.onEvent?.({kind: 'nack'})
  }

  private bad(buf: Uint8Array, start: number, end: number, reason: 'malformed' | 'partial'): void {
    this.stats.badLines++
    this.stats.garbageBytes += end - start
    this.onEvent?.({kind: 'bad-line', reason, text: asciiText(buf, start, Math.min(end, start + BAD_TEXT_CHARS))})
  }

  /** A line longer than MAX_LINE; `open` when its terminator has not arrived yet. */
  private overlong(buf: Uint8Array, start: number, end: number, length: number, open: boolean): void {
    this.stats.overlongLines++
    this.stats.garbageBytes += length
    this.skipping = open
    this.onEvent?.({kind: 'bad-line', reason: 'overlong', text: asciiText(buf, start, Math.min(end, start + BAD_TEXT_CHARS))})
  }
}

