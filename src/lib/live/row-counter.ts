const BUCKET_MS = 10_000
const BUCKETS = 30

/**
 * Rows committed over the last five minutes, from the store's running totals: 30 buckets of
 * 10 s, so `/health` can say whether anything reached the disk lately (the seed's
 * `wide_rows.last_5min` / `tall_rows.last_5min`). Frames are our one-row-per-frame table, samples
 * the tall one.
 */
export class RowCounter {
  private readonly frames = new Float64Array(BUCKETS)
  private readonly samples = new Float64Array(BUCKETS)
  private readonly stamps = new Float64Array(BUCKETS).fill(-1)
  private lastFrames = 0
  private lastSamples = 0

  constructor(private readonly nowMs: () => number = () => Date.now()) {}

  /** Takes the store's running totals after a commit. */
  commit(totalFrames: number, totalSamples: number): void {
    const slot = this.slot()
    this.frames[slot]! += Math.max(0, totalFrames - this.lastFrames)
    this.samples[slot]! += Math.max(0, totalSamples - this.lastSamples)
    this.lastFrames = totalFrames
    this.lastSamples = totalSamples
  }

  last5min(): {frames: number; samples: number} {
    const now = Math.floor(this.nowMs() / BUCKET_MS)
    let frames = 0
    let samples = 0
    for (let i = 0; i < BUCKETS; i++) {
      if (now - this.stamps[i]! < BUCKETS) {
        frames += this.frames[i]!
        samples += this.samples[i]!
      }
    }
    return {frames, samples}
  }

  private slot(): number {
    const bucket = Math.floor(this.nowMs() / BUCKET_MS)
    const slot = bucket % BUCKETS
    if (this.stamps[slot] !== bucket) {
      this.stamps[slot] = bucket
      this.frames[slot] = 0
      this.samples[slot] = 0
    }
    return slot
  }
}
