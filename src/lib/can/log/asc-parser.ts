import {DATA_STRIDE, FD_LENGTHS, FrameBatch, FrameFlag} from '../frame.js'
import {parseAscDate} from './asc-date.js'
import {ChannelTable} from './channel-table.js'
import {lineText} from './line-text.js'
import {noteBadLine} from './read-stats.js'
import {RelativeClock} from './relative-clock.js'
import {parseDecimalSeconds} from './time-base.js'
import type {LogParser, LogReadStats, ParserOptions} from './types.js'

/**
 * Vector ASC (CANoe/CANalyzer ASCII logs), read as python-can's `asc.py` reads it, and stricter
 * about what it cannot read: a line that looks like a frame but does not parse is a bad line.
 * ```
 * date Sat Sep 30 10:06:13.191 PM 2017                 wall-clock start (local time)
 * base hex  timestamps absolute                        ids/data hex or dec; "relative" = deltas
 * internal events logged
 * // version 9.0.0                                     comment
 * Begin Triggerblock Sat Sep 30 10:06:13.191 PM 2017   start of this block (preferred anchor)
 *    0.000000 Start of measurement                     event: skipped
 *    0.001234 1  123             Rx   d 8 00 11 22 33 44 55 66 77  Length = 0 BitCount = 0
 *    0.001300 2  1234567x        Tx   d 2 AA BB        29-bit id
 *    0.001400 1  123             Rx   r 4              remote of length 4 (plain "r" before v8.5)
 *    0.001500 1  ErrorFrame
 *    0.001600 CANFD   1 Rx      123  Name  1 0 d 32 00 .. 1f   0 0 3000 0 0 0 0 0
 *             ts  CANFD ch dir  id [name] brs esi dlc len data  duration bits flags crc btr...
 * End TriggerBlock
 * ```
 * CANFD flags: 0x1000 EDL (an FD frame; without it the line holds a classic frame), 0x2000 BRS,
 * 0x4000 ESI, 0x10 remote. Channel N (1-based) becomes interface `can<N-1>`, as in python-can.
 */

const EDL = 0x1000
const RTR = 0x10

export class AscParser implements LogParser {
  private batch: FrameBatch
  private readonly channels = new ChannelTable()
  private radix = 16
  private deltaStamps = false
  private dateUs: number | undefined
  private triggerUs: number | undefined
  private clock: RelativeClock | undefined
  /** Sum of every stamp so far when the header says `timestamps relative`. */
  private sumUs = 0
  private sumNs = 0

  constructor(
    private readonly stats: LogReadStats,
    private readonly options: ParserOptions,
  ) {
    this.batch = new FrameBatch(options.batchSize, this.channels.names)
  }

  get full(): boolean {
    return this.batch.length >= this.batch.capacity
  }

  take(): FrameBatch | undefined {
    if (this.batch.length === 0) return undefined
    const full = this.batch
    this.batch = new FrameBatch(this.options.batchSize, this.channels.names)
    return full
  }

  parseLine(buf: Uint8Array, start: number, end: number, line: number): void {
    const text = lineText(buf, start, end).trim()
    const tokens = text === '' ? [] : text.split(/\s+/)
    const outcome = tokens.length === 0 ? 'skip' : this.parseTokens(tokens, text)
    if (outcome === 'frame') this.stats.framesRead++
    else if (outcome === 'skip') this.stats.skippedLines++
    else noteBadLine(this.stats, line, outcome)
  }

  /** A frame appended, a line skipped, or the reason a frame line is bad. */
  private parseTokens(t: string[], text: string): 'frame' | 'skip' | string {
    const head = t[0]!.toLowerCase()
    if (head === 'date') {
      this.dateUs = parseAscDate(text.slice(4).trim(), this.options.utcOffsetMinutes)
      return 'skip'
    }
    if (head === 'base') {
      this.radix = t[1]?.toLowerCase() === 'dec' ? 10 : 16
      if (t[2]?.toLowerCase() === 'timestamps') this.deltaStamps = t[3]?.toLowerCase() === 'relative'
      return 'skip'
    }
    if (head === 'begin' && t[1]?.toLowerCase() === 'triggerblock') {
      this.triggerUs ??= parseAscDate(t.slice(2).join(' '), this.options.utcOffsetMinutes)
      return 'skip'
    }
    const stamp = parseDecimalSeconds(t[0]!)
    if (!stamp) return 'skip' // comments, "internal events logged", "End TriggerBlock"
    if (this.deltaStamps) this.accumulate(stamp)
    const us = this.deltaStamps ? this.sumUs : stamp.us
    const ns = this.deltaStamps ? this.sumNs : stamp.ns

    if (t[1] === 'CANFD') return this.fdLine(t, us, ns)
    if (!/^\d+$/.test(t[1] ?? '')) return 'skip' // "Start of measurement", "CAN 1 Status:..."
    const channel = Number(t[1])
    if (t[2]?.toLowerCase() === 'errorframe') return this.push(us, ns, channel, FrameFlag.error, 0, 0, 0)
    const dir = t[3]
    if (dir !== 'Rx' && dir !== 'Tx') return 'skip' // statistics, J1939, "TxRq" (a request, not a frame on the bus)
    const id = this.parseId(t[2]!)
    if (typeof id === 'string') return id
    let flags = id.flags | (dir === 'Rx' ? FrameFlag.rx : FrameFlag.tx)
    const kind = t[4]?.toLowerCase()
    if (kind === 'r') {
      // "r" alone before CANoe 8.5, then "r <dlc>"
      const dlc = t[5] !== undefined && /^[0-9A-Fa-f]$/.test(t[5]) ? Number.parseInt(t[5], 16) : 0
      flags |= FrameFlag.remote
      return this.push(us, ns, channel, flags, id.value, Math.min(dlc, 8), dlc > 8 ? dlc : 0)
    }
    if (kind !== 'd') return `expected "d" or "r" after ${dir}, not "${t[4] ?? ''}"`
    const dlc = this.parseNumber(t[5], this.radix)
    if (dlc === undefined || dlc > 15) return `bad DLC "${t[5] ?? ''}"`
    const length = Math.min(dlc, 8)
    const problem = this.readData(t, 6, length)
    if (problem) return problem
    return this.push(us, ns, channel, flags, id.value, length, dlc > 8 ? dlc : 0)
  }

