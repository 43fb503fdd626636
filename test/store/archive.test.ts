import {closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {PassThrough, Readable} from 'node:stream'

import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {e46Stream} from '../../bench/e46-stream.js'
import {openCar} from '../../src/lib/car/index.js'
import type {Car} from '../../src/lib/car/model.js'
import {FrameBatch} from '../../src/lib/can/frame.js'
import {CandumpWriter} from '../../src/lib/can/log/index.js'
import {LivePath} from '../../src/lib/live/index.js'
import {type ArchiveFormat, openLiveStore, SessionManager} from '../../src/lib/store/index.js'
import {runCli, tempDir} from '../helpers.js'
import {ingestLog} from './ingest-log.js'

const SESSIONS = 50
const FRAMES = 75_000 // 5 minutes of the E46 MXP traffic (about 250 frames/s)
const LIMIT = 100 * 1024 * 1024

/** The test generator of candump streams: session `n` is the E46 stream shifted by n × 5 minutes. */
async function candumpSession(base: readonly FrameBatch[], n: number): Promise<Buffer> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const writer = new CandumpWriter(out)
  for (const b of base) {
    const copy = new FrameBatch(b.capacity, b.channels)
    copy.length = b.length
    for (const k of ['subMicroNs', 'id', 'flags', 'dataLength', 'rawDlc', 'channel', 'data'] as const) copy[k].set(b[k] as never)
    for (let i = 0; i < b.length; i++) copy.timestampUs[i] = b.timestampUs[i]! + n * 300e6
    await writer.write(copy)
  }
  await writer.close()
  return Buffer.concat(chunks)
}

const liveBytes = (dataDir: string): number =>
  ['pitwall.duckdb', 'pitwall.duckdb.wal'].reduce((n, f) => n + (existsSync(join(dataDir, f)) ? statSync(join(dataDir, f)).size : 0), 0)

/** Ingests the sessions in-process (openLiveStore + SessionManager + ingestLog), ending each after its stream. */
async function ingestAll(car: Car, base: readonly FrameBatch[], dataDir: string, autoArchive?: ArchiveFormat) {
  const {store} = await openLiveStore(dataDir)
  const live = new LivePath({car, session: autoArchive ? {autoArchive} : {}, store})
  const sessions = live.sessions
  let maxBytes = 0
  try {
    for (let n = 0; n < SESSIONS; n++) {
      const text = await candumpSession(base, n)
      await ingestLog(live, Readable.from([text]), `session-${n}`)
      await sessions.end('sources_stopped')
      maxBytes = Math.max(maxBytes, liveBytes(dataDir))
    }
  } finally {
    await store.close()
  }
  return {ended: sessions.ended, finalBytes: liveBytes(dataDir), maxBytes}
}

