/**
 * pitwall where @duckdb/node-api cannot load, as on the phone: a copy of the built CLI with no
 * @duckdb packages, PITWALL_LIBDUCKDB naming a libduckdb.so. The driver choice falls to ffi by
 * itself; serve --simulate stores frames, archives and restores a session and vacuums; /health
 * names the driver; headless ingest --stdin stores a real log. What they wrote is then read back
 * in this process (which has @duckdb/node-api) to check that nothing was lost on the way.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type ServeProcess, startServeProcess} from '../bridge/serve-process.js'
import {runCli, SHARED_FIXTURES, tempDir} from '../helpers.js'
import {nodeReadOnly} from './read-back.js'
import {BINDINGS_LIBDUCKDB, phoneTree} from './phone-tree.js'

const dir = tempDir('pitwall-phone-')
const ENV = {PITWALL_LIBDUCKDB: BINDINGS_LIBDUCKDB, PITWALL_LOG_LEVEL: 'warn', PITWALL_TOKEN: 'phone-token-0123456789abcdef'}
let bin = ''

beforeAll(() => {
  bin = phoneTree(dir.path)
})
afterAll(() => dir.cleanup())

describe('no @duckdb/node-api (as on the phone): the ffi driver alone', () => {
  it('the copy cannot load @duckdb/node-api, and says which driver it would use', async () => {
    expect(existsSync(join(dir.path, 'node_modules', '@duckdb'))).toBe(false)
    const r = await runCli(['--version'], {bin, env: ENV})
    expect(r.code, r.stderr).toBe(0)
  })

  it('serve --simulate: frames stored, a session archived and restored, vacuum, /health naming ffi', async () => {
    const data = join(dir.path, 'serve-data')
    let archivedFrames = 0
    const serve: ServeProcess = await startServeProcess(data, ['--simulate', '--fps', '400'], ENV, bin)
    try {
      let health = (await serve.request('GET', '/health')).body
      for (let tries = 0; health.db.committed_frames < 2000 && tries < 300; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        health = (await serve.request('GET', '/health')).body
      }
      expect(health.db).toMatchObject({driver: 'ffi', library_version: expect.stringMatching(/^v1\.\d+\.\d+/)})
      expect(health.db.committed_frames).toBeGreaterThanOrEqual(2000)
      expect((await serve.request('POST', '/session/_live/end')).status).toBe(202)
      // The simulator goes on: the next frames open a new live session at once. Wait for the ended one.
      for (let tries = 0; !(await serve.request('GET', '/sessions')).body.sessions.some((s: {state: string}) => s.state === 'ended'); tries++) {
        if (tries > 300) throw new Error('the session did not end')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const archived = await runCli(['archive', '--all-ended', '--json', '--data-dir', data], {bin, env: ENV})
      expect(archived.code, archived.stderr).toBe(0)
      const outcome = JSON.parse(archived.stdout) as {archived: Array<{id: string; path: string; frames: number}>}
      expect(outcome.archived).toHaveLength(1)
      expect(outcome.archived[0]!.frames).toBeGreaterThanOrEqual(2000)
      archivedFrames = outcome.archived[0]!.frames
      const restored = await runCli(['archive', '--restore', join(data, outcome.archived[0]!.path), '--json', '--data-dir', data], {bin, env: ENV})
      expect(restored.code, restored.stderr).toBe(0)
      const vacuum = await runCli(['vacuum', '--json', '--data-dir', data], {bin, env: ENV})
      expect(vacuum.code, vacuum.stderr).toBe(0)
    } finally {
      expect(await serve.stop()).toEqual({code: 0, signal: null})
    }
    // The first session went to an archive and came back; the second ran until the stop. Both whole.
    const rows = await nodeReadOnly(join(data, 'pitwall.duckdb'), 'SELECT state, frames, (SELECT count(*) FROM frames f WHERE f.session_key = s.session_key) AS stored FROM sessions s ORDER BY started_us')
    expect(rows.map((r) => r['state'])).toEqual(['ended', 'ended'])
    for (const r of rows) expect(Number(r['stored'])).toBe(Number(r['frames']))
    expect(Number(rows[0]!['frames'])).toBe(archivedFrames)
  }, 300_000)

  it('health with no serve names the driver that would open the live DB, or why none loads', async () => {
    const data = join(dir.path, 'serve-data')
    const ok = await runCli(['health', '--json', '--data-dir', data], {bin, env: ENV})
    expect(JSON.parse(ok.stdout).db.driver).toMatchObject({driver: 'ffi', library_version: expect.stringMatching(/^v1\./), origin: BINDINGS_LIBDUCKDB})
    const missing = join(dir.path, 'no-such-libduckdb.so')
    const none = await runCli(['health', '--json', '--data-dir', data], {bin, env: {...ENV, PITWALL_LIBDUCKDB: missing}})
    const health = JSON.parse(none.stdout) as {db: {driver: {error: string}}; reasons: string[]}
    expect(health.db.driver.error).toContain(missing)
    expect(health.reasons.join('\n')).toContain('no DuckDB driver loads here')
  }, 120_000)

  it('ingest --stdin: every frame of the road capture stored through ffi', async () => {
    const log = readFileSync(join(SHARED_FIXTURES, 'road-capture', 'can_sample.log'), 'utf8')
    const lines = log.split('\n').filter((l) => l.startsWith('(')).length
    const data = join(dir.path, 'ingest-data')
    const r = await runCli(['ingest', '--stdin', '--car', join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc'), '--json', '--data-dir', data], {bin, env: {...ENV, PITWALL_LOG_LEVEL: 'info'}, input: log})
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({input: 'stdin', stoppedBy: 'eof', store: {committedFrames: lines}})
    expect(r.stderr).toContain('"driver":"ffi"')
    const [count] = await nodeReadOnly(join(data, 'pitwall.duckdb'), 'SELECT count(*) AS n FROM frames')
    expect(Number(count!['n'])).toBe(lines)
  }, 300_000)
})
