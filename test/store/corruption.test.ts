/**
 * Corruption salvage with real files and real processes: a multi-table live DB built by
 * `pitwall ingest --stdin`, one 4 KiB stretch of one data block overwritten with garbage (the
 * file header intact), then reopened by the CLI.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {LiveStore} from '../../src/lib/store/live-store.js'
import {openOrSalvage} from '../../src/lib/store/salvage.js'
import type {RecoveryReport} from '../../src/lib/store/salvage-report.js'
import {ROOT, runCli, tempDir} from '../helpers.js'
import {e46CandumpLines} from './e46-candump.js'

/** DuckDB's file layout (1.x): three 4 KiB headers, then blocks of `block_size` bytes, each starting with its checksum. */
const HEADERS = 3 * 4096

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')

/** Runs `body` on a READ_ONLY instance: nothing on disk changes (a WAL is replayed in memory only). */
async function readOnly<T>(path: string, body: (q: (sql: string) => Promise<Array<Record<string, unknown>>>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path, {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    return await body(async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>)
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

const TABLES = ['sessions', 'cars', 'channels', 'sources', 'frames', 'samples', 'laps', 'coaching_notes', 'ingest_log', 'recoveries']

async function tableCounts(path: string): Promise<Record<string, number>> {
  return readOnly(path, async (q) => {
    const out: Record<string, number> = {}
    for (const t of TABLES) out[t] = Number((await q(`SELECT count(*) AS n FROM ${t}`))[0]!['n'])
    return out
  })
}

/** An order-independent fingerprint of a table's rows (every column of every row). */
async function fingerprint(path: string, table: string, where = ''): Promise<string> {
  return readOnly(path, async (q) => JSON.stringify((await q(`SELECT count(*) AS n, bit_xor(hash(COLUMNS(*))) FROM ${table} ${where}`))[0], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
}

/** Blocks that hold data of exactly one table (and are not metadata), per table, with their row groups. */
async function dataBlocks(path: string): Promise<Array<{block: number; table: string; rowGroups: number[]; lastRowGroup: number}>> {
  return readOnly(path, async (q) => {
    const union = TABLES.map((t) => `SELECT '${t}' AS t, block_id AS b, row_group_id AS rg FROM pragma_storage_info('${t}')`).join(' UNION ALL ')
    const rows = await q(`
      WITH s AS (${union}), last AS (SELECT t, max(rg) AS lrg FROM s GROUP BY t)
      SELECT b, any_value(s.t) AS t, list(DISTINCT rg ORDER BY rg) AS rgs, any_value(lrg) AS lrg FROM s JOIN last USING (t)
      WHERE b >= 0 AND b NOT IN (SELECT block_id FROM pragma_metadata_info())
      GROUP BY b HAVING count(DISTINCT s.t) = 1 ORDER BY b`)
    return rows.map((r) => ({block: Number(r['b']), lastRowGroup: Number(r['lrg']), rowGroups: (r['rgs'] as number[]).map(Number), table: String(r['t'])}))
  })
}

async function blockSize(path: string): Promise<number> {
  return readOnly(path, async (q) => Number((await q('SELECT block_size FROM pragma_database_size()'))[0]!['block_size']))
}

/** Overwrites 4 KiB inside block `block` (past its checksum) with random bytes. */
function damageBlock(path: string, block: number, size: number): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, randomBytes(4096), 0, 4096, HEADERS + block * size + 8192)
  closeSync(fd)
}

/** Starts an ingest that keeps stdin open; resolves once `frames` are committed. */
function holdIngest(dataDir: string, lines: readonly string[]): {child: ChildProcess; committed: Promise<void>; exit: Promise<unknown>} {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'ingest', '--stdin'], {env: {...process.env, PITWALL_DATA_DIR: dataDir}, stdio: ['pipe', 'ignore', 'pipe']})
  child.stdin!.on('error', () => undefined)
  child.stdin!.write(lines.join('\n') + '\n')
  let stderr = ''
  const committed = new Promise<void>((done) =>
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes(`committed ${lines.length}\n`)) done()
    }),
  )
  return {child, committed, exit: new Promise((done) => child.on('exit', done))}
}

