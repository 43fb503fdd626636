import type {FrameBatch} from '../can/frame.js'
import type {CarDecoder} from './car-decoder.js'

/**
 * Decoded samples in the store's tall layout: one row per channel value a frame produced
 * (time, channel slot, value; NaN = no value). Grows by doubling; no object per sample.
 */
export class SampleBatch {
  length = 0
  timestampUs: Float64Array
  channel: Uint16Array
  value: Float64Array

  constructor(capacity = 8192) {
    this.timestampUs = new Float64Array(capacity)
    this.channel = new Uint16Array(capacity)
    this.value = new Float64Array(capacity)
  }

  push(timestampUs: number, channel: number, value: number): void {
    if (this.length === this.value.length) this.grow()
    const i = this.length++
    this.timestampUs[i] = timestampUs
    this.channel[i] = channel
    this.value[i] = value
  }

  private grow(): void {
    const n = this.value.length * 2
    const grow = <T extends Float64Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(n)
      b.set(a)
      return b
    }
    this.timestampUs = grow(this.timestampUs, (k) => new Float64Array(k))
    this.channel = grow(this.channel, (k) => new Uint16Array(k))
    this.value = grow(this.value, (k) => new Float64Array(k))
  }
}

/** Decodes a batch and returns every channel value its frames produced, as samples. */
export function decodeToSamples(decoder: CarDecoder, batch: FrameBatch, into = new SampleBatch(batch.length * 8)): SampleBatch {
  decoder.decodeBatch(batch, (i) => {
    const t = batch.timestampUs[i]!
    for (let k = 0; k < decoder.updatedCount; k++) {
      const c = decoder.updated[k]!
      into.push(t, c, decoder.values[c]!)
    }
  })
  return into
}
