/**
 * CAN frames as pitwall moves them: in batches of typed arrays (`FrameBatch`), never one object
 * and one promise per frame. `Frame` is a convenient object view for tests and tools.
 */

/** Bits of `FrameBatch.flags`. */
export const FrameFlag = {
  /** 29-bit identifier. */
  extended: 0x01,
  /** Remote transmission request (classic CAN only). */
  remote: 0x02,
  /** Error frame (candump's CAN_ERR_FLAG); `id` holds the error class bits. */
  error: 0x04,
  /** CAN FD frame. */
  fd: 0x08,
  /** CAN FD bit-rate switch. */
  brs: 0x10,
  /** CAN FD error state indicator. */
  esi: 0x20,
  /** Marked as received (candump -x ` R`). */
  rx: 0x40,
  /** Marked as sent (candump -x ` T`). */
  tx: 0x80,
} as const

/** Most frames a batch holds. */
export const MAX_BATCH_FRAMES = 2048
/** Bytes reserved per frame in `FrameBatch.data`: the CAN FD maximum. */
export const DATA_STRIDE = 64

/** CAN FD DLC codes 9..15 and the byte lengths they mean. */
export const FD_LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64] as const

/** One frame as an object. Slow path only: tests, tools, error messages. */
export interface Frame {
  /** Integer microseconds since the Unix epoch (or since the log start, for relative logs). */
  readonly timestampUs: number
  /** Nanoseconds below the microsecond (0..999), kept so a 9-digit candump stamp round-trips. */
  readonly subMicroNs?: number
  readonly id: number
  readonly extended: boolean
  readonly remote: boolean
  readonly error: boolean
  readonly fd: boolean
  readonly brs: boolean
  readonly esi: boolean
  /** Payload (for a remote frame: empty; its requested length is `length`). */
  readonly data: Uint8Array
  /** Payload length in bytes; for a remote frame, the requested length. */
  readonly length: number
  /** Raw DLC 9..15 of a classic 8-byte frame (candump `_E`), when it was not 8. */
  readonly rawDlc?: number
  /** Interface name (candump `can0`), when known. */
  readonly channel?: string
  readonly direction?: 'rx' | 'tx'
}

export type FrameInit = Partial<Omit<Frame, 'id' | 'data'>> & {readonly id: number; readonly data?: Uint8Array | readonly number[]}

/**
 * Up to `capacity` frames in parallel typed arrays. Producers fill it with `push`, consumers read
 * the arrays directly (index `i` < `length`; data of frame `i` at `data[i * DATA_STRIDE]`).
 * A batch is reused: `clear()` and fill again, no allocation per frame.
 */
export class FrameBatch {
  length = 0
  readonly timestampUs: Float64Array
  readonly subMicroNs: Uint16Array
  readonly id: Uint32Array
  readonly flags: Uint8Array
  /** Payload length in bytes (0..64); for remote frames, the requested length. */
  readonly dataLength: Uint8Array
  /** Raw DLC 9..15 for classic 8-byte frames that carried one, else 0. */
  readonly rawDlc: Uint8Array
  /** Index into `channels`, or 0xFFFF when unknown. */
  readonly channel: Uint16Array
  readonly data: Uint8Array
  /** Interface names the `channel` column refers to, shared by the batches of one source. */
  channels: string[]

  constructor(
    readonly capacity: number = MAX_BATCH_FRAMES,
    channels: string[] = [],
  ) {
    this.timestampUs = new Float64Array(capacity)
    this.subMicroNs = new Uint16Array(capacity)
    this.id = new Uint32Array(capacity)
    this.flags = new Uint8Array(capacity)
    this.dataLength = new Uint8Array(capacity)
    this.rawDlc = new Uint8Array(capacity)
    this.channel = new Uint16Array(capacity)
    this.data = new Uint8Array(capacity * DATA_STRIDE)
    this.channels = channels
  }

  get full(): boolean {
    return this.length >= this.capacity
  }

  clear(): void {
    this.length = 0
  }

  /**
   * Appends one frame's header and returns its index; the caller writes its payload at
   * `data[index * DATA_STRIDE]`. Bytes past `dataLength` are zeroed so readers never see a
   * previous frame's tail.
   */
  pushHeader(timestampUs: number, id: number, flags: number, dataLength: number, subMicroNs = 0, rawDlc = 0, channel = 0xffff): number {
    const i = this.length++
    this.timestampUs[i] = timestampUs
    this.subMicroNs[i] = subMicroNs
    this.id[i] = id
    this.flags[i] = flags
    this.dataLength[i] = dataLength
    this.rawDlc[i] = rawDlc
    this.channel[i] = channel
    this.data.fill(0, i * DATA_STRIDE, (i + 1) * DATA_STRIDE)
    return i
  }

