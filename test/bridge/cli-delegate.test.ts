/**
 * Delegation: while serve holds the live DB, `archive` and `vacuum` run inside it (POST
 * /admin/archive, /admin/vacuum) and print what they print locally; stderr says so.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, tempDir} from '../helpers.js'
import {killAll} from '../ingest/helpers.js'
import {CLEAN_ENV, type ServeChild, startServe} from './cli-helpers.js'

describe('archive and vacuum through the bridge', () => {
  const dir = tempDir('pitwall-cli-delegate-')
  const data = join(dir.path, 'data')
  let serve: ServeChild
  let ended = ''
  const cli = (...args: string[]) => runCli([...args, '--data-dir', data], {env: CLEAN_ENV})

  beforeAll(async () => {
    serve = await startServe(data, ['--simulate'])
    // Let the simulator record a little, then end its session (a new one starts with the next frames).
    let listed: {sessions: Array<{id: string; state: string; frames: number}>} = {sessions: []}
    for (let i = 0; i < 150 && !listed.sessions.some((s) => s.frames > 100); i++) {
      listed = (await serve.request('GET', '/sessions')).body
      await new Promise((r) => setTimeout(r, 100))
    }
    const end = await serve.request('POST', '/session/_live/end')
    expect(end.status).toBe(202)
    ended = end.body.session
    for (let i = 0; i < 100; i++) {
      listed = (await serve.request('GET', '/sessions')).body
      if (listed.sessions.find((s) => s.id === ended)?.state === 'ended') break
      await new Promise((r) => setTimeout(r, 100))
    }
  }, 120_000)
  afterAll(async () => {
    await serve?.stop()
    killAll()
    dir.cleanup()
  })

  it('archive --list --json: the sessions, listed by serve', async () => {
    const r = await cli('archive', '--list', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`the live DB is held by pitwall serve (pid ${serve.child.pid}): running through its bridge at ${serve.url}`)
    const sessions = JSON.parse(r.stdout) as Array<{id: string; state: string; frames: number}>
    expect(sessions.find((s) => s.id === ended)).toMatchObject({state: 'ended'})
    expect(sessions.find((s) => s.id === ended)!.frames).toBeGreaterThan(0)
  }, 60_000)

  it('archive --all-ended --json: the ended session archived and verified by serve, the live one left', async () => {
    const r = await cli('archive', '--all-ended', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('running through its bridge')
    const result = JSON.parse(r.stdout)
    expect(result.failed).toEqual([])
    expect(result.archived.map((a: {id: string}) => a.id)).toEqual([ended])
    expect(existsSync(join(data, result.archived[0].path))).toBe(true)
    const listed = JSON.parse((await cli('archive', '--list', '--json')).stdout) as Array<{id: string; state: string}>
    expect(listed.find((s) => s.id === ended)?.state).toBe('archived')
    expect(listed.some((s) => s.state === 'live')).toBe(true)
  }, 60_000)

  it('archive of an unknown session: the same refusal as locally (exit 64, its code)', async () => {
    const r = await cli('archive', 'no-such-session', '--json')
    expect(r.code).toBe(64)
    expect(JSON.parse(r.stdout).error).toMatchObject({code: 'PW_SESSION_UNKNOWN'})
  }, 60_000)

  it('vacuum --json: run by serve between commits, sizes before and after', async () => {
    const r = await cli('vacuum', '--force', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('running through its bridge')
    const result = JSON.parse(r.stdout)
    expect(result).toMatchObject({dryRun: false, shrink: {done: true}})
    expect(result.before.fileBytes).toBeGreaterThan(0)
    // serve kept recording through it.
    const health = await serve.request('GET', '/health')
    expect(health.body.can.fps).toBeGreaterThan(0)
  }, 60_000)
})
