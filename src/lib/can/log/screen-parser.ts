import {DATA_STRIDE, FrameBatch, FrameFlag} from '../frame.js'
import {ChannelTable} from './channel-table.js'
import {lineText} from './line-text.js'
import {noteBadLine} from './read-stats.js'
import {RelativeClock} from './relative-clock.js'
import {parseDecimalSeconds, RELATIVE_BEFORE_SECONDS, wallClockToEpochMs} from './time-base.js'
import type {LogParser, LogReadStats, ParserOptions} from './types.js'

/**
 * candump's screen output (`candump can0`, `-ta`, `-td`, `-tz`, `-tA`, `-x`, `-8`, `-a`), read as
 * cantools' `logreader.py` reads it. Not the hot path: one regex per line.
 * ```
 *   vcan0  1F0   [8]  80 4A 0F 00 00 00 00 00                   no stamps
 *  (1594172461.968006)  vcan0  0C8   [8]  F0 00 00 00 00 00 00 00  -ta epoch seconds
 *  (000.000000)  vcan0  00000343   [8]  C2 04 C9 04 D0 04 C2 04   -td / -tz relative seconds
 *  (2020-12-19 12:04:45.485261)  vcan0  0C8   [8]  F0 00 ...      -tA local date
 *   can0  RX B -  123  [12]  11 22 33 44 55 66 77 88 99 AA BB CC  -x direction, BRS, ESI; FD: 2-digit length
 *   vcan0  12333 [064]  02 00 ...                               FD written by cantools
 *   can0  123   [4]  remote request                             remote frame
 *   can0  123   {E}  11 22 33 44 55 66 77 88                    -8: raw DLC in braces
 *   can0  20000080   [8]  00 00 00 00 00 00 00 00   ERRORFRAME  error frame (details may follow on tab-indented lines)
 * ```
 */
const SCREEN_LINE =
  /^\s*(?:\((?<stamp>[^)]*)\)\s+)?(?<channel>\S+)\s+(?:(?<dir>[RT]X)\s+(?<brs>[B-])\s+(?<esi>[E-])\s+)?(?<id>[0-9A-Fa-f]+)\s+(?:\[(?<len>\d+)\]|\{(?<dlc>[0-9A-Fa-f])\})(?<rest>.*)$/

/** `2020-12-19 12:04:45.485261` (candump -tA) */
const DATE_STAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{1,9})$/

/** Two hex digits: one data byte. */
const HEX_BYTE = /^[0-9A-Fa-f]{2}$/

/** Frames looked at before deciding whether relative stamps are deltas. */
const DELTA_SAMPLE = 256

const FD_LENGTHS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64])
const CAN_ERR_FLAG = 0x2000_0000

type StampKind = 'none' | 'absolute' | 'relative'

export class ScreenParser implements LogParser {
  private batch: FrameBatch
  private readonly channels = new ChannelTable()
  private stampKind: StampKind | undefined
  private clock: RelativeClock | undefined
  /** In an `auto` relative log, frames keep raw stamps (full batches wait in `held`) until decided. */
  private undecided = false
  private readonly held: FrameBatch[] = []
  private sampled = 0

  constructor(
    private readonly stats: LogReadStats,
    private readonly options: ParserOptions,
  ) {
    this.batch = new FrameBatch(options.batchSize, this.channels.names)
  }

  get full(): boolean {
    return !this.undecided && (this.held.length > 0 || this.batch.length >= this.batch.capacity)
  }

  parseLine(buf: Uint8Array, start: number, end: number, line: number): void {
    const text = lineText(buf, start, end)
    if (text.trim() === '' || text.startsWith('\t')) {
      this.stats.skippedLines++
      return
    }
    const problem = this.parseFrame(text)
    if (problem !== undefined) {
      noteBadLine(this.stats, line, problem)
      return
    }
    this.stats.framesRead++
    if (!this.undecided) return
    if (++this.sampled >= DELTA_SAMPLE) this.decideDelta()
    else if (this.batch.length >= this.batch.capacity) this.hold()
  }

  take(): FrameBatch | undefined {
    if (this.undecided) this.decideDelta()
    if (this.held.length > 0) return this.held.shift()
    if (this.batch.length === 0) return undefined
    const full = this.batch
    this.batch = new FrameBatch(this.options.batchSize, this.channels.names)
    return full
  }

  private hold(): void {
    this.held.push(this.batch)
    this.batch = new FrameBatch(this.options.batchSize, this.channels.names)
  }

