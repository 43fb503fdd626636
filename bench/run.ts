/**
 * `npm run bench`: runs every bench in its own process (so one bench's JIT state and garbage do
 * not colour the next), collects their `BENCH` lines, and prints a markdown table with the
 * machine and date, ready for docs/perf-baseline.md.
 *
 *   npm run bench                # all
 *   npm run bench -- decode      # only benches whose file name contains "decode"
 */
import {execFileSync} from 'node:child_process'
import {cpus, totalmem} from 'node:os'
import {join} from 'node:path'

import type {BenchResult} from './harness.js'

const BENCHES = ['decode.ts', 'candump-parse.ts', 'slcan-parse.ts', 'ingest-e2e.ts', 'store-write.ts', 'bridge-load.ts', 'coach.ts', 'coach-bridge.ts']
const filter = process.argv[2]
const dir = import.meta.dirname
const results: BenchResult[] = []

for (const file of BENCHES.filter((f) => !filter || f.includes(filter))) {
  process.stderr.write(`\n# ${file}\n`)
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(dir, file)], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24})
  for (const line of out.split('\n')) if (line.startsWith('BENCH ')) results.push(JSON.parse(line.slice(6)) as BenchResult)
}

const cpu = cpus()[0]?.model ?? 'unknown CPU'
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
console.log(`Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}\n`)
console.log('| bench | items/run | median /s | min /s | max /s | target /s | met | checksum |')
console.log('|---|---|---|---|---|---|---|---|')
for (const r of results) {
  const met = r.target === undefined ? '' : r.medianPerSecond >= r.target ? 'yes' : '**no**'
  console.log(`| ${r.name} | ${fmt(r.items)} ${r.unit} | ${fmt(r.medianPerSecond)} | ${fmt(r.minPerSecond)} | ${fmt(r.maxPerSecond)} | ${r.target === undefined ? '' : fmt(r.target)} | ${met} | ${r.checksum} |`)
}
// What a rate alone does not say (event-loop stall, memory, sizes): the benches' notes.
console.log('')
for (const r of results) if (r.note) console.log(`- ${r.name}: ${r.note}`)
if (results.some((r) => r.target !== undefined && r.medianPerSecond < r.target)) process.exitCode = 1
