/**
 * `--garbage-rate`: before each frame (or point), with this probability, one piece of line noise
 * the reader must count and skip. Each sink makes garbage of its own kind, chosen so a correct
 * reader counts exactly one bad line (or malformed datagram) per piece:
 *
 * - slcan: 3–16 bytes of 0x80–0xFF then `\r` (USB line noise: not a frame letter, not printable,
 *   no CR/BEL/LF inside, shorter than a frame line), one `badLines` of SlcanParser;
 * - candump: a frame line whose data has an odd number of hex digits (a truncated write),
 *   one `badLines` of the candump reader;
 * - UDP: a datagram with JSON cut off mid-object, one `malformed` of the point decoder.
 */
import {Rng} from '../../sim/index.js'

export class GarbageInjector {
  private readonly rng: Rng

  constructor(
    readonly rate: number,
    seed: number,
  ) {
    this.rng = Rng.derive(seed, 'garbage')
  }

  /** Whether a piece of garbage goes before the next frame. */
  due(): boolean {
    return this.rate > 0 && this.rng.next() < this.rate
  }

  /** slcan line noise: 3..16 high bytes and a CR. */
  slcanNoise(): Uint8Array {
    const n = 3 + this.rng.int(14)
    const out = new Uint8Array(n + 1)
    for (let i = 0; i < n; i++) out[i] = 0x80 + this.rng.int(0x80)
    out[n] = 0x0d
    return out
  }

  /** A candump line with an odd number of data hex digits. */
  candumpNoise(stampUs: number, channel: string): string {
    const digits = 1 + 2 * this.rng.int(8)
    let hex = ''
    for (let i = 0; i < digits; i++) hex += '0123456789ABCDEF'[this.rng.int(16)]
    const id = (0x400 + this.rng.int(0x100)).toString(16).toUpperCase()
    return `(${(stampUs / 1e6).toFixed(6)}) ${channel} ${id}#${hex}\n`
  }

  /** A JSON point cut off before its end. */
  udpNoise(point: string): string {
    return point.slice(0, 1 + this.rng.int(Math.max(1, point.length - 2)))
  }
}
