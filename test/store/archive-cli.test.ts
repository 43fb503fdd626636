import {spawn} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'

import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {e46Stream} from '../../bench/e46-stream.js'
import {openCar} from '../../src/lib/car/index.js'
import type {Car} from '../../src/lib/car/model.js'
import {CandumpWriter} from '../../src/lib/can/log/index.js'
import {decodeToSamples, CarDecoder} from '../../src/lib/decode/index.js'
import {openLiveStore, runArchive, SessionManager} from '../../src/lib/store/index.js'
import {ROOT, runCli, tempDir} from '../helpers.js'

const FRAMES = 5000

async function candump(car: Car, frames: number): Promise<string> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const writer = new CandumpWriter(out)
  for (const b of e46Stream(car, frames)) await writer.write(b)
  await writer.close()
  return Buffer.concat(chunks).toString('latin1')
}

interface Listed {
  id: string
  state: string
  frames: number
  samples: number
  car: string
  start: string
  durationS: number
  bytes: number
  archivePath: string | null
}

async function list(dataDir: string): Promise<Listed[]> {
  const r = await runCli(['archive', '--list', '--json', '--data-dir', dataDir])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Listed[]
}

async function ingest(dataDir: string, text: string, ...flags: string[]): Promise<void> {
  const r = await runCli(['ingest', '--stdin', '--data-dir', dataDir, ...flags], {input: text})
  expect(r.code, r.stderr).toBe(0)
}

