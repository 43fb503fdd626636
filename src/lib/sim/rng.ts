/**
 * Seeded randomness for the simulator: the same `--seed` gives the same laps, byte for byte.
 * Each use draws from its own stream (`Rng.derive(seed, 'loop', 3)`), so adding a draw in one
 * place (a new fault, a new channel) does not shift every other random number.
 *
 * mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast, and statistically fine for
 * simulation noise; the labels are hashed into its seed with xmur3 (same author's string hash).
 */
export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** A stream named by `labels` under `seed`: independent of every other name. */
  static derive(seed: number, ...labels: Array<string | number>): Rng {
    return new Rng(hash(`${seed >>> 0}/${labels.join('/')}`))
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next()
  }

  /** Standard normal (Box–Muller). */
  gauss(): number {
    const u = 1 - this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
}

/** xmur3: a 32-bit string hash, good enough to seed a generator. */
function hash(text: string): number {
  let h = 1779033703 ^ text.length
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353)
    h = (h << 13) | (h >>> 19)
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507)
  h = Math.imul(h ^ (h >>> 13), 3266489909)
  return (h ^= h >>> 16) >>> 0
}

/**
 * Smooth noise along a distance: random knots every `spacing` metres, joined by cosine
 * interpolation, in about [−1, 1]. Wraps over `length` so a lap's noise joins up with itself.
 */
export class SmoothNoise {
  private readonly knots: Float64Array

  constructor(
    rng: Rng,
    private readonly length: number,
    private readonly spacing: number,
  ) {
    const n = Math.max(2, Math.round(length / spacing))
    this.knots = Float64Array.from({length: n}, () => rng.uniform(-1, 1))
    this.spacing = length / n
  }

  at(d: number): number {
    const n = this.knots.length
    const u = (((d % this.length) + this.length) % this.length) / this.spacing
    const i = Math.floor(u)
    const f = (1 - Math.cos(Math.PI * (u - i))) / 2
    return this.knots[i % n]! * (1 - f) + this.knots[(i + 1) % n]! * f
  }
}
