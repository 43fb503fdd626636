import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT, runCli, SHARED_FIXTURES} from '../helpers.js'

const LOG = join(SHARED_FIXTURES, 'road-capture', 'can_sample.log')
const DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')
const PYTHON = '/usr/bin/python3'

interface Stat {
  count: number
  min: number
  max: number
  sum: number
}

/** python-can reads the log, canmatrix decodes it: a decoder that shares no code with ours. */
function independentStats(): Record<string, Stat> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install Debian's python3, python3-can and python3-canmatrix (.ci/run does)`)
  try {
    const out = execFileSync(PYTHON, [join(ROOT, 'test', 'replay', 'independent-decode.py'), LOG, DBC], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe']})
    return JSON.parse(out) as Record<string, Stat>
  } catch (error) {
    throw new Error(`the independent decoder failed (apt-get install python3-can python3-canmatrix): ${(error as Error).message}`)
  }
}

describe('replaying the 90 s road capture matches an independent decoder, signal by signal', () => {
  it('same count, min, max and mean for every signal', async () => {
    const r = await runCli(['replay', LOG, '--car', DBC, '--format', 'jsonl'])
    expect(r.code).toBe(0)
    const ours: Record<string, Stat> = {}
    for (const line of r.stdout.split('\n')) {
      if (!line) continue
      const frame = JSON.parse(line) as {message: string; signals: Record<string, number | null>}
      for (const [name, value] of Object.entries(frame.signals)) {
        expect(value, `${frame.message}.${name}`).not.toBeNull()
        const v = value!
        const s = (ours[`${frame.message}.${name}`] ??= {count: 0, max: v, min: v, sum: 0})
        s.count++
        s.min = Math.min(s.min, v)
        s.max = Math.max(s.max, v)
        s.sum += v
      }
    }
    const theirs = independentStats()
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort())
    expect(Object.keys(ours).length).toBeGreaterThanOrEqual(15)
    const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
    for (const [name, t] of Object.entries(theirs)) {
      const o = ours[name]!
      expect(o.count, `${name} count`).toBe(t.count)
      expect(close(o.min, t.min), `${name} min ${o.min} vs ${t.min}`).toBe(true)
      expect(close(o.max, t.max), `${name} max ${o.max} vs ${t.max}`).toBe(true)
      expect(close(o.sum / o.count, t.sum / t.count), `${name} mean ${o.sum / o.count} vs ${t.sum / t.count}`).toBe(true)
    }
    // The summary on stderr accounts for every frame of the capture.
    expect(r.stderr).toContain('82558 frames read, 38015 decoded, 44543 unknown id, 0 too short')
  }, 60_000)
})
