/**
 * Interface names (`can0`, `vcan0`) of one log, mapped to the indices `FrameBatch.channel` holds.
 * The hot path looks a name up by its bytes, so a line costs no string unless its name is new.
 */
export class ChannelTable {
  /** Shared with every batch of the log as `FrameBatch.channels`. */
  readonly names: string[] = []
  private readonly encoded: Uint8Array[] = []
  private last = -1

  /** The index of the name in bytes `[start, end)` of `buf`, added when new. */
  indexOfBytes(buf: Uint8Array, start: number, end: number): number {
    // Most logs have one interface: try the last hit before scanning.
    if (this.last >= 0 && sameBytes(this.encoded[this.last]!, buf, start, end)) return this.last
    for (let i = 0; i < this.encoded.length; i++) {
      if (sameBytes(this.encoded[i]!, buf, start, end)) return (this.last = i)
    }
    const bytes = buf.slice(start, end)
    this.encoded.push(bytes)
    this.names.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'))
    return (this.last = this.names.length - 1)
  }

  /** The index of a name given as a string, added when new. */
  indexOfName(name: string): number {
    const found = this.names.indexOf(name)
    if (found >= 0) return found
    this.encoded.push(Buffer.from(name, 'utf8'))
    this.names.push(name)
    return this.names.length - 1
  }
}

function sameBytes(name: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (name.length !== end - start) return false
  for (let i = 0; i < name.length; i++) if (name[i] !== buf[start + i]) return false
  return true
}
