import {spawn} from 'node:child_process'
import {renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {e46Stream} from '../../bench/e46-stream.js'
import {openCar} from '../../src/lib/car/index.js'
import {CandumpWriter} from '../../src/lib/can/log/index.js'
import {ROOT, runCli, tempDir} from '../helpers.js'

// Every frame kind the store keeps, after the E46 traffic: extended, remote (with and without a
// length), CAN FD with flags, an error frame, a raw DLC, a 9-digit stamp, and a tie on the stamp.
const ODD = [
  '(1795339000.000000) can0 12345678#AABB',
  '(1795339000.000100) can0 123#R',
  '(1795339000.000200) can0 123#R7',
  '(1795339000.000300) can0 123##311223344556677889900AABB',
  '(1795339000.000400) can0 20000080#0000000000000000',
  '(1795339000.000500) can0 123#1122334455667788_E',
  '(1795339000.000600) can0 124#01',
  '(1795339000.000600) can0 125#02',
].join('\n')

describe('replay from stored data', () => {
  const dir = tempDir('pitwall-replay-stored-')
  const data = join(dir.path, 'data')
  const log = join(dir.path, 'session.log')
  let id: string
  const expected: Record<'candump' | 'jsonl', string> = {candump: '', jsonl: ''}

  const replay = (input: string, format: 'candump' | 'jsonl' = 'candump') => runCli(['replay', input, '--format', format, '--unknown', '--data-dir', data])

  beforeAll(async () => {
    const car = await openCar('bmw_e46_m3', {dataDir: dir.path})
    const out = new PassThrough()
    const chunks: Buffer[] = []
    out.on('data', (c: Buffer) => chunks.push(c))
    const writer = new CandumpWriter(out)
    for (const b of e46Stream(car, 5000)) await writer.write(b)
    await writer.close()
    writeFileSync(log, Buffer.concat(chunks).toString('latin1') + ODD + '\n')
    const ingest = await runCli(['ingest', '--stdin', '--data-dir', data], {input: Buffer.concat(chunks).toString('latin1') + ODD + '\n'})
    expect(ingest.code, ingest.stderr).toBe(0)
    id = /^(\S+): \d+ frames read/m.exec(ingest.stderr)![1]!
    for (const format of ['candump', 'jsonl'] as const) {
      const r = await runCli(['replay', log, '--format', format, '--unknown'])
      expect(r.code, r.stderr).toBe(0)
      expected[format] = r.stdout
    }
    expect(expected.candump.split('\n')).toHaveLength(5000 + 8 + 1)
  }, 120_000)
  afterAll(() => dir.cleanup())

  it('a session id in the live DB replays the same frames as the log it was ingested from', async () => {
    for (const format of ['candump', 'jsonl'] as const) {
      const r = await replay(id, format)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe(expected[format])
      expect(r.stderr).toContain(`pitwall.duckdb#${id} (live-db, car bmw_e46_m3): 5008 frames read`)
    }
  }, 90_000)

  it('a .duckdb archive, by path or by session id, replays the same frames', async () => {
    expect((await runCli(['archive', id, '--data-dir', data])).code).toBe(0)
    const file = join(data, 'archive', `${id}.duckdb`)
    for (const input of [file, id]) {
      const r = await replay(input)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe(expected.candump)
      expect(r.stderr).toContain(`${file} (duckdb, car bmw_e46_m3): 5008 frames read`)
    }
  }, 90_000)

  it('a parquet session folder, by path or by session id, replays the same frames', async () => {
    expect((await runCli(['archive', '--restore', join(data, 'archive', `${id}.duckdb`), '--data-dir', data])).code).toBe(0)
    // Move the .duckdb archive out of the way so the id resolves to the parquet one.
    const moved = join(dir.path, `${id}.duckdb`)
    renameSync(join(data, 'archive', `${id}.duckdb`), moved)
    expect((await runCli(['archive', id, '--format', 'parquet', '--data-dir', data])).code).toBe(0)
    const folder = join(data, 'archive', 'parquet', 'car=bmw_e46_m3', 'date=2026-11-22', `session=${id}`)
    for (const input of [folder, id]) {
      const r = await replay(input)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe(expected.candump)
      expect(r.stderr).toContain(`(parquet, car bmw_e46_m3): 5008 frames read`)
    }
  }, 120_000)

  it('refuses an unknown session id (64) and a DuckDB file with several sessions (64)', async () => {
    const unknown = await runCli(['replay', '20990101T000000Z-nope', '--json', '--data-dir', data])
    expect(unknown.code).toBe(64)
    expect(JSON.parse(unknown.stdout).error.code).toBe('PW_SESSION_UNKNOWN')
    expect((await runCli(['ingest', '--stdin', '--data-dir', data], {input: ODD + '\n'})).code).toBe(0)
    expect((await runCli(['ingest', '--stdin', '--data-dir', data], {input: ODD + '\n'})).code).toBe(0)
    const several = await runCli(['replay', join(data, 'pitwall.duckdb'), '--json', '--data-dir', data])
    expect(several.code).toBe(64)
    expect(JSON.parse(several.stdout).error.code).toBe('PW_REPLAY_SESSION')
  }, 90_000)

  it('a stored session id while another process holds the live DB: exit 69 naming it', async () => {
    const held = join(dir.path, 'held')
    const first = await runCli(['ingest', '--stdin', '--data-dir', held], {input: ODD + '\n'})
    const session = /^(\S+): \d+ frames read/m.exec(first.stderr)![1]!
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'ingest', '--stdin', '--data-dir', held], {stdio: ['pipe', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
    child.stdin.write(ODD + '\n')
    for (let t = 0; !stderr.includes('committed') && t < 300; t++) await new Promise((r) => setTimeout(r, 50))
    const r = await runCli(['replay', session, '--json', '--data-dir', held])
    child.stdin.end()
    expect(await exited).toBe(0)
    expect(r.code).toBe(69)
    expect(JSON.parse(r.stdout).error).toMatchObject({code: 'PW_DB_LOCKED'})
    expect(JSON.parse(r.stdout).error.message).toContain(`process ${child.pid}`)
  }, 90_000)
})
