import {DATA_STRIDE, FrameBatch, MAX_BATCH_FRAMES} from './frame.js'

/** Media type of a binary frame batch (POST /api/frames). */
export const FRAME_WIRE_TYPE = 'application/vnd.pitwall.frames'

const MAGIC = 0x31465750 // "PWF1", little-endian
const HEADER_BYTES = 18

/**
 * A frame batch on the wire, for forwarding to the bridge: "PWF1", then per frame an 18-byte
 * little-endian header (f64 timestamp µs, u16 ns below the µs, u32 id, u8 flags, u8 length,
 * u8 raw DLC, u8 reserved) and `length` data bytes (none for remote frames). Bit-exact: every
 * field the store keeps survives the trip.
 */
export function encodeFrameBatch(batch: FrameBatch): Buffer {
  let size = 4
  for (let i = 0; i < batch.length; i++) size += HEADER_BYTES + payloadBytes(batch, i)
  const out = Buffer.allocUnsafe(size)
  out.writeUInt32LE(MAGIC, 0)
  let o = 4
  for (let i = 0; i < batch.length; i++) {
    out.writeDoubleLE(batch.timestampUs[i]!, o)
    out.writeUInt16LE(batch.subMicroNs[i]!, o + 8)
    out.writeUInt32LE(batch.id[i]!, o + 10)
    out[o + 14] = batch.flags[i]!
    out[o + 15] = batch.dataLength[i]!
    out[o + 16] = batch.rawDlc[i]!
    out[o + 17] = 0
    o += HEADER_BYTES
    const n = payloadBytes(batch, i)
    out.set(batch.data.subarray(i * DATA_STRIDE, i * DATA_STRIDE + n), o)
    o += n
  }
  return out
}

export class FrameWireError extends Error {
  readonly code = 'PW_BAD_FRAME_BATCH'
}

/** Decodes a body into batches of at most MAX_BATCH_FRAMES frames; throws FrameWireError naming the byte offset of a fault. */
export function decodeFrameBatches(body: Uint8Array): FrameBatch[] {
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (view.length < 4 || view.readUInt32LE(0) !== MAGIC) throw new FrameWireError('a binary frame batch starts with "PWF1"')
  const out: FrameBatch[] = []
  let batch = new FrameBatch(MAX_BATCH_FRAMES)
  let o = 4
  while (o < view.length) {
    if (o + HEADER_BYTES > view.length) throw new FrameWireError(`truncated frame header at byte ${o}`)
    const flags = view[o + 14]!
    const length = view[o + 15]!
    if (length > 64) throw new FrameWireError(`frame at byte ${o}: length ${length} is over 64`)
    const n = flags & 2 ? 0 : length
    if (o + HEADER_BYTES + n > view.length) throw new FrameWireError(`truncated frame data at byte ${o}`)
    if (batch.length === batch.capacity) {
      out.push(batch)
      batch = new FrameBatch(MAX_BATCH_FRAMES)
    }
    const i = batch.pushHeader(view.readDoubleLE(o), view.readUInt32LE(o + 10), flags, length, view.readUInt16LE(o + 8), view[o + 16]!)
    batch.data.set(view.subarray(o + HEADER_BYTES, o + HEADER_BYTES + n), i * DATA_STRIDE)
    o += HEADER_BYTES + n
  }
  if (batch.length > 0) out.push(batch)
  return out
}

function payloadBytes(batch: FrameBatch, i: number): number {
  return batch.flags[i]! & 2 ? 0 : batch.dataLength[i]!
}
