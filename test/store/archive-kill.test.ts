import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, renameSync} from 'node:fs'
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
import {openLiveStore, SessionManager} from '../../src/lib/store/index.js'
import {ROOT, runCli, tempDir} from '../helpers.js'
import {ingestLog} from './ingest-log.js'

const SESSIONS = 6
const FRAMES = 75_000
const KILLS = 12

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

const FRAME_SUMS = `count(*) n, sum(hash(ts_us)) t, sum(hash(sub_ns)) s, sum(hash(can_id)) i, sum(hash(flags)) fl, sum(hash(len)) l, sum(hash(data)) d`
const SAMPLE_SUMS = `count(*) n, sum(hash(ts_us)) t, sum(hash(channel_id)) c, sum(hash(value)) v`
const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))

/** Frames and samples fingerprint of `from(table)` (a table or a parquet file), independent of the archiver's code. */
async function fingerprint(dbPath: string, from: (table: string) => string, where = ''): Promise<string> {
  const instance = await DuckDBInstance.create(dbPath, dbPath === ':memory:' ? {} : {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    const f = (await c.runAndReadAll(`SELECT ${FRAME_SUMS} FROM ${from('frames')} ${where}`)).getRowObjectsJS()[0]
    const s = (await c.runAndReadAll(`SELECT ${SAMPLE_SUMS} FROM ${from('samples')} ${where}`)).getRowObjectsJS()[0]
    return json({f, s})
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

interface LiveRow {
  id: string
  key: number
  state: string
  archivePath: string | null
}

async function liveSessions(dataDir: string): Promise<LiveRow[]> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  const rows = (await c.runAndReadAll('SELECT id, session_key, state, archive_path FROM sessions ORDER BY session_key')).getRowObjectsJS()
  c.closeSync()
  instance.closeSync()
  return rows.map((r) => ({archivePath: r['archive_path'] as string | null, id: String(r['id']), key: Number(r['session_key']), state: String(r['state'])}))
}

/** The final (not .partial) archive of a session, in either format. */
function finalArchive(dataDir: string, id: string): {kind: 'duckdb' | 'parquet'; path: string} | undefined {
  const file = join(dataDir, 'archive', `${id}.duckdb`)
  if (existsSync(file)) return {kind: 'duckdb', path: file}
  const root = join(dataDir, 'archive', 'parquet')
  for (const car of existsSync(root) ? readdirSync(root) : []) {
    for (const day of readdirSync(join(root, car))) {
      const dir = join(root, car, day, `session=${id}`)
      if (existsSync(dir)) return {kind: 'parquet', path: dir}
    }
  }
  return undefined
}

function partials(dataDir: string): string[] {
  const found: string[] = []
  const walk = (d: string): void => {
    for (const e of existsSync(d) ? readdirSync(d, {withFileTypes: true}) : []) {
      if (e.name.includes('.partial')) found.push(join(d, e.name))
      else if (e.isDirectory()) walk(join(d, e.name))
    }
  }
  walk(join(dataDir, 'archive'))
  return found
}

type Outcome = 'intact' | 'archived' | 'archive-written-removal-pending'

/**
 * The invariant, per session: either a final archive exists, verifies against what was ingested,
 * and the session is removed (or, killed between the rename and the removal, still whole: the
 * next run finishes it), or no final archive exists and the session is whole in the live DB.
 */
async function inspect(dataDir: string, expected: Map<string, string>, strict: boolean): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  const live = join(dataDir, 'pitwall.duckdb')
  for (const s of await liveSessions(dataDir)) {
    const archive = finalArchive(dataDir, s.id)
    const rows = await fingerprint(live, (t) => t, `WHERE session_key = ${s.key}`)
    if (archive) {
      const got =
        archive.kind === 'duckdb'
          ? await fingerprint(archive.path, (t) => t)
          : await fingerprint(':memory:', (t) => `read_parquet('${join(archive.path, `${t}.parquet`)}', hive_partitioning = false)`)
      expect(got, `archive of ${s.id} verifies`).toBe(expected.get(s.id))
      if (s.state === 'archived') {
        expect(JSON.parse(rows).f.n, `${s.id} removed from the live DB`).toBe('0')
        expect(JSON.parse(rows).s.n).toBe('0')
        outcomes.push('archived')
      } else {
        expect(strict, `${s.id}: archive written but the session not removed after a recovery run`).toBe(false)
        expect(s.state).toBe('ended')
        expect(rows, `${s.id} whole in the live DB`).toBe(expected.get(s.id))
        outcomes.push('archive-written-removal-pending')
      }
    } else {
      expect(s.state, `${s.id} has no archive, so it must be in the live DB`).toBe('ended')
      expect(rows, `${s.id} whole in the live DB`).toBe(expected.get(s.id))
      if (strict) expect(s.archivePath).toBe(null)
      outcomes.push('intact')
    }
  }
  return outcomes
}

describe('archive under SIGKILL (real processes)', () => {
  const dir = tempDir('pitwall-archive-kill-')
  const dataDir = join(dir.path, 'data')
  const expected = new Map<string, string>()
  let car: Car

  beforeAll(async () => {
    car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    const base = e46Stream(car, FRAMES)
    const {store} = await openLiveStore(dataDir)
    const live = new LivePath({car, store})
    const sessions = live.sessions
    for (let n = 0; n < SESSIONS; n++) {
      await ingestLog(live, Readable.from([await candumpSession(base, n)]), `session-${n}`)
      await sessions.end('sources_stopped')
    }
    await store.close()
    for (const s of await liveSessions(dataDir)) expected.set(s.id, await fingerprint(join(dataDir, 'pitwall.duckdb'), (t) => t, `WHERE session_key = ${s.key}`))
  }, 120_000)
  afterAll(() => dir.cleanup())

  it(`${KILLS} SIGKILLs during archive runs: a verified archive with the session removed, or no archive with the session intact`, async () => {
    const report: string[] = []
    let restores = 0
    for (let k = 0; k < KILLS; k++) {
      // Keep work to do: when everything is archived, move the archives away and restore from there.
      const before = await liveSessions(dataDir)
      if (before.every((s) => s.state === 'archived')) {
        const away = join(dir.path, `restore-${k}`)
        mkdirSync(away)
        const {store} = await openLiveStore(dataDir)
        for (const s of before) {
          const archive = finalArchive(dataDir, s.id)!
          const moved = join(away, archive.kind === 'duckdb' ? `${s.id}.duckdb` : `session=${s.id}`)
          renameSync(archive.path, moved)
          await store.restoreArchive(moved)
        }
        await store.close()
        restores++
      }
      const format = k % 3 === 2 ? 'parquet' : 'duckdb'
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'archive', '--all-ended', '--format', format, '--data-dir', dataDir], {stdio: ['ignore', 'ignore', 'pipe']})
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((done) => child.on('exit', (code, signal) => done({code, signal})))
      const delay = 600 + Math.floor(Math.random() * 5000)
      const timer = setTimeout(() => child.kill('SIGKILL'), delay)
      const exit = await exited
      clearTimeout(timer)
      if (exit.signal === null) expect(exit.code, stderr).toBe(0)

      const left = partials(dataDir)
      const now = await inspect(dataDir, expected, false)
      // The next run (any archive command) removes leftovers and finishes a pending removal.
      const list = await runCli(['archive', '--list', '--json', '--data-dir', dataDir])
      expect(list.code, list.stderr).toBe(0)
      expect(partials(dataDir)).toEqual([])
      const after = await inspect(dataDir, expected, true)
      expect(JSON.parse(list.stdout).map((s: {state: string}) => s.state)).toEqual(after.map((o) => (o === 'intact' ? 'ended' : 'archived')))
      expect(readdirSync(dataDir).filter((f) => f.includes('corrupted'))).toEqual([])
      const count = (o: Outcome[], x: Outcome): number => o.filter((y) => y === x).length
      report.push(
        `run ${k + 1} (${format}): ${exit.signal ? `SIGKILL after ${delay} ms` : `finished before the kill at ${delay} ms`}; ` +
          `right after: ${count(now, 'archived')} archived, ${count(now, 'intact')} intact, ${count(now, 'archive-written-removal-pending')} archive written with removal pending, ${left.length} .partial left; ` +
          `after the next run: ${count(after, 'archived')} archived, ${count(after, 'intact')} intact`,
      )
    }
    console.log(`kill-during-archive outcomes (${restores} restores to keep work to do):\n  ${report.join('\n  ')}`)
  }, 300_000)
})
