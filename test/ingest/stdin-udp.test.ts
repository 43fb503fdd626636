import {createSocket} from 'node:dgram'
import {join} from 'node:path'
import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {runCli, tempDir, unwrapOclifError} from '../helpers.js'
import {ROAD_DBC, ROAD_LOG, logFrames, startIngest, stop, storedFrames, waitFor, killAll} from './helpers.js'

describe('ingest --stdin --input-format slcan', () => {
  afterEach(killAll)
  const dir = tempDir('pitwall-stdin-slcan-')
  afterAll(() => dir.cleanup())

  it('reads adapter bytes from stdin to EOF, bad lines counted', async () => {
    const frames = logFrames(ROAD_LOG).slice(0, 2000)
    const text = frames.map((f) => `t${f.id.toString(16).toUpperCase().padStart(3, '0')}${f.data.length / 2}${f.data}\r`).join('') + 'tXYZ\r\x01\x02junk\r'
    const result = await runCli(['ingest', '--stdin', '--input-format', 'slcan', '--car', ROAD_DBC, '--json'], {env: {PITWALL_DATA_DIR: join(dir.path, 'data')}, input: text})
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout) as {input: string; stoppedBy: string; source: {framesTotal: number; dropped: {bad_line?: number}; name: string; kind: string}}
    expect(summary).toMatchObject({input: 'adapter', source: {dropped: {bad_line: 2}, framesTotal: 2000, kind: 'stdin', name: 'stdin'}, stoppedBy: 'eof'})
    const stored = await storedFrames(join(dir.path, 'data'))
    expect(stored.frames).toEqual(frames)
    expect(stored.sources).toEqual(['stdin:stdin'])
  })

  it('--input-format slcan belongs to --stdin', async () => {
    const result = await runCli(['ingest', '--device', '/dev/null', '--input-format', 'slcan', '--car', ROAD_DBC, '--bitrate', '500k'], {env: {PITWALL_DATA_DIR: join(dir.path, 'x')}})
    expect(result.code).toBe(64)
  })

  it('a bare DBC with an adapter needs --bitrate (exit 64)', async () => {
    const result = await runCli(['ingest', '--device', join(dir.path, 'nothing'), '--car', ROAD_DBC], {env: {PITWALL_DATA_DIR: join(dir.path, 'y')}})
    expect(result.code).toBe(64)
    expect(unwrapOclifError(result.stderr)).toContain('is a bare DBC with no bus section, so the adapter\'s bitrate is unknown: pass --bitrate')
  })

  it('--forward cannot go with --udp (64): the frame route takes frames (forwarding itself: test/bridge/cli-forward.test.ts)', async () => {
    const result = await runCli(['ingest', '--forward', '--udp', '0'], {env: {PITWALL_DATA_DIR: join(dir.path, 'z')}})
    expect(result.code).toBe(64)
    expect(unwrapOclifError(result.stderr)).toContain('--udp=0 cannot also be provided when using --forward')
  })
})

describe('ingest --udp: JSON telemetry points (seed 001)', () => {
  const dir = tempDir('pitwall-udp-')
  afterAll(() => dir.cleanup())

  it('stores good points as samples of the car channels and counts malformed datagrams', async () => {
    const data = join(dir.path, 'data')
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    const ingest = startIngest(data, ['--udp', String(port), '--json'])
    await waitFor(() => ingest.stderr.includes('"msg":"listening for UDP points"'), 20_000, 'ingest to listen')
    const socket = createSocket('udp4')
    const send = (text: string): Promise<void> => new Promise((resolve, reject) => socket.send(text, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())))
    // The seed's own example point, a batch of two, and four malformed datagrams.
    await send('{"meta_time":"2025-11-20T00:00:00Z","track":"road_america","chassis":"GR86-001","lap":1,"lapdist_m":120,"speed_kmh":200,"accx_can":0.03,"accy_can":0.12,"Steering_Angle":2,"pbrake_f":0,"rpm":6500}')
    await send('[{"meta_time":"2025-11-20T00:00:01Z","rpm":6600,"speed_kmh":201},{"meta_time":"2025-11-20T00:00:02Z","rpm":6700,"nitrous":1}]')
    await send('{"rpm": 65')
    await send('42')
    await send('[1, 2]')
    await send('{"meta_time":"yesterday","rpm":1}')
    await waitFor(() => ingest.committed >= 0 && ingest.stderr.split('committed').length > 1, 10_000, 'a commit')
    await new Promise((r) => setTimeout(r, 300))
    socket.close()
    await stop(ingest)
    const summary = JSON.parse(ingest.stdout()) as {udp: {datagrams: number; points: number; samples: number; malformed: number; unknownFields: Record<string, number>}}
    expect(summary.udp).toMatchObject({datagrams: 6, malformed: 4, points: 3, samples: 9, unknownFields: {nitrous: 1}})
    const instance = await DuckDBInstance.create(join(data, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
    const c = await instance.connect()
    const rows = (await c.runAndReadAll(`SELECT c.name, s.ts_us, s.value FROM samples s JOIN channels c USING (session_key, channel_id) ORDER BY s.ts_us, c.name`)).getRowObjectsJS()
    c.closeSync()
    instance.closeSync()
    const at = Date.UTC(2025, 10, 20) * 1000
    expect(rows.map((r) => [r['name'], Number(r['ts_us']) - at, r['value']])).toEqual([
      ['brake_bar', 0, 0],
      ['g_lat', 0, 0.12],
      ['g_long', 0, 0.03],
      ['rpm', 0, 6500],
      ['speed_kmh', 0, 200],
      ['steering_deg', 0, 2],
      ['rpm', 1e6, 6600],
      ['speed_kmh', 1e6, 201],
      ['rpm', 2e6, 6700],
    ])
  }, 30_000)
})