  /**
   * Appends frame `i` of `from` (header, the whole payload stride, interface) and returns its
   * index here. `from` may be this batch with `i` ≥ `length`: keeping frames in place while
   * dropping others. The interface is carried by name when the batches do not share `channels`.
   */
  pushFrom(from: FrameBatch, i: number): number {
    const j = this.length++
    this.timestampUs[j] = from.timestampUs[i]!
    this.subMicroNs[j] = from.subMicroNs[i]!
    this.id[j] = from.id[i]!
    this.flags[j] = from.flags[i]!
    this.dataLength[j] = from.dataLength[i]!
    this.rawDlc[j] = from.rawDlc[i]!
    const channel = from.channel[i]!
    this.channel[j] = channel === 0xffff || from.channels === this.channels ? channel : this.channelOf(from.channels[channel])
    // `set` copies correctly when both views share one buffer (from === this).
    this.data.set(from.data.subarray(i * DATA_STRIDE, (i + 1) * DATA_STRIDE), j * DATA_STRIDE)
    return j
  }

  /** Frames `start … end - 1` as a new batch of exactly that many, sharing `channels`. */
  slice(start: number, end: number = this.length): FrameBatch {
    if (!(0 <= start && start <= end && end <= this.length)) throw new RangeError(`slice ${start}…${end} of a batch of ${this.length} frames`)
    const out = new FrameBatch(end - start, this.channels)
    out.timestampUs.set(this.timestampUs.subarray(start, end))
    out.subMicroNs.set(this.subMicroNs.subarray(start, end))
    out.id.set(this.id.subarray(start, end))
    out.flags.set(this.flags.subarray(start, end))
    out.dataLength.set(this.dataLength.subarray(start, end))
    out.rawDlc.set(this.rawDlc.subarray(start, end))
    out.channel.set(this.channel.subarray(start, end))
    out.data.set(this.data.subarray(start * DATA_STRIDE, end * DATA_STRIDE))
    out.length = end - start
    return out
  }

  /** Appends a frame from an object (slow path). Returns its index. */
  push(frame: FrameInit): number {
    const data = frame.data ?? []
    const flags =
      (frame.extended ? FrameFlag.extended : 0) |
      (frame.remote ? FrameFlag.remote : 0) |
      (frame.error ? FrameFlag.error : 0) |
      (frame.fd ? FrameFlag.fd : 0) |
      (frame.brs ? FrameFlag.brs : 0) |
      (frame.esi ? FrameFlag.esi : 0) |
      (frame.direction === 'rx' ? FrameFlag.rx : frame.direction === 'tx' ? FrameFlag.tx : 0)
    const channel = frame.channel === undefined ? 0xffff : this.channelIndex(frame.channel)
    const length = frame.length ?? data.length
    const i = this.pushHeader(frame.timestampUs ?? 0, frame.id, flags, length, frame.subMicroNs ?? 0, frame.rawDlc ?? 0, channel)
    this.data.set(data, i * DATA_STRIDE)
    return i
  }

  /** The index of an interface name in `channels`, added when new. */
  channelIndex(name: string): number {
    const found = this.channels.indexOf(name)
    return found >= 0 ? found : this.channels.push(name) - 1
  }

  private channelOf(name: string | undefined): number {
    return name === undefined ? 0xffff : this.channelIndex(name)
  }

  /** Frame `i` as an object (copies its payload). */
  frame(i: number): Frame {
    const f = this.flags[i]!
    const remote = (f & FrameFlag.remote) !== 0
    const length = this.dataLength[i]!
    const start = i * DATA_STRIDE
    const channel = this.channel[i] === 0xffff ? undefined : this.channels[this.channel[i]!]
    const direction = f & FrameFlag.rx ? 'rx' : f & FrameFlag.tx ? 'tx' : undefined
    return {
      brs: (f & FrameFlag.brs) !== 0,
      data: remote ? new Uint8Array(0) : this.data.slice(start, start + length),
      error: (f & FrameFlag.error) !== 0,
      esi: (f & FrameFlag.esi) !== 0,
      extended: (f & FrameFlag.extended) !== 0,
      fd: (f & FrameFlag.fd) !== 0,
      id: this.id[i]!,
      length,
      remote,
      timestampUs: this.timestampUs[i]!,
      ...(this.subMicroNs[i] ? {subMicroNs: this.subMicroNs[i]} : {}),
      ...(this.rawDlc[i] ? {rawDlc: this.rawDlc[i]} : {}),
      ...(channel === undefined ? {} : {channel}),
      ...(direction ? {direction} : {}),
    }
  }

  /** All frames as objects (slow path). */
  frames(): Frame[] {
    return Array.from({length: this.length}, (_, i) => this.frame(i))
  }
}

/** The smallest CAN FD DLC code whose length holds `bytes`. */
export function fdDlcFor(bytes: number): number {
  const code = FD_LENGTHS.findIndex((n) => n >= bytes)
  if (code < 0) throw new RangeError(`a CAN FD frame holds at most 64 bytes, not ${bytes}`)
  return code
}