async function sql(dataDir: string, query: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'))
  const c = await instance.connect()
  try {
    return (await c.runAndReadAll(query)).getRowObjectsJS()
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

describe('pitwall archive (CLI)', () => {
  const dir = tempDir('pitwall-archive-cli-')
  let car: Car
  let text: string
  const data = join(dir.path, 'data')

  beforeAll(async () => {
    car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    text = await candump(car, FRAMES)
    for (let n = 0; n < 3; n++) await ingest(data, text)
  }, 120_000)
  afterAll(() => dir.cleanup())

  it('--list --json: every session, oldest first, with id, state and every stored frame', async () => {
    const sessions = await list(data)
    expect(sessions).toHaveLength(3)
    for (const s of sessions) {
      expect(s).toMatchObject({archivePath: null, car: 'bmw_e46_m3', frames: FRAMES, state: 'ended'})
      expect(s.samples).toBeGreaterThan(0)
      expect(s.bytes).toBeGreaterThan(0)
      expect(s.durationS).toBeGreaterThan(15)
      expect(Date.parse(s.start)).toBe(Date.UTC(2026, 10, 22, 9, 14, 3))
    }
    expect(sessions.map((s) => s.id)).toEqual([...sessions.map((s) => s.id)].sort())
  }, 90_000)

  it('--dry-run says what it would do and changes nothing', async () => {
    const before = await list(data)
    const r = await runCli(['archive', '--all-ended', '--dry-run', '--json', '--data-dir', data])
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as {dryRun: boolean; archived: Array<{id: string; frames: number; bytes: number; dryRun: boolean}>}
    expect(result.dryRun).toBe(true)
    expect(result.archived.map((a) => [a.id, a.frames, a.bytes, a.dryRun])).toEqual(before.map((s) => [s.id, FRAMES, 0, true]))
    expect(await list(data)).toEqual(before)
    expect(existsSync(join(data, 'archive')) ? readdirSync(join(data, 'archive')) : []).toEqual([])
  }, 90_000)

  it('refuses unknown sessions and an empty selection with exit 64', async () => {
    const unknown = await runCli(['archive', '20990101T000000Z-nope', '--json', '--data-dir', data])
    expect(unknown.code).toBe(64)
    expect(JSON.parse(unknown.stdout).error.code).toBe('PW_SESSION_UNKNOWN')
    const nothing = await runCli(['archive', '--json', '--data-dir', data])
    expect(nothing.code).toBe(64)
    expect(JSON.parse(nothing.stdout).error.code).toBe('PW_NOTHING_SELECTED')
    const bad = await runCli(['archive', '--older-than', '7', '--data-dir', data])
    expect(bad.code).toBe(64)
  }, 90_000)

  it('archives as parquet (car=/date=/session= layout), restores it, and refuses to restore over a session that is there', async () => {
    const [first] = await list(data)
    const r = await runCli(['archive', first!.id, '--format', 'parquet', '--json', '--data-dir', data])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {archived: Array<{path: string; rows: Record<string, number>}>}
    const path = `archive/parquet/car=bmw_e46_m3/date=2026-11-22/session=${first!.id}`
    expect(out.archived[0]).toMatchObject({path, rows: {frames: FRAMES, sessions: 1}})
    expect(readdirSync(join(data, path)).sort()).toEqual(
      ['cars', 'channels', 'coaching_notes', 'frames', 'ingest_log', 'laps', 'samples', 'sessions', 'sources'].map((t) => `${t}.parquet`),
    )
    expect((await list(data))[0]).toMatchObject({archivePath: path, frames: FRAMES, id: first!.id, state: 'archived'})

    const restored = await runCli(['archive', '--restore', join(data, path), '--json', '--data-dir', data])
    expect(restored.code, restored.stderr).toBe(0)
    expect((await list(data))[0]).toMatchObject({archivePath: null, frames: FRAMES, id: first!.id, state: 'ended'})
    const again = await runCli(['archive', '--restore', join(data, path), '--json', '--data-dir', data])
    expect(again.code).toBe(64)
    expect(JSON.parse(again.stdout).error.code).toBe('PW_SESSION_EXISTS')
    // The restored session archives again: the archive it came from is checked and kept.
    const rearchive = await runCli(['archive', first!.id, '--format', 'parquet', '--json', '--data-dir', data])
    expect(rearchive.code, rearchive.stderr).toBe(0)
    expect(JSON.parse(rearchive.stdout).archived[0].completedEarlierRun).toBe(true)
  }, 120_000)

  it('the next run removes a leftover .partial (never an archive) and finishes an archive whose removal a kill interrupted', async () => {
    const d = join(dir.path, 'interrupted')
    await ingest(d, text)
    await ingest(d, text)
    const [a, b] = await list(d)
    // The state a SIGKILL between the rename and the removal leaves: a complete, verified archive
    // of session a in place, session a still in the live DB with its intended archive path.
    const twin = join(dir.path, 'twin')
    cpSync(d, twin, {recursive: true})
    expect((await runCli(['archive', a!.id, '--data-dir', twin])).code).toBe(0)
    mkdirSync(join(d, 'archive'))
    cpSync(join(twin, 'archive', `${a!.id}.duckdb`), join(d, 'archive', `${a!.id}.duckdb`))
    await sql(d, `UPDATE sessions SET archive_path = 'archive/${a!.id}.duckdb' WHERE id = '${a!.id}'`)
    // And a partial of session b, as a kill during its writing leaves it.
    writeFileSync(join(d, 'archive', `${b!.id}.duckdb.partial`), 'half written')
    writeFileSync(join(d, 'archive', `${b!.id}.duckdb.partial.wal`), 'half written')

    const r = await runCli(['archive', '--all-ended', '--dry-run', '--json', '--data-dir', d])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).recovery.removedPartials).toHaveLength(2)
    expect(readdirSync(join(d, 'archive'))).toHaveLength(3)

    const listed = await list(d)
    expect(listed.map((s) => [s.id, s.state, s.frames])).toEqual([
      [a!.id, 'archived', FRAMES],
      [b!.id, 'ended', FRAMES],
    ])
    expect(readdirSync(join(d, 'archive'))).toEqual([`${a!.id}.duckdb`])
    expect(await sql(d, `SELECT count(*)::INTEGER AS n FROM frames`)).toEqual([{n: FRAMES}])
  }, 120_000)

  it('an archive in place that does not match its session is reported, and nothing is removed', async () => {
    const d = join(dir.path, 'mismatch')
    await ingest(d, text)
    await ingest(d, (await candump(car, 100)))
    const [a, b] = await list(d)
    const other = join(dir.path, 'other')
    cpSync(d, other, {recursive: true})
    expect((await runCli(['archive', b!.id, '--data-dir', other])).code).toBe(0)
    mkdirSync(join(d, 'archive'))
    cpSync(join(other, 'archive', `${b!.id}.duckdb`), join(d, 'archive', `${a!.id}.duckdb`))
    await sql(d, `UPDATE sessions SET archive_path = 'archive/${a!.id}.duckdb' WHERE id = '${a!.id}'`)
    const r = await runCli(['archive', a!.id, '--json', '--data-dir', d])
    expect(r.code).toBe(70)
    expect(JSON.parse(r.stdout).error.code).toBe('PW_ARCHIVE_MISMATCH')
    expect((await list(d)).map((s) => [s.state, s.frames])).toEqual([
      ['ended', FRAMES],
      ['ended', 100],
    ])
  }, 120_000)

  it('ingest --archive-on-end archives the session when it ends', async () => {
    const d = join(dir.path, 'on-end')
    const r = await runCli(['ingest', '--stdin', '--archive-on-end', '--data-dir', d], {input: text})
    expect(r.code, r.stderr).toBe(0)
    const [s] = await list(d)
    expect(s).toMatchObject({archivePath: `archive/${s!.id}.duckdb`, frames: FRAMES, state: 'archived'})
    expect(r.stderr).toContain(`${s!.id}: archived to archive/${s!.id}.duckdb`)
    expect(existsSync(join(d, 'archive', `${s!.id}.duckdb`))).toBe(true)
  }, 90_000)
})

