/**
 * Forwarding into a running serve (issue 5's process topology): `ingest --forward`, `ingest`
 * finding the DB held, `simulate --to bridge` and `replay --to db` held. serve runs without a
 * source of its own, so every stored frame came through POST /api/frames; after serve stops,
 * the live DB is read directly and must hold every frame each sender was told was stored.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {basename, join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, tempDir} from '../helpers.js'
import {killAll, logFrames, ROAD_LOG} from '../ingest/helpers.js'
import {CLEAN_ENV, frameKeys, framesBySource, type ServeChild, startServe} from './cli-helpers.js'

describe('forwarding into a running serve', () => {
  const dir = tempDir('pitwall-cli-forward-')
  const data = join(dir.path, 'data')
  const slice = join(dir.path, 'slice.log')
  let serve: ServeChild
  const log = readFileSync(ROAD_LOG, 'latin1')
  const all = logFrames(ROAD_LOG)
  const key = (f: {id: number; remote: boolean; data: string}): string => `${f.id.toString(16)}${f.remote ? 'R' : ''}#${f.data}`

  beforeAll(async () => {
    writeFileSync(slice, log.split('\n').slice(0, 5000).join('\n') + '\n')
    serve = await startServe(data)
  }, 120_000)
  afterAll(() => {
    killAll()
    dir.cleanup()
  })

  it('serve starts with no source and says so in /health', async () => {
    const health = await serve.request('GET', '/health')
    expect(health.status).toBe(200)
    expect(health.body.can.sources).toEqual([])
  }, 30_000)

  it('ingest --forward --stdin: every frame of a real log acknowledged, "committed N" as it goes', async () => {
    const r = await runCli(['ingest', '--forward', '--stdin', '--json', '--data-dir', data], {env: CLEAN_ENV, input: log})
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary).toMatchObject({forward: {acknowledged: all.length, source: 'ingest:stdin', unacknowledged: 0, url: serve.url}, input: 'stdin', log: {framesRead: all.length}, stoppedBy: 'eof'})
    expect(summary.sessions).toHaveLength(1)
    const committed = [...r.stderr.matchAll(/^committed (\d+)$/gm)].map((m) => Number(m[1]))
    expect(committed.length).toBeGreaterThan(1)
    expect(committed.at(-1)).toBe(all.length)
  }, 120_000)

  it('ingest --stdin without --forward finds the DB held by serve and forwards by itself', async () => {
    const r = await runCli(['ingest', '--stdin', '--data-dir', data], {env: CLEAN_ENV, input: readFileSync(slice, 'latin1')})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`the live DB is held by pitwall serve (pid ${serve.child.pid}): forwarding frames to its bridge at ${serve.url}`)
    expect(r.stderr).toMatch(/^committed 5000$/m)
    expect(r.stderr).toMatch(/5000 frames read, 5000 stored by the bridge/)
  }, 60_000)

  let simulated: {delivered: number; stored: number; generated: number}
  it('simulate --to bridge --speed max: every generated frame delivered and stored', async () => {
    const r = await runCli(['simulate', '--to', 'bridge', '--duration', '5s', '--speed', 'max', '--json', '--data-dir', data], {env: CLEAN_ENV})
    expect(r.code, r.stderr).toBe(0)
    const s = JSON.parse(r.stdout)
    expect(s.stoppedBy).toBe('duration')
    expect(s.frames.generated).toBeGreaterThan(1000)
    expect(s.sink.delivered).toBe(s.frames.generated - s.frames.dropped)
    expect(s.sink.stored).toBe(s.sink.delivered)
    expect(s.sink.notDelivered).toEqual({})
    simulated = {delivered: s.sink.delivered, generated: s.frames.generated, stored: s.sink.stored}
  }, 60_000)

  let heldSim = 0
  it('simulate --to db while serve holds the DB sends to the bridge', async () => {
    const r = await runCli(['simulate', '--to', 'db', '--seed', '2', '--duration', '2s', '--speed', 'max', '--json', '--data-dir', data], {env: CLEAN_ENV})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`the live DB is held by pitwall serve (pid ${serve.child.pid}): sending the frames to its bridge at ${serve.url}`)
    const s = JSON.parse(r.stdout)
    expect(s.to).toBe(`bridge:${serve.url}`)
    expect(s.sink.stored).toBe(s.frames.generated - s.frames.dropped)
    heldSim = s.sink.stored
  }, 60_000)

  it('replay --to db while serve holds the DB sends to the bridge', async () => {
    const r = await runCli(['replay', slice, '--to', 'db', '--json', '--data-dir', data], {env: CLEAN_ENV})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('the live DB is held by pitwall serve')
    expect(JSON.parse(r.stdout).stored).toMatchObject({dropped: 0, stored: 5000})
  }, 60_000)

  it('after serve stops, the live DB holds every acknowledged frame, bit-exact', async () => {
    expect(await serve.stop()).toEqual({code: 0, signal: null})
    const counts = await framesBySource(data)
    expect(counts.get('forward:ingest:stdin')).toBe(all.length + 5000)
    expect(counts.get('forward:simulator:pitwall_park:seed1')).toBe(simulated.delivered)
    expect(counts.get('forward:simulator:pitwall_park:seed2')).toBe(heldSim)
    expect(counts.get(`forward:replay:${basename(slice)}`)).toBe(5000)
    const expected = [...all, ...all.slice(0, 5000)].map(key).sort()
    expect(await frameKeys(data, 'forward:ingest:stdin')).toEqual(expected)
  }, 60_000)
})
