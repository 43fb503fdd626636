import {DATA_STRIDE, fdDlcFor, FrameFlag, type FrameBatch} from '../frame.js'
import {formatAscDate} from './asc-date.js'
import {StreamSink} from './stream-sink.js'
import {RELATIVE_BEFORE_SECONDS} from './time-base.js'

export interface AscWriterOptions {
  /** Zone of the header dates, minutes east of UTC. Defaults to this machine's, as CANoe writes them. */
  utcOffsetMinutes?: number
  /** End a stream given as `out` on `close()`. Defaults to `false` (a path is always closed). */
  end?: boolean
}

const EDL = 0x1000
const FLAG_BRS = 0x2000
const FLAG_ESI = 0x4000

/**
 * Writes batches as a Vector ASC log in python-can's `ASCWriter` layout:
 * ```
 * date Sat Sep 30 10:06:13.191 PM 2017
 * base hex  timestamps absolute
 * internal events logged
 * // version 9.0.0
 * Begin Triggerblock Sat Sep 30 10:06:13.191 PM 2017
 *    0.000000 Start of measurement
 *    0.000456 1  123             Rx   d 8 11 22 33 44 55 66 77 88
 *    0.000500 CANFD   1 Rx        123                                   1 0 9 12 ... 0    0     3000 0 0 0 0 0
 * End TriggerBlock
 * ```
 * Stamps are seconds since the header date, which is the first frame's time cut to the
 * millisecond (the precision CANoe reads), so absolute stamps read back exactly to the µs. A log
 * with relative stamps gets no dates. Lost on the way, by the format: sub-µs remainders, error
 * frame ids and data, interface names other than `<letters><N>` (written as channel N+1), and the
 * absence of a direction (written as Rx). Stamps earlier than the first frame are written as 0.
 */
export class AscWriter {
  /** Frames written so far. */
  framesWritten = 0
  /** Frames whose stamp lay before the first frame's and was written as 0. */
  clampedStamps = 0
  private readonly sink: StreamSink
  private anchorUs: number | undefined

  constructor(
    out: NodeJS.WritableStream | string,
    private readonly options: AscWriterOptions = {},
  ) {
    this.sink = new StreamSink(out, options.end)
  }

  write(batch: FrameBatch): void | Promise<void> {
    if (batch.length === 0) return undefined
    const lines: string[] = []
    if (this.anchorUs === undefined) lines.push(...this.header(batch.timestampUs[0]!))
    for (let i = 0; i < batch.length; i++) lines.push(this.line(batch, i))
    this.framesWritten += batch.length
    return this.sink.write(Buffer.from(lines.join(''), 'utf8'))
  }

  async close(): Promise<void> {
    const tail = this.anchorUs === undefined ? [...this.header(Date.now() * 1000), 'End TriggerBlock\n'] : ['End TriggerBlock\n']
    await this.sink.write(Buffer.from(tail.join(''), 'utf8'))
    await this.sink.close()
  }

  private header(firstUs: number): string[] {
    const relative = !(firstUs >= RELATIVE_BEFORE_SECONDS * 1e6)
    const ms = relative ? 0 : Math.floor(firstUs / 1000)
    this.anchorUs = ms * 1000
    const date = relative ? '' : formatAscDate(ms, this.options.utcOffsetMinutes)
    return [
      ...(relative ? [] : [`date ${date}\n`]),
      'base hex  timestamps absolute\n',
      'internal events logged\n',
      '// version 9.0.0\n',
      relative ? 'Begin Triggerblock\n' : `Begin Triggerblock ${date}\n`,
      `${stamp(0)} Start of measurement\n`,
    ]
  }

  private line(b: FrameBatch, i: number): string {
    let rel = Math.floor(b.timestampUs[i]!) - this.anchorUs!
    if (!(rel >= 0)) {
      rel = 0
      this.clampedStamps++
    }
    const flags = b.flags[i]!
    const channel = b.channel[i] === 0xffff ? 1 : ascChannel(b.channels[b.channel[i]!])
    if (flags & FrameFlag.error) return `${stamp(rel)} ${channel}  ErrorFrame\n`
    const id = b.id[i]!.toString(16).toUpperCase() + (flags & FrameFlag.extended ? 'x' : '')
    const dir = flags & FrameFlag.tx ? 'Tx' : 'Rx'
    const length = b.dataLength[i]!
    const bytes: string[] = []
    if (!(flags & FrameFlag.remote)) {
      for (let k = 0; k < length; k++) bytes.push(b.data[i * DATA_STRIDE + k]!.toString(16).toUpperCase().padStart(2, '0'))
    }
    if (flags & FrameFlag.fd) {
      const fdFlags = EDL | (flags & FrameFlag.brs ? FLAG_BRS : 0) | (flags & FrameFlag.esi ? FLAG_ESI : 0)
      const cols = [
        'CANFD',
        String(channel).padStart(3),
        dir.padEnd(4),
        id.padStart(8) + ' '.repeat(34),
        flags & FrameFlag.brs ? '1' : '0',
        flags & FrameFlag.esi ? '1' : '0',
        fdDlcFor(length).toString(16),
        String(length).padStart(2),
        ...bytes,
        '0'.padStart(8),
        '0'.padStart(4),
        fdFlags.toString(16).toUpperCase().padStart(8),
        ...Array.from({length: 5}, () => '0'.padStart(8)),
      ]
      return `${stamp(rel)} ${cols.join(' ')}\n`
    }
    const raw = b.rawDlc[i]!
    const dlc = (length === 8 && raw > 8 && raw < 16 ? raw : length).toString(16).toUpperCase()
    const body = flags & FrameFlag.remote ? `r ${dlc}` : `d ${dlc}${bytes.length ? ' ' + bytes.join(' ') : ''}`
    return `${stamp(rel)} ${channel}  ${id.padEnd(15)} ${dir.padEnd(4)} ${body}\n`
  }
}

/** Seconds with 6 decimals, right-aligned like CANoe (`   0.001234`), from integer µs. */
function stamp(us: number): string {
  const secs = Math.floor(us / 1e6)
  return `${secs}.${String(us - secs * 1e6).padStart(6, '0')}`.padStart(11)
}

/** ASC channels count from 1: `can0` → 1, `vcan2` → 3; names without a number → 1. */
function ascChannel(name: string | undefined): number {
  const digits = name === undefined ? null : /(\d+)$/.exec(name)
  return digits ? Number(digits[1]) + 1 : 1
}