describe('a live session is never archived', () => {
  const dir = tempDir('pitwall-archive-live-')
  afterAll(() => dir.cleanup())

  it('in the process that writes it: archive refuses it by name, --all-ended skips it', async () => {
    const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    const {store} = await openLiveStore(join(dir.path, 'in-process'))
    try {
      const sessions = new SessionManager(store, car)
      const [batch] = e46Stream(car, 1000)
      await sessions.append('test', 'gen', batch!, decodeToSamples(new CarDecoder(car), batch!))
      await store.flush()
      const id = sessions.session!.id
      await expect(store.archive(id)).rejects.toMatchObject({code: 'PW_SESSION_LIVE', exit: 64})
      const result = await runArchive(store, {allEnded: true, dryRun: false, format: 'duckdb', ids: [], quiet: true})
      expect(result.archived).toEqual([])
      await expect(runArchive(store, {allEnded: false, dryRun: false, format: 'duckdb', ids: [id], quiet: true})).rejects.toMatchObject({code: 'PW_SESSION_LIVE'})
      expect(await store.query(`SELECT state, (SELECT count(*) FROM frames) AS frames FROM sessions`)).toEqual([{frames: 1000, state: 'live'}])
    } finally {
      await store.close()
    }
  }, 90_000)

  it('from another process while ingest writes it: exit 69 naming the process that holds the live DB', async () => {
    const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    const d = join(dir.path, 'held')
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'ingest', '--stdin', '--data-dir', d], {stdio: ['pipe', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
    child.stdin.write(await candump(car, 2000))
    for (let t = 0; !stderr.includes('committed') && t < 300; t++) await new Promise((r) => setTimeout(r, 50))
    const r = await runCli(['archive', '--all-ended', '--json', '--data-dir', d])
    child.stdin.end()
    expect(await exited).toBe(0)
    expect(r.code).toBe(69)
    const error = JSON.parse(r.stdout).error as {code: string; message: string}
    expect(error.code).toBe('PW_DB_LOCKED')
    expect(error.message).toContain(`process ${child.pid}`)
  }, 90_000)
})
