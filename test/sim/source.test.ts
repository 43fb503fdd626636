import {describe, expect, it} from 'vitest'

import {parseSinkSpec} from '../../src/lib/live/index.js'
import {RUN_ON_S} from '../../src/lib/sim/index.js'
import {createSimulatorSource} from '../../src/lib/source/index.js'
import {e46, park, START_US} from './helpers.js'

describe('the simulator as a CanSource', () => {
  it('yields the frames of the run in batches, then reports itself stopped', async () => {
    const source = createSimulatorSource(await e46(), await park(), {durationS: 20, seed: 3, speed: Number.POSITIVE_INFINITY, startUs: START_US})
    expect(source.kind).toBe('simulator')
    expect(source.name).toBe('bmw_e46_m3@pitwall_park')
    expect(source.status().state).toBe('connected')
    let frames = 0
    let last = 0
    for await (const batch of source.batches()) {
      expect(batch.length).toBeGreaterThan(0)
      for (let i = 0; i < batch.length; i++) {
        expect(batch.timestampUs[i]!).toBeGreaterThan(last)
        last = batch.timestampUs[i]!
      }
      frames += batch.length
    }
    expect(frames).toBe(20 * 254)
    expect(last).toBeLessThan(START_US + 20e6)
    const status = source.status()
    expect(status).toMatchObject({framesTotal: frames, reconnects: 0, state: 'stopped'})
    expect(status.lastFrameAgeS).not.toBeNull()
  })

  it('ends after --laps laps and the run-on', async () => {
    const source = createSimulatorSource(await e46(), await park(), {laps: 1, speed: Number.POSITIVE_INFINITY, startUs: START_US})
    for await (const _ of source.batches()) void _
    expect(source.stepper.nowS).toBeCloseTo(source.simulator.crossingS(1) + RUN_ON_S, 9)
    expect(source.stepper.endedBy).toBe('laps')
  })

  it('stops when asked, in real time too', async () => {
    const source = createSimulatorSource(await e46(), await park(), {})
    let batches = 0
    setTimeout(() => void source.stop(), 300)
    for await (const batch of source.batches()) batches += batch.length > 0 ? 1 : 0
    expect(batches).toBeGreaterThan(2)
    expect(source.stepper.endedBy).toBe('signal')
    expect(source.status().state).toBe('stopped')
  })
})

describe('the --to grammar', () => {
  it('reads every sink', () => {
    expect(parseSinkSpec('stdout')).toEqual({kind: 'stdout'})
    expect(parseSinkSpec('candump:/tmp/a.log')).toEqual({kind: 'candump', path: '/tmp/a.log'})
    expect(parseSinkSpec('slcan:/dev/ttyGS0')).toEqual({kind: 'slcan', path: '/dev/ttyGS0'})
    expect(parseSinkSpec('slcan:pty:/tmp/canable')).toEqual({kind: 'slcan-pty', link: '/tmp/canable'})
    expect(parseSinkSpec('udp://127.0.0.1:20777')).toEqual({host: '127.0.0.1', kind: 'udp', port: 20777})
    expect(parseSinkSpec('udp://[::1]:20777')).toEqual({host: '::1', kind: 'udp', port: 20777})
    expect(parseSinkSpec('db')).toEqual({kind: 'db'})
    expect(parseSinkSpec('bridge')).toEqual({kind: 'bridge'})
    expect(parseSinkSpec('bridge:http://127.0.0.1:8765')).toEqual({kind: 'bridge', url: 'http://127.0.0.1:8765'})
  })

  it('refuses the rest as usage errors', () => {
    for (const bad of ['', 'file.log', 'candump:', 'slcan:', 'slcan:pty:', 'udp://host', 'udp://host:0', 'udp://host:70000', 'tcp://x:1']) {
      expect(() => parseSinkSpec(bad), bad).toThrow(expect.objectContaining({code: 'PW_BAD_TARGET', exit: 64}))
    }
  })
})
