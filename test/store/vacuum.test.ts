import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {PassThrough, Readable} from 'node:stream'

import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {e46Stream} from '../../bench/e46-stream.js'
import {openCar} from '../../src/lib/car/index.js'
import {CandumpWriter} from '../../src/lib/can/log/index.js'
import {CarDecoder, decodeToSamples} from '../../src/lib/decode/index.js'
import {LivePath} from '../../src/lib/live/index.js'
import {openLiveStore, SessionManager, type VacuumResult} from '../../src/lib/store/index.js'
import {ROOT, runCli, tempDir} from '../helpers.js'
import {ingestLog} from './ingest-log.js'

const FRAMES = 75_000

async function sql(dbPath: string, query: string, readOnly = true): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(dbPath, readOnly ? {access_mode: 'READ_ONLY'} : {})
  const c = await instance.connect()
  try {
    return (await c.runAndReadAll(query)).getRowObjectsJS()
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

/** Every table's row count and the frames and samples checksums: what a vacuum must not change. */
async function contents(dbPath: string): Promise<string> {
  const counts = await sql(
    dbPath,
    `SELECT (SELECT count(*) FROM sessions) s, (SELECT count(*) FROM frames) f, (SELECT count(*) FROM samples) x, (SELECT count(*) FROM channels) c,
            (SELECT count(*) FROM ingest_log) l, (SELECT sum(hash(ts_us, can_id, data)) FROM frames) fh, (SELECT sum(hash(ts_us, channel_id, value)) FROM samples) xh,
            (SELECT string_agg(id || ':' || state, ',' ORDER BY id) FROM sessions) st`,
  )
  return JSON.stringify(counts, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

async function vacuum(dataDir: string, ...flags: string[]): Promise<VacuumResult> {
  const r = await runCli(['vacuum', '--json', '--data-dir', dataDir, ...flags])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as VacuumResult
}

describe('pitwall vacuum', () => {
  const dir = tempDir('pitwall-vacuum-')
  const data = join(dir.path, 'data')
  const db = join(data, 'pitwall.duckdb')
  const others: Record<string, string> = {
    'archive/keep-me.txt': 'not ours to remove',
    'notes.txt': 'crew notes',
    'pitwall.duckdb.corrupted-20260101T000000Z': 'a file an earlier salvage moved aside',
    'pitwall.yaml': 'car: bmw_e46_m3\n',
  }
  const othersUnchanged = (): void => {
    for (const [f, text] of Object.entries(others)) expect(readFileSync(join(data, f), 'utf8'), f).toBe(text)
  }

  beforeAll(async () => {
    const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    const base = e46Stream(car, FRAMES)
    const out = new PassThrough()
    const chunks: Buffer[] = []
    out.on('data', (c: Buffer) => chunks.push(c))
    const writer = new CandumpWriter(out)
    for (const b of base) await writer.write(b)
    await writer.close()
    const {store} = await openLiveStore(data)
    const live = new LivePath({car, store})
    const sessions = live.sessions
    for (let n = 0; n < 4; n++) {
      await ingestLog(live, Readable.from([Buffer.concat(chunks)]), `s${n}`)
      await sessions.end('sources_stopped')
    }
    await store.close()
    mkdirSync(join(data, 'archive'), {recursive: true})
    for (const [f, text] of Object.entries(others)) writeFileSync(join(data, f), text)
  }, 120_000)
  afterAll(() => dir.cleanup())

  it('after archiving, vacuum shrinks the file; what is left is intact and nothing else is removed', async () => {
    const ids = (await sql(db, 'SELECT id FROM sessions ORDER BY session_key')).map((r) => String(r['id']))
    const archived = await runCli(['archive', ...ids.slice(0, 3), '--data-dir', data])
    expect(archived.code, archived.stderr).toBe(0)
    const before = statSync(db).size
    const kept = await contents(db)

    const result = await vacuum(data)
    console.log(`vacuum after archiving 3 of 4 sessions: ${(result.before.fileBytes / 1e6).toFixed(1)} MB → ${(result.after.fileBytes / 1e6).toFixed(1)} MB (${result.shrink.reason}, ${result.shrink.ms} ms)`)
    expect(result.shrink.done).toBe(true)
    expect(result.before.fileBytes).toBe(before)
    expect(result.after.fileBytes).toBeLessThan(before / 2)
    expect(statSync(db).size).toBe(result.after.fileBytes)
    expect(result.after.freeBlocks).toBe(0)
    expect(result.shrink.tables).toMatchObject({frames: FRAMES, sessions: 4})
    expect(await contents(db)).toBe(kept)
    othersUnchanged()
    expect(readdirSync(data).filter((f) => f.includes('vacuum-tmp'))).toEqual([])
    expect(readdirSync(join(data, 'archive')).sort()).toEqual([...ids.slice(0, 3).map((id) => `${id}.duckdb`), 'keep-me.txt'].sort())

    // Nothing freed since: below the threshold, the file is left as it is.
    const again = await vacuum(data)
    expect(again.shrink.done).toBe(false)
    expect(again.shrink.reason).toContain('threshold 25%')
    expect(statSync(db).size).toBe(result.after.fileBytes)
  }, 120_000)

  it('--force shrinks regardless of the threshold; --dry-run changes nothing', async () => {
    const kept = await contents(db)
    const dry = await vacuum(data, '--force', '--dry-run')
    expect(dry).toMatchObject({dryRun: true, shrink: {done: false}})
    const forced = await vacuum(data, '--force')
    expect(forced.shrink.done).toBe(true)
    expect(await contents(db)).toBe(kept)
    othersUnchanged()
  }, 120_000)

  it('retention removes ingest log entries older than --retention, and only those', async () => {
    const day = 86_400_000_000
    const now = Date.now() * 1000
    await sql(db, `INSERT INTO ingest_log (session_key, ts_us, source, event) VALUES (NULL, ${now - 100 * day}, 'old', 'start'), (NULL, ${now - 10 * day}, 'recent', 'start')`, false)
    const dry = await vacuum(data, '--dry-run')
    expect(dry.retention.ingestLogRows).toBe(1)
    expect(await sql(db, `SELECT source FROM ingest_log WHERE source IN ('old', 'recent') ORDER BY source`)).toEqual([{source: 'old'}, {source: 'recent'}])
    const r = await vacuum(data, '--retention', '90d')
    expect(r.retention.ingestLogRows).toBe(1)
    expect(await sql(db, `SELECT source FROM ingest_log WHERE source IN ('old', 'recent') ORDER BY source`)).toEqual([{source: 'recent'}])
    const short = await vacuum(data, '--retention', '5d')
    expect(short.retention.ingestLogRows).toBe(1)
    const bad = await runCli(['vacuum', '--retention', '90', '--data-dir', data])
    expect(bad.code).toBe(64)
  }, 120_000)

  it('a leftover .vacuum-tmp is removed at the next open; nothing else is', async () => {
    writeFileSync(join(data, 'pitwall.duckdb.vacuum-tmp'), 'a copy an interrupted vacuum left')
    writeFileSync(join(data, 'pitwall.duckdb.vacuum-tmp.wal'), 'its wal')
    const r = await runCli(['archive', '--list', '--data-dir', data])
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(join(data, 'pitwall.duckdb.vacuum-tmp'))).toBe(false)
    expect(existsSync(join(data, 'pitwall.duckdb.vacuum-tmp.wal'))).toBe(false)
    othersUnchanged()
  }, 90_000)

  it('SIGKILL during vacuum --force at random moments: the next open finds the data whole', async () => {
    const kept = await contents(db)
    const outcomes: string[] = []
    for (let k = 0; k < 6; k++) {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'vacuum', '--force', '--data-dir', data], {stdio: 'ignore'})
      const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)))
      const delay = 400 + Math.floor(Math.random() * 2500)
      const timer = setTimeout(() => child.kill('SIGKILL'), delay)
      const signal = await exited
      clearTimeout(timer)
      const tmpLeft = existsSync(join(data, 'pitwall.duckdb.vacuum-tmp'))
      const list = await runCli(['archive', '--list', '--data-dir', data])
      expect(list.code, list.stderr).toBe(0)
      expect(await contents(db)).toBe(kept)
      expect(readdirSync(data).filter((f) => f.includes('vacuum-tmp') || f.includes('corrupted-2026112'))).toEqual([])
      othersUnchanged()
      outcomes.push(`${signal ? `killed after ${delay} ms` : 'finished'}${tmpLeft ? ', .vacuum-tmp left and removed at the next open' : ''}`)
    }
    console.log(`kill during vacuum: ${outcomes.join('; ')}`)
  }, 120_000)

  it('frames handed to the store while vacuum swaps the file are kept', async () => {
    const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    const batches = e46Stream(car, 200_000)
    const decoder = new CarDecoder(car)
    const {store} = await openLiveStore(join(dir.path, 'busy'))
    try {
      const sessions = new SessionManager(store, car)
      const half = 60 // about 120,000 frames stored before, so the copy takes a while; the rest arrive during it
      for (const b of batches.slice(0, half)) await sessions.append('test', 'gen', b, decodeToSamples(decoder, b))
      await store.flush()
      const vacuuming = store.vacuum({dryRun: false, force: true, minFreeFraction: 0.25, retentionMs: 90 * 86_400_000})
      for (const b of batches.slice(half)) {
        await sessions.append('test', 'gen', b, decodeToSamples(decoder, b))
        await new Promise((r) => setTimeout(r, 25))
      }
      expect((await vacuuming).shrink.done).toBe(true)
      await store.flush()
      expect(await store.query('SELECT count(*)::INTEGER AS n FROM frames')).toEqual([{n: 200_000}])
      expect(store.stats.committedFrames).toBe(200_000)
      expect(store.stats.dropped).toEqual({disk_full: 0, queue_full: 0, write_error: 0})
    } finally {
      await store.close()
    }
  }, 120_000)
})