  /** `CANFD ch dir id [name] brs esi dlc len data... duration bits flags ...` */
  private fdLine(t: string[], us: number, ns: number): 'frame' | 'skip' | string {
    if (!/^\d+$/.test(t[2] ?? '')) return `bad channel "${t[2] ?? ''}" in a CANFD line`
    const channel = Number(t[2])
    const dir = t[3]
    if (dir !== 'Rx' && dir !== 'Tx') return dir === 'TxRq' ? 'skip' : `bad direction "${dir ?? ''}" in a CANFD line`
    let flags = dir === 'Rx' ? FrameFlag.rx : FrameFlag.tx
    if (t[4]?.toLowerCase() === 'errorframe') return this.push(us, ns, channel, flags | FrameFlag.error, 0, 0, 0)
    const id = this.parseId(t[4] ?? '')
    if (typeof id === 'string') return id
    flags |= id.flags
    const j = t[5] === '0' || t[5] === '1' ? 5 : 6 // a symbolic name may sit between id and BRS
    const dlc = this.parseNumber(t[j + 2], 16)
    const length = this.parseNumber(t[j + 3], 10)
    if (dlc === undefined || dlc > 15 || length === undefined) return 'bad DLC or data length in a CANFD line'
    const flagColumn = this.parseNumber(t[j + 4 + length + 2], 16)
    if (flagColumn !== undefined && !(flagColumn & EDL)) {
      // A classic frame logged in the FD layout.
      if (flagColumn & RTR) return this.push(us, ns, channel, flags | FrameFlag.remote, id.value, Math.min(dlc, 8), dlc > 8 ? dlc : 0)
      if (length > 8) return `${length} data bytes in a classic CAN frame (at most 8)`
      const problem = this.readData(t, j + 4, length)
      return problem ?? this.push(us, ns, channel, flags, id.value, length, length === 8 && dlc > 8 ? dlc : 0)
    }
    if (!(FD_LENGTHS as readonly number[]).includes(length)) return `${length} is not a CAN FD length (0..8, 12, 16, 20, 24, 32, 48, 64)`
    flags |= FrameFlag.fd | (t[j] === '1' ? FrameFlag.brs : 0) | (t[j + 1] === '1' ? FrameFlag.esi : 0)
    const problem = this.readData(t, j + 4, length)
    return problem ?? this.push(us, ns, channel, flags, id.value, length, 0)
  }

  /** `123` or `1234567x` in the header's radix. */
  private parseId(text: string): {value: number; flags: number} | string {
    const extended = text.endsWith('x') || text.endsWith('X')
    const value = this.parseNumber(extended ? text.slice(0, -1) : text, this.radix)
    if (value === undefined) return `bad id "${text}"`
    if (value > (extended ? 0x1fff_ffff : 0x7ff)) return `id "${text}" is out of range`
    return {flags: extended ? FrameFlag.extended : 0, value}
  }

  private parseNumber(text: string | undefined, radix: number): number | undefined {
    if (text === undefined || !(radix === 16 ? /^[0-9A-Fa-f]{1,8}$/ : /^\d{1,10}$/).test(text)) return undefined
    return Number.parseInt(text, radix)
  }

  /** Reads `length` data bytes from `t[from]` into the next slot; returns a problem or undefined. */
  private readData(t: string[], from: number, length: number): string | undefined {
    const base = this.batch.length * DATA_STRIDE
    for (let k = 0; k < length; k++) {
      const byte = this.parseNumber(t[from + k], this.radix)
      if (byte === undefined || byte > 255) {
        this.batch.data.fill(0, base, base + DATA_STRIDE)
        return t[from + k] === undefined ? `${k} data bytes, expected ${length}` : `bad data byte "${t[from + k]}"`
      }
      this.batch.data[base + k] = byte
    }
    return undefined
  }

  private push(us: number, ns: number, channel: number, flags: number, id: number, length: number, rawDlc: number): 'frame' {
    if (!this.clock) this.startClock()
    const b = this.batch
    const i = b.length
    b.timestampUs[i] = this.clock!.next(us, ns)
    b.subMicroNs[i] = this.clock!.lastNs
    b.id[i] = id
    b.flags[i] = flags
    b.dataLength[i] = length
    b.rawDlc[i] = rawDlc
    b.channel[i] = this.channels.indexOfName(`can${Math.max(channel - 1, 0)}`)
    b.length = i + 1
    return 'frame'
  }

  /** At the first frame: anchor to `startTimeUs`, else the trigger block's date, else the `date` line. */
  private startClock(): void {
    const anchor = this.options.startTimeUs ?? this.triggerUs ?? this.dateUs
    this.stats.timeBase = anchor === undefined ? 'relative' : 'absolute'
    this.clock = new RelativeClock(false, anchor ?? 0)
  }

  private accumulate(stamp: {us: number; ns: number}): void {
    this.sumUs += stamp.us
    this.sumNs += stamp.ns
    if (this.sumNs >= 1000) {
      this.sumUs++
      this.sumNs -= 1000
    }
  }
}