describe('a damaged live DB is moved aside and salvaged, never deleted', () => {
  const dir = tempDir('pitwall-corruption-')
  let lines: string[]
  beforeAll(async () => {
    lines = await e46CandumpLines(40_000)
  }, 60_000)
  afterAll(() => dir.cleanup())

  it('one damaged data block: file and WAL moved byte for byte, untouched tables recovered with their counts, the damaged one partly', async () => {
    const dataDir = join(dir.path, 'block')
    const db = join(dataDir, 'pitwall.duckdb')
    // Three sessions, each checkpointed at its clean exit…
    for (let s = 0; s < 3; s++) {
      const r = await runCli(['ingest', '--stdin', '--meta', `outing=${s + 1}`], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.join('\n') + '\n'})
      expect(r.code, r.stderr).toBe(0)
    }
    // …and a fourth killed right after its commit, so its frames live only in the WAL.
    const held = holdIngest(dataDir, lines.slice(0, 5000))
    await held.committed
    held.child.kill('SIGKILL')
    await held.exit
    expect(existsSync(`${db}.wal`)).toBe(true)

    const before = await tableCounts(db)
    expect(before.sessions).toBe(4)
    expect(before.frames).toBe(3 * 40_000 + 5000)
    const prints = Object.fromEntries(await Promise.all(['frames', 'channels', 'sources', 'cars'].map(async (t) => [t, await fingerprint(db, t)] as const)))

    // A samples block away from its last row group (the WAL appends there).
    const candidates = (await dataBlocks(db)).filter((b) => b.table === 'samples' && Math.max(...b.rowGroups) < b.lastRowGroup)
    expect(candidates.length).toBeGreaterThan(0)
    damageBlock(db, candidates[0]!.block, await blockSize(db))
    const dbHash = sha256(db)
    const walHash = sha256(`${db}.wal`)

    const r = await runCli(['ingest', '--stdin', '--json'], {env: {PITWALL_DATA_DIR: dataDir}, input: ''})
    expect(r.code, r.stderr).toBe(0)
    const recovery = (JSON.parse(r.stdout) as {recovery: RecoveryReport}).recovery

    // Moved, with its WAL, byte for byte; nothing deleted.
    const files = readdirSync(dataDir).sort()
    const moved = files.find((f) => /^pitwall\.duckdb\.corrupted-\d{8}T\d{6}Z$/.test(f))
    expect(moved, files.join(' ')).toBeDefined()
    expect(files).toContain(`${moved}.wal`)
    expect(recovery.movedTo).toBe(join(dataDir, moved!))
    expect(recovery.walMovedTo).toBe(join(dataDir, `${moved}.wal`))
    expect(sha256(join(dataDir, moved!))).toBe(dbHash)
    expect(sha256(join(dataDir, `${moved}.wal`))).toBe(walHash)
    expect(files.filter((f) => f.includes('salvag'))).toEqual([])
    expect(recovery.cause).toMatch(/checksum/)

    // Every table but samples came back whole, with the WAL's rows; samples lost only rows near the damage.
    const byTable = Object.fromEntries(recovery.tables.map((t) => [t.table, t]))
    for (const t of TABLES.filter((t) => t !== 'samples')) {
      expect(byTable[t], t).toMatchObject({rows: before[t], status: 'recovered', table: t})
    }
    const samples = byTable['samples']!
    expect(samples.status).toBe('partial')
    expect(samples.of).toBe(before.samples)
    expect(samples.rows).toBeLessThan(before.samples!)
    // At most the rows of the row groups that had values in the damaged block (122,880 rows each).
    expect(before.samples! - samples.rows).toBeLessThanOrEqual(candidates[0]!.rowGroups.length * 122_880)
    expect(samples.detail).toMatch(/rowids \d+-\d+ unreadable/)

    // The new file holds exactly that, the untouched tables row for row.
    const after = await tableCounts(db)
    expect(after.frames).toBe(before.frames)
    expect(after.samples).toBe(samples.rows)
    expect(after.sessions).toBe(4)
    for (const t of ['frames', 'channels', 'sources', 'cars']) expect(await fingerprint(db, t), t).toBe(prints[t])
    expect(after.recoveries).toBe(TABLES.length + 1) // one row per table + the move itself
    await readOnly(db, async (q) => {
      expect(await q(`SELECT event, reason FROM ingest_log WHERE event = 'recovery'`)).toEqual([{event: 'recovery', reason: 'corrupt'}])
      // The session the kill left live (its rows came from the WAL) was closed as unclean.
      expect((await q(`SELECT state, end_reason, frames FROM sessions ORDER BY session_key`)).at(-1)).toEqual({end_reason: 'unclean', frames: 5000n, state: 'ended'})
    })

    // Printed for a person too, table by table.
    const human = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: ''})
    expect(human.code).toBe(0)
    expect(human.stderr).not.toContain('moved aside') // reported once, when it happened; health shows it until acknowledged

    // Reported until acknowledged (health's view), through the live store.
    const {recovery: again, store} = await LiveStore.open(db)
    try {
      expect(again).toBeUndefined()
      const open = await store.unacknowledgedRecoveries()
      expect(open).toHaveLength(1)
      expect(open[0]).toMatchObject({atUs: recovery.atUs, movedTo: recovery.movedTo, walMovedTo: recovery.walMovedTo})
      expect(open[0]!.tables).toEqual(recovery.tables)
      expect(await store.acknowledgeRecoveries()).toBe(1)
      expect(await store.unacknowledgedRecoveries()).toEqual([])
      expect(await store.acknowledgeRecoveries()).toBe(0)
    } finally {
      await store.close()
    }

    // The salvaged file takes new sessions.
    const more = await runCli(['ingest', '--stdin', '--json'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 1000).join('\n') + '\n'})
    expect(more.code, more.stderr).toBe(0)
    expect((await tableCounts(db)).frames).toBe(before.frames! + 1000)
    // And the damaged copy still reads wherever it is not damaged: the salvage changed nothing in it.
    expect(await fingerprint(join(dataDir, moved!), 'frames')).toBe(prints['frames'])
  }, 180_000)

  it('the report is printed to stderr when it happens', async () => {
    const dataDir = join(dir.path, 'stderr')
    const db = join(dataDir, 'pitwall.duckdb')
    for (let s = 0; s < 2; s++) expect((await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.join('\n') + '\n'})).code).toBe(0)
    const block = (await dataBlocks(db)).find((b) => b.table === 'frames')!
    damageBlock(db, block.block, await blockSize(db))
    const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 100).join('\n') + '\n'})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/the live DB was damaged \(.*checksum.*\); it was moved aside, not deleted:/)
    expect(r.stderr).toMatch(/pitwall\.duckdb\.corrupted-\d{8}T\d{6}Z/)
    expect(r.stderr).toMatch(/^ {2}sessions +recovered +2 rows$/m)
    expect(r.stderr).toMatch(/^ {2}frames +(partial|lost) +[\d,]+ of 80,000 rows: rowids/m)
    expect(r.stderr).toContain('the damaged file keeps everything that could not be read')
    expect(r.stderr).toMatch(/100 frames read, 100 stored/)
  }, 120_000)

  it('a damaged catalog: nothing is readable, everything is reported lost, the file is kept as it was and a fresh one takes over', async () => {
    const dataDir = join(dir.path, 'catalog')
    const db = join(dataDir, 'pitwall.duckdb')
    expect((await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.join('\n') + '\n'})).code).toBe(0)
    const metadata = await readOnly(db, async (q) => (await q('SELECT block_id FROM pragma_metadata_info() ORDER BY block_id')).map((r) => Number(r['block_id'])))
    const size = await blockSize(db)
    // The metadata block's first 4 KiB sub-block holds the catalog root.
    const fd = openSync(db, 'r+')
    writeSync(fd, randomBytes(4096), 0, 4096, HEADERS + metadata[0]! * size + 8)
    closeSync(fd)
    const damagedHash = sha256(db)

    const r = await runCli(['ingest', '--stdin', '--json'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 500).join('\n') + '\n'})
    expect(r.code, r.stderr).toBe(0)
    const {recovery, store} = JSON.parse(r.stdout) as {recovery: RecoveryReport; store: {committedFrames: number}}
    expect(store.committedFrames).toBe(500)
    expect(recovery.tables.map((t) => t.status)).toEqual(recovery.tables.map(() => 'lost'))
    expect(recovery.tables.map((t) => t.table).sort()).toEqual([...TABLES].sort())
    expect(recovery.tables[0]!.detail).toMatch(/cannot be opened/)
    expect(sha256(recovery.movedTo)).toBe(damagedHash)
    expect((await tableCounts(db)).frames).toBe(500)
  }, 120_000)

  it('a salvage interrupted by a crash is finished at the next open from its plan', async () => {
    const dataDir = join(dir.path, 'resume')
    const db = join(dataDir, 'pitwall.duckdb')
    expect((await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.join('\n') + '\n'})).code).toBe(0)
    const block = (await dataBlocks(db)).find((b) => b.table === 'samples')!
    damageBlock(db, block.block, await blockSize(db))
    const damagedHash = sha256(db)
    // As the salvage leaves things if killed mid-copy: plan written, file moved, a partial copy.
    const movedTo = `${db}.corrupted-20261122T091403Z`
    const plan = {atUs: Date.UTC(2026, 10, 22, 9, 14, 3) * 1000, cause: 'IO Error: Corrupt database file: (test)', movedTo}
    writeFileSync(`${db}.salvaging`, JSON.stringify(plan))
    renameSync(db, movedTo)
    writeFileSync(`${db}.salvage-tmp`, 'half a copy')

    const {db: opened, recovery} = await openOrSalvage(db)
    try {
      expect(recovery?.atUs).toBe(plan.atUs)
      expect(recovery?.tables.find((t) => t.table === 'frames')).toMatchObject({rows: 40_000, status: 'recovered'})
      expect(recovery?.tables.find((t) => t.table === 'samples')?.status).toMatch(/partial|lost/)
    } finally {
      opened.writer.close()
      opened.instance.close()
    }
    expect(readdirSync(dataDir).sort()).toEqual(['pitwall.duckdb', 'pitwall.duckdb.corrupted-20261122T091403Z'])
    expect(sha256(movedTo)).toBe(damagedHash)
    expect((await tableCounts(db)).frames).toBe(40_000)
  }, 120_000)

  it('a damaged sessions table: the frames it described get stand-in sessions, so no command loses sight of them', async () => {
    const dataDir = join(dir.path, 'sessions')
    const db = join(dataDir, 'pitwall.duckdb')
    for (let s = 0; s < 2; s++) expect((await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.join('\n') + '\n'})).code).toBe(0)
    const block = (await dataBlocks(db)).find((b) => b.table === 'sessions')
    expect(block).toBeDefined()
    damageBlock(db, block!.block, await blockSize(db))

    const r = await runCli(['ingest', '--stdin', '--json'], {env: {PITWALL_DATA_DIR: dataDir}, input: ''})
    expect(r.code, r.stderr).toBe(0)
    const {recovery} = JSON.parse(r.stdout) as {recovery: RecoveryReport}
    const sessions = recovery.tables.find((t) => t.table === 'sessions')!
    expect(sessions).toMatchObject({rows: 0, status: 'lost'})
    expect(sessions.detail).toContain("2 session(s) rebuilt from their surviving rows (car unknown, end reason 'recovered')")
    expect(recovery.tables.find((t) => t.table === 'frames')).toMatchObject({rows: 80_000, status: 'recovered'})
    await readOnly(db, async (q) => {
      const rows = await q('SELECT id, session_key, car_id, state, end_reason, frames FROM sessions ORDER BY session_key')
      expect(rows).toEqual([1, 2].map((k) => ({car_id: 'unknown', end_reason: 'recovered', frames: 40_000n, id: expect.stringMatching(new RegExp(`^\\d{8}T\\d{6}Z-recovered-${k}$`)) as string, session_key: k, state: 'ended'})))
    })
  }, 120_000)

  it('an empty file (a create that died on a full disk) is moved aside and reported as holding no data', async () => {
    const dataDir = join(dir.path, 'empty')
    mkdirSync(dataDir)
    writeFileSync(join(dataDir, 'pitwall.duckdb'), '')
    const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 10).join('\n') + '\n'})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('it held no data (an empty file); a fresh live DB takes its place.')
    expect(readdirSync(dataDir).filter((f) => f.includes('corrupted'))).toHaveLength(1)
  }, 60_000)

  it('a file that is not a DuckDB database at all is moved aside, not overwritten', async () => {
    const dataDir = join(dir.path, 'garbage')
    mkdirSync(dataDir)
    const db = join(dataDir, 'pitwall.duckdb')
    writeFileSync(db, randomBytes(64 * 1024))
    const hash = sha256(db)
    const r = await runCli(['ingest', '--stdin', '--json'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 10).join('\n') + '\n'})
    expect(r.code, r.stderr).toBe(0)
    const {recovery} = JSON.parse(r.stdout) as {recovery: RecoveryReport}
    expect(sha256(recovery.movedTo)).toBe(hash)
    expect(recovery.cause).toMatch(/not a valid DuckDB database file/)
  }, 60_000)
})
