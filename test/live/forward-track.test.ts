/**
 * Frames forwarded to a running serve are lap-timed by serve, on serve's track: an ingest that
 * names another track is refused with a clear message (exit 64) before it sends anything, and one
 * that names the same track (or none) goes through.
 */
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type ServeProcess, startServeProcess} from '../bridge/serve-process.js'
import {ROOT, runCli, tempDir, unwrapOclifError} from '../helpers.js'

const dir = tempDir('pitwall-forward-track-')
const ENV = {PITWALL_LOG_LEVEL: 'warn', PITWALL_TOKEN: 'forward-track-token-0123456789'}
const MINI = join(ROOT, 'test', 'track', 'fixtures', 'mini.yaml')
const LINES = '(1795338000.000000) can0 1F5#0000000000000000\n(1795338000.010000) can0 1F5#0000000000000000\n'
let serve: ServeProcess

beforeAll(async () => {
  serve = await startServeProcess(join(dir.path, 'data'), ['--track', 'pitwall_park'], ENV)
}, 120_000)

afterAll(async () => {
  await serve?.stop()
  dir.cleanup()
})

describe('ingest forwarding to serve: serve\'s track decides', () => {
  it('/health names the track serve times laps on', async () => {
    expect((await serve.request('GET', '/health')).body.track).toBe('pitwall_park')
  })

  it('another --track is refused (64, PW_TRACK_MISMATCH), with --forward and when serve is found holding the DB', async () => {
    for (const forward of [['--forward'], []]) {
      const r = await runCli(['ingest', ...forward, '--stdin', '--track', MINI, '--json', '--data-dir', serve.dataDir], {env: ENV, input: LINES})
      expect(r.code, r.stderr).toBe(64)
      const error = JSON.parse(r.stdout).error as {code: string; message: string; suggestions: string[]}
      expect(error.code).toBe('PW_TRACK_MISMATCH')
      expect(error.message).toBe('--track mini: the running serve times laps on pitwall_park, and forwarded frames are timed by serve')
      expect(error.suggestions).toEqual(["drop --track (serve's pitwall_park applies)", 'or restart serve with --track mini'])
    }
    const r = await runCli(['ingest', '--forward', '--stdin', '--track', MINI, '--data-dir', serve.dataDir], {env: ENV, input: LINES})
    expect(r.code).toBe(64)
    expect(unwrapOclifError(r.stderr)).toContain('--track mini: the running serve times laps on pitwall_park')
  }, 120_000)

  it('the same track, or none, goes through: both batches stored by serve', async () => {
    for (const track of [['--track', 'pitwall_park'], []]) {
      const r = await runCli(['ingest', '--forward', '--stdin', ...track, '--json', '--data-dir', serve.dataDir], {env: ENV, input: LINES})
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout).forward).toMatchObject({acknowledged: 2, unacknowledged: 0})
    }
  }, 120_000)
})