  /** Appends the frame on `text`, or returns why it is not one. */
  private parseFrame(text: string): string | undefined {
    const m = SCREEN_LINE.exec(text)
    if (!m?.groups) return 'not a candump screen line (expected "interface id [length] data")'
    const g = m.groups
    const idText = g['id']!
    if (idText.length > 8) return 'id has more than 8 hex digits'
    let id = Number.parseInt(idText, 16)
    let flags = 0
    if (idText.length <= 3) {
      if (id > 0x7ff) return `11-bit id ${idText} is above 7FF`
    } else if (id >= CAN_ERR_FLAG) {
      if (id >= 2 * CAN_ERR_FLAG) return 'id is above 29 bits'
      flags |= FrameFlag.error
      id -= CAN_ERR_FLAG
    } else {
      flags |= FrameFlag.extended
    }
    if (g['dir']) flags |= g['dir'] === 'RX' ? FrameFlag.rx : FrameFlag.tx
    let length: number
    let rawDlc = 0
    if (g['dlc'] !== undefined) {
      const dlc = Number.parseInt(g['dlc'], 16)
      length = Math.min(dlc, 8)
      if (dlc > 8) rawDlc = dlc
    } else {
      length = Number(g['len'])
      // candump prints classic lengths as [%d] and FD lengths as [%02d].
      if (g['len']!.length >= 2) {
        if (!FD_LENGTHS.has(length)) return `${length} is not a CAN FD length (0..8, 12, 16, 20, 24, 32, 48, 64)`
        flags |= FrameFlag.fd | (g['brs'] === 'B' ? FrameFlag.brs : 0) | (g['esi'] === 'E' ? FrameFlag.esi : 0)
      } else if (length > 8) {
        return `length ${length} in a classic CAN frame (at most 8)`
      }
    }

    const tokens = g['rest']!.trim().split(/\s+/).filter((t) => t !== '')
    const i = this.batch.length
    const base = i * DATA_STRIDE
    if (tokens[0] === 'remote' && tokens[1] === 'request') {
      if (flags & FrameFlag.fd) return 'a CAN FD frame cannot be a remote request'
      flags |= FrameFlag.remote
    } else {
      let n = 0
      for (; n < tokens.length && HEX_BYTE.test(tokens[n]!); n++) {
        if (n < length) this.batch.data[base + n] = Number.parseInt(tokens[n]!, 16)
      }
      // After the bytes only candump's ASCII column ('..') or ERRORFRAME may follow.
      const after = tokens[n]
      const problem =
        n !== length
          ? `length [${length}] but ${n} data bytes`
          : after !== undefined && !after.startsWith("'") && !after.startsWith('ERRORFRAME')
            ? `unexpected "${after}" after the data`
            : undefined
      if (problem) {
        this.batch.data.fill(0, base, base + DATA_STRIDE)
        return problem
      }
    }

    const stampProblem = this.stamp(g['stamp'], i)
    if (stampProblem) {
      this.batch.data.fill(0, base, base + DATA_STRIDE)
      return stampProblem
    }
    this.batch.id[i] = id
    this.batch.flags[i] = flags
    this.batch.dataLength[i] = length
    this.batch.rawDlc[i] = rawDlc
    this.batch.channel[i] = this.channels.indexOfName(g['channel']!)
    this.batch.length = i + 1
    return undefined
  }

  /** Writes the stamp of frame `i`; the first frame fixes the log's stamp kind. */
  private stamp(text: string | undefined, i: number): string | undefined {
    let kind: StampKind
    let us = 0
    let ns = 0
    const date = text === undefined ? null : DATE_STAMP.exec(text)
    if (text === undefined) {
      kind = 'none'
    } else if (date) {
      const [, y, mo, d, h, mi, s, frac] = date.map(Number) as number[]
      const fracDigits = date[7]!.length
      const fracNs = frac! * 10 ** (9 - fracDigits)
      us = wallClockToEpochMs(y!, mo!, d!, h!, mi!, s!, this.options.utcOffsetMinutes) * 1000 + Math.floor(fracNs / 1000)
      ns = fracNs % 1000
      kind = 'absolute'
    } else {
      const parsed = parseDecimalSeconds(text)
      if (!parsed) return `bad timestamp "(${text})"`
      us = parsed.us
      ns = parsed.ns
      kind = us >= RELATIVE_BEFORE_SECONDS * 1e6 ? 'absolute' : 'relative'
    }
    if (this.stampKind === undefined) this.start(kind)
    else if (kind !== this.stampKind) return `${kind} timestamp in a log whose first frame had a ${this.stampKind} one`
    if (this.clock && !this.undecided) {
      us = this.clock.next(us, ns)
      ns = this.clock.lastNs
    }
    this.batch.timestampUs[i] = us
    this.batch.subMicroNs[i] = ns
    return undefined
  }

  private start(kind: StampKind): void {
    this.stampKind = kind
    this.stats.timeBase = kind === 'relative' && this.options.startTimeUs !== undefined ? 'absolute' : kind
    if (kind !== 'relative') return
    const mode = this.options.relativeStamps
    this.clock = new RelativeClock(mode === 'delta', this.options.startTimeUs ?? 0)
    this.undecided = mode === 'auto'
  }

  /**
   * `-td` and `-tz` print alike; in a `-tz` log stamps only grow (bar a little reordering between
   * interfaces), in a `-td` log about half the steps go backwards. Decide on the frames sampled,
   * then turn their raw stamps into stored ones.
   */
  private decideDelta(): void {
    this.undecided = false
    const batches = [...this.held, this.batch]
    let steps = 0
    let backwards = 0
    let prevUs = -1
    let prevNs = 0
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) {
        const us = b.timestampUs[i]!
        const ns = b.subMicroNs[i]!
        if (prevUs >= 0) {
          steps++
          if (us < prevUs || (us === prevUs && ns < prevNs)) backwards++
        }
        prevUs = us
        prevNs = ns
      }
    }
    this.clock!.delta = steps > 0 && backwards * 10 >= steps
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) {
        b.timestampUs[i] = this.clock!.next(b.timestampUs[i]!, b.subMicroNs[i]!)
        b.subMicroNs[i] = this.clock!.lastNs
      }
    }
  }
}
