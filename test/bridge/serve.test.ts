import {existsSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {Ajv} from 'ajv'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {healthSchema} from '../../src/lib/bridge/schemas/health.js'
import {lapsSchema, sessionDetailSchema, sessionListSchema} from '../../src/lib/bridge/schemas/sessions.js'
import {capabilitiesSchema, registrySchema, signalsResponseSchema} from '../../src/lib/bridge/schemas/signals.js'
import {tempDir} from '../helpers.js'
import {killAll, waitFor} from '../ingest/helpers.js'
import {startServeProcess} from './serve-process.js'

const ajv = new Ajv({allowUnionTypes: true, strict: false})
function conforms(schema: object, body: unknown): void {
  const validate = ajv.compile(schema)
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true)
}

const dirs: Array<() => void> = []
afterEach(() => killAll())
afterAll(() => dirs.forEach((c) => c()))

describe('pitwall serve --simulate', () => {
  it('serves live values within 3 s, stops cleanly on SIGTERM, and a restart sees the earlier session intact', async () => {
    const dir = tempDir()
    dirs.push(dir.cleanup)
    const serve = await startServeProcess(dir.path, ['--simulate'])
    const started = Date.now()
    // The token file is made at first start, owner-only.
    expect(statSync(join(dir.path, 'token')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir.path, 'serve.json')).mode & 0o777).toBe(0o600)

    let health: any
    let values: any
    await waitFor(() => false, 0).catch(() => undefined)
    const until = started + 3000
    while (Date.now() < until) {
      health = (await serve.request('GET', '/health')).body
      const signals = await serve.request('GET', '/session/_live/signals?names=rpm,speed_ms&from=-1')
      values = signals.body
      if (health.can.fps > 0 && signals.status === 200 && values.signals.rpm.some((v: number | null) => v !== null)) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(health.can.fps).toBeGreaterThan(0)
    expect(health.simulator.running).toBe(true)
    expect(health.can.state).toBe('connected')
    conforms(healthSchema, health)
    conforms(signalsResponseSchema, values)
    expect(values.source).toBe('memory')
    const rpm = values.signals.rpm.filter((v: number | null) => v !== null)
    expect(rpm.length).toBeGreaterThan(0)
    // Idle or driving, an E46 engine turns between 600 and 8,300 rpm.
    for (const r of rpm) expect(r).toBeGreaterThan(600)
    for (const r of rpm) expect(r).toBeLessThan(8300)
    expect(values.signals.speed_ms.length).toBe(values.t.length)

    // The other read routes answer with their schemas.
    const registry = await serve.request('GET', '/signals/registry?include_can_state=true')
    expect(registry.status).toBe(200)
    conforms(registrySchema, registry.body)
    expect(registry.body.signals.map((s: {name: string}) => s.name)).toEqual(expect.arrayContaining(['rpm', 'speed_ms']))
    expect(registry.body.can.length).toBeGreaterThan(0)
    const caps = await serve.request('GET', '/session/_live/capabilities')
    conforms(capabilitiesSchema, caps.body)
    expect([...caps.body.signals, ...caps.body.derived].find((s: {name: string}) => s.name === 'rpm').has_values).toBe(true)
    const sessionId: string = values.session

    const patch = await serve.request('PATCH', '/session/_live', {body: {driver: 'Alex', tyres: 'slick soft'}})
    expect(patch.status).toBe(200)
    conforms(sessionDetailSchema, patch.body)
    expect(patch.body.run_sheet).toMatchObject({driver: 'Alex', track: 'pitwall_park', tyres: 'slick soft'})
    const note = await serve.request('POST', `/session/${sessionId}/notes`, {body: {text: 'box this lap', lap: 1}})
    expect(note.status).toBe(202)

    const stopAt = Date.now()
    const exit = await serve.stop()
    expect(exit.code).toBe(0)
    expect(Date.now() - stopAt).toBeLessThan(5000)
    expect(existsSync(join(dir.path, 'serve.json'))).toBe(false)
    expect(existsSync(join(dir.path, 'pitwall.duckdb.wal'))).toBe(false)

    // A restart (no source) sees the earlier session, ended, with its frames, run sheet and note.
    const again = await startServeProcess(dir.path, [])
    const list = await again.request('GET', '/sessions')
    conforms(sessionListSchema, list.body)
    const earlier = list.body.sessions.find((s: {id: string}) => s.id === sessionId)
    expect(earlier).toMatchObject({endReason: 'shutdown', state: 'ended'})
    expect(earlier.frames).toBeGreaterThan(100)
    const detail = await again.request('GET', `/session/${sessionId}`)
    expect(detail.body.run_sheet.driver).toBe('Alex')
    const laps = await again.request('GET', `/session/${sessionId}/laps`)
    conforms(lapsSchema, laps.body)
    const stored = await again.request('GET', `/session/${sessionId}/signals?names=rpm&from=-5`)
    expect(stored.status).toBe(200)
    expect(stored.body.source).toBe('db')
    expect(stored.body.signals.rpm.filter((v: number | null) => v !== null).length).toBeGreaterThan(0)
    const notLive = await again.request('POST', `/session/${sessionId}/end`)
    expect(notLive.status).toBe(409)
    expect(notLive.body.error.code).toBe('PW_NOT_LIVE')
    expect((await again.stop()).code).toBe(0)
  }, 60_000)
})
