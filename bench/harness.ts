/**
 * Shared bench plumbing: run a measured function several times, report the median, and print
 * one machine-readable `BENCH {json}` line that bench/run.ts collects into a table.
 */
export interface BenchResult {
  readonly name: string
  /** Items processed per run (frames, lines, …). */
  readonly items: number
  readonly unit: string
  readonly runs: number
  /** Items per second, median over the runs. */
  readonly medianPerSecond: number
  readonly minPerSecond: number
  readonly maxPerSecond: number
  /** Folded from every result so the work cannot be optimised away; equal across runs. */
  readonly checksum: string
  readonly target?: number
  readonly note?: string
}

export async function measure(
  name: string,
  options: {items: number; unit?: string; runs?: number; target?: number; note?: string},
  body: () => number | Promise<number>,
): Promise<BenchResult> {
  const runs = options.runs ?? 5
  const rates: number[] = []
  let checksum: number | undefined
  await body() // warm-up: JIT and caches, not measured
  for (let r = 0; r < runs; r++) {
    ;(globalThis as {gc?: () => void}).gc?.()
    const start = process.hrtime.bigint()
    const sum = await body()
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    if (checksum !== undefined && sum !== checksum) throw new Error(`${name}: checksum changed between runs (${checksum} → ${sum})`)
    checksum = sum
    rates.push(options.items / seconds)
  }
  rates.sort((a, b) => a - b)
  const result: BenchResult = {
    checksum: (checksum! >>> 0).toString(16).padStart(8, '0'),
    items: options.items,
    maxPerSecond: rates.at(-1)!,
    medianPerSecond: rates[Math.floor(rates.length / 2)]!,
    minPerSecond: rates[0]!,
    name,
    runs,
    unit: options.unit ?? 'frames',
    ...(options.target === undefined ? {} : {target: options.target}),
    ...(options.note === undefined ? {} : {note: options.note}),
  }
  const verdict = result.target === undefined ? '' : result.medianPerSecond >= result.target ? '  (target met)' : '  (BELOW TARGET)'
  process.stderr.write(`${name}: ${Math.round(result.medianPerSecond).toLocaleString('en')} ${result.unit}/s median of ${runs}${verdict}\n`)
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`)
  return result
}

/** Mixes a number into a 32-bit checksum (FNV-style on the value's bits). */
export function fold(sum: number, value: number): number {
  const v = Number.isFinite(value) ? Math.round(value * 1000) | 0 : 0x7fc00000
  return Math.imul(sum ^ v, 16_777_619) >>> 0
}