/** Frames and samples of a session: row counts and per-column hash sums (independent of row order and key). */
async function fingerprints(path: string, where: string): Promise<string> {
  const instance = await DuckDBInstance.create(path, {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    const f = (await c.runAndReadAll(`SELECT count(*) n, sum(hash(ts_us)) t, sum(hash(sub_ns)) s, sum(hash(can_id)) i, sum(hash(flags)) fl, sum(hash(len)) l, sum(hash(data)) d FROM frames ${where}`)).getRowsJS()
    const s = (await c.runAndReadAll(`SELECT count(*) n, sum(hash(ts_us)) t, sum(hash(channel_id)) c, sum(hash(value)) v FROM samples ${where}`)).getRowsJS()
    return JSON.stringify({frames: f[0], samples: s[0]}, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

/** The storage version number in a DuckDB file's header (64: v0.10/v1.0 storage). */
function storageVersionNumber(path: string): number {
  const fd = openSync(path, 'r')
  const head = Buffer.alloc(20)
  readSync(fd, head, 0, 20, 0)
  closeSync(fd)
  expect(head.toString('latin1', 8, 12)).toBe('DUCK')
  return Number(head.readBigUInt64LE(12))
}

describe('archive: 50 sessions of 5 minutes of E46 traffic', () => {
  const dir = tempDir('pitwall-archive-')
  let car: Car
  let base: FrameBatch[]
  const plain = join(dir.path, 'plain')
  const archived = join(dir.path, 'archived')
  const expected: string[] = []
  let archivedIds: string[] = []

  beforeAll(async () => {
    car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    base = e46Stream(car, FRAMES)
  }, 60_000)
  afterAll(() => dir.cleanup())

  it('without archiving, the same 50 sessions exceed 100 MB', async () => {
    const run = await ingestAll(car, base, plain)
    console.log(`without archiving: live DB ${(run.finalBytes / 1e6).toFixed(1)} MB after ${SESSIONS} sessions of ${FRAMES} frames`)
    expect(run.finalBytes).toBeGreaterThan(LIMIT)
    const instance = await DuckDBInstance.create(join(plain, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
    const c = await instance.connect()
    const keys = (await c.runAndReadAll('SELECT session_key, frames FROM sessions ORDER BY session_key')).getRowsJS()
    c.closeSync()
    instance.closeSync()
    expect(keys.map((k) => Number(k[1]))).toEqual(Array.from({length: SESSIONS}, () => FRAMES))
    for (const [key] of keys) expected.push(await fingerprints(join(plain, 'pitwall.duckdb'), `WHERE session_key = ${key}`))
  }, 240_000)

  it('archived as they end, they leave the live DB under 100 MB, and every archive verifies', async () => {
    const run = await ingestAll(car, base, archived, 'duckdb')
    console.log(`archived as they end: live DB at most ${(run.maxBytes / 1e6).toFixed(1)} MB during the run, ${(run.finalBytes / 1e6).toFixed(1)} MB at the end`)
    expect(run.maxBytes).toBeLessThan(LIMIT)
    expect(run.ended.map((e) => e.archiveError)).toEqual(Array.from({length: SESSIONS}, () => undefined))
    archivedIds = run.ended.map((e) => e.id)
    for (const [n, e] of run.ended.entries()) {
      expect(e.archive!.frames).toBe(FRAMES)
      const file = join(archived, e.archive!.path)
      expect(file).toBe(join(archived, 'archive', `${e.id}.duckdb`))
      // Written in the v1.0.0 storage format, so DuckDB 1.0 (and 0.10) tools open it.
      expect(storageVersionNumber(file)).toBe(64)
      // Verified independently of the archiver: the same frames and samples as the unarchived run's session n.
      expect(await fingerprints(file, ''), `session ${n}`).toBe(expected[n])
    }
    const instance = await DuckDBInstance.create(join(archived, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
    const c = await instance.connect()
    const states = (await c.runAndReadAll(`SELECT state, count(*), sum(frames) FROM sessions GROUP BY state`)).getRowsJS()
    const left = (await c.runAndReadAll(`SELECT (SELECT count(*) FROM frames) + (SELECT count(*) FROM samples)`)).getRowsJS()
    c.closeSync()
    instance.closeSync()
    expect(states.map((r) => [r[0], Number(r[1]), Number(r[2])])).toEqual([['archived', SESSIONS, SESSIONS * FRAMES]])
    expect(Number(left[0]![0])).toBe(0)
  }, 240_000)

  it('a restored archive replays to the same frames it was ingested from', async () => {
    const n = 7
    const id = archivedIds[n]!
    // Restore from elsewhere, so replay by id must read the restored rows in the live DB, not the archive.
    mkdirSync(join(dir.path, 'elsewhere'))
    const moved = join(dir.path, 'elsewhere', `${id}.duckdb`)
    renameSync(join(archived, 'archive', `${id}.duckdb`), moved)
    const restore = await runCli(['archive', '--restore', moved, '--json', '--data-dir', archived])
    expect(restore.code, restore.stderr).toBe(0)
    expect(JSON.parse(restore.stdout)).toMatchObject({id, rows: {frames: FRAMES}})
    const replay = await runCli(['replay', id, '--format', 'candump', '--unknown', '--data-dir', archived])
    expect(replay.code, replay.stderr).toBe(0)
    const ingested = (await candumpSession(base, n)).toString('latin1').split('\n')
    const replayed = replay.stdout.split('\n')
    expect(replayed.length).toBe(ingested.length)
    for (let i = 0; i < ingested.length; i++) if (replayed[i] !== ingested[i]) expect(`frame ${i}: ${replayed[i]}`).toBe(`frame ${i}: ${ingested[i]}`)
    expect(replay.stderr).toContain('(live-db, car bmw_e46_m3): 75000 frames read')
  }, 120_000)
})
