/**
 * The store's write path at the driver seam, through each driver in one run: 1,000,000 frames of
 * the synthetic E46 stream and their decoded samples, as the store's ColumnBuilder hands them to
 * the appenders (2,048-row chunks), in transactions of about 64k frames (flush, COMMIT), into a
 * fresh DuckDB file per run. Decoding happens once, before the runs: only the driver is measured.
 * Target (issue 12): the ffi driver writes at least 0.5x as fast as node-api.
 *
 *   npx tsx --expose-gc bench/driver-write.ts [frames]
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadCarFile} from '../src/lib/car/index.js'
import {CarDecoder, decodeToSamples} from '../src/lib/decode/index.js'
import {FindingSink} from '../src/lib/findings.js'
import {loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../src/lib/formula/index.js'
import {CHUNK_ROWS, ColumnBuilder} from '../src/lib/store/chunks.js'
import {loadFfiDriver} from '../src/lib/store/driver/ffi/index.js'
import {nodeApiDriver} from '../src/lib/store/driver/node-api.js'
import type {DuckDriver} from '../src/lib/store/driver/types.js'
import {e46Stream} from './e46-stream.js'
import {fold, measure} from './harness.js'

const ROOT = join(import.meta.dirname, '..')
const FRAMES = Number(process.argv[2] ?? 1_000_000)
const COMMIT_FRAMES = 65_536
const TABLES = [
  `CREATE TABLE frames (session_key INTEGER NOT NULL, source_id UTINYINT NOT NULL, ts_us BIGINT NOT NULL, sub_ns USMALLINT NOT NULL,
    can_id UINTEGER NOT NULL, flags UTINYINT NOT NULL, len UTINYINT NOT NULL, raw_dlc UTINYINT NOT NULL, data BLOB NOT NULL)`,
  'CREATE TABLE samples (session_key INTEGER NOT NULL, ts_us BIGINT NOT NULL, channel_id USMALLINT NOT NULL, value DOUBLE)',
]

const library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
const car = (await loadCarFile(join(ROOT, 'cars', 'bmw_e46_m3.yaml'), library)).car!
const decoder = new CarDecoder(car)
const batches = e46Stream(car, FRAMES).map((frames) => ({frames, samples: decodeToSamples(decoder, frames)}))
const samplesPerRun = batches.reduce((n, b) => n + b.samples.length, 0)
const dir = mkdtempSync(join(tmpdir(), 'pitwall-bench-driver-'))

/** One run: a fresh file, every batch appended in chunks, committed every COMMIT_FRAMES. */
async function writeOnce(driver: DuckDriver, run: number): Promise<number> {
  const path = join(dir, `${driver.name}-${run}.duckdb`)
  const database = await driver.open(path, {storage_compatibility_version: 'v1.0.0'})
  const c = await database.connect()
  for (const table of TABLES) await c.run(table)
  const frames = await c.appender('frames')
  const samples = await c.appender('samples')
  const columns = new ColumnBuilder()
  let uncommitted = 0
  await c.run('BEGIN')
  for (const batch of batches) {
    for (let from = 0; from < batch.frames.length; from += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, batch.frames.length - from)
      frames.append(columns.frames(1, 1, batch.frames, from, n), n)
    }
    for (let from = 0; from < batch.samples.length; from += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, batch.samples.length - from)
      samples.append(columns.samples(1, batch.samples, from, n), n)
    }
    uncommitted += batch.frames.length
    if (uncommitted >= COMMIT_FRAMES) {
      frames.flush()
      samples.flush()
      await c.run('COMMIT')
      await c.run('BEGIN')
      uncommitted = 0
    }
  }
  frames.close()
  samples.close()
  await c.run('COMMIT')
  const [[storedFrames, storedSamples]] = (await c.query('SELECT (SELECT count(*) FROM frames), (SELECT count(*) FROM samples)')).rows as [[bigint, bigint]]
  c.close()
  database.close()
  for (const file of [path, `${path}.wal`]) rmSync(file, {force: true})
  if (Number(storedFrames) !== FRAMES || Number(storedSamples) !== samplesPerRun) throw new Error(`${driver.name}: stored ${storedFrames} frames, ${storedSamples} samples`)
  return fold(fold(0, Number(storedFrames)), Number(storedSamples))
}

const rates: Record<string, number> = {}
for (const driver of [nodeApiDriver(), await loadFfiDriver()]) {
  let run = 0
  const result = await measure(
    `driver write: E46 frames + samples through the ${driver.name} driver (${driver.libraryVersion()})`,
    {items: FRAMES, note: `${(samplesPerRun / FRAMES).toFixed(2)} samples/frame, appenders of the seam, COMMIT every ${COMMIT_FRAMES} frames`, runs: 3},
    () => writeOnce(driver, run++),
  )
  rates[driver.name] = result.medianPerSecond
}
const ratio = rates['ffi']! / rates['node-api']!
process.stderr.write(`ffi / node-api write rate: ${ratio.toFixed(2)}x (target at least 0.5x)${ratio >= 0.5 ? '' : '  (BELOW TARGET)'}\n`)
rmSync(dir, {force: true, recursive: true})
if (ratio < 0.5) process.exitCode = 1
