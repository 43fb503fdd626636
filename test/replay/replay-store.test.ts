import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, describe, expect, it} from 'vitest'

import {runCli, SHARED_FIXTURES, tempDir} from '../helpers.js'

const LOG = join(SHARED_FIXTURES, 'road-capture', 'can_sample.log')
const DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')
const dir = tempDir()
afterAll(() => dir.cleanup())

async function rows(dataDir: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS()
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

describe('replay --to db: a log into a new session of the live DB', () => {
  it('stores every frame read (decoded or not) and its samples, tagged as a replay of its origin', async () => {
    const dataDir = join(dir.path, 'a')
    const r = await runCli(['replay', LOG, '--car', DBC, '--to', 'db', '--meta', 'driver=Sam', '--json'], {env: {PITWALL_DATA_DIR: dataDir}})
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout) as {stored: {session: string; stored: number; dropped: number}}
    expect(summary.stored).toMatchObject({dropped: 0, stored: 82_558})
    const [session] = await rows(dataDir, 'SELECT id, state, end_reason, frames, samples, driver, meta, sources FROM sessions')
    expect(session).toMatchObject({driver: 'Sam', end_reason: 'sources_stopped', frames: 82_558n, id: summary.stored.session, sources: ['replay:can_sample.log'], state: 'ended'})
    expect(JSON.parse(String(session!['meta']))).toEqual({replay_of: LOG})
    // The raw frames are the log's, bit for bit, in order.
    const first = await rows(dataDir, "SELECT ts_us, printf('%03X', can_id) AS id, upper(hex(data)) AS data FROM frames ORDER BY ts_us, rowid LIMIT 2")
    expect(first).toEqual([
      {data: '0000FFFF10000000', id: '0D2', ts_us: 1_631_416_514_717_133n},
      {data: '0006E00F000011', id: '0D3', ts_us: 1_631_416_514_717_133n},
    ])
    const [rpm] = await rows(dataDir, "SELECT count(*) AS n, max(value) AS max FROM samples s JOIN channels c USING (session_key, channel_id) WHERE c.name = 'RPM'")
    expect(rpm).toEqual({max: 6030, n: 9030n})
  }, 60_000)

  it('re-decodes with a corrected car: the same frames, the new pipelines', async () => {
    const dataDir = join(dir.path, 'b')
    const carFile = join(dir.path, 'road.yaml')
    writeFileSync(
      carFile,
      [
        'schema: 1',
        'id: road',
        `dbc: ${DBC}`,
        'bus: {bitrate: 500000, id_width: 11, listen_only: true}',
        'passthrough: false',
        'signals:',
        '  rpm: {from: RPM}',
        '  engine_speed_hz: {from: RPM, steps: [{formula: linear, params: {scale: 0.016666666666666666, offset: 0}}]}',
      ].join('\n'),
    )
    const r = await runCli(['replay', LOG, '--car', carFile, '--to', 'db', '--json'], {env: {PITWALL_DATA_DIR: dataDir}})
    expect(r.code, r.stderr).toBe(0)
    const channels = await rows(dataDir, 'SELECT name FROM channels ORDER BY channel_id')
    expect(channels.map((c) => c['name'])).toEqual(['rpm', 'engine_speed_hz'])
    const [hz] = await rows(dataDir, "SELECT max(value) AS max FROM samples s JOIN channels c USING (session_key, channel_id) WHERE c.name = 'engine_speed_hz'")
    expect(Number(hz!['max'])).toBeCloseTo(6030 / 60, 9)
    expect((await rows(dataDir, 'SELECT count(*) AS n FROM frames'))[0]).toEqual({n: 82_558n})
  }, 60_000)

  it('--to bridge with no serve answering: exit 69; other targets are usage errors (64)', async () => {
    const bridge = await runCli(['replay', LOG, '--car', DBC, '--to', 'bridge:http://127.0.0.1:9'])
    expect(bridge.code).toBe(69)
    expect(bridge.stderr).toContain('nothing answers at http://127.0.0.1:9')
    const udp = await runCli(['replay', LOG, '--car', DBC, '--to', 'udp://127.0.0.1:9'])
    expect(udp.code).toBe(64)
  })
})
