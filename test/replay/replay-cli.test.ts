import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {FindingSink} from '../../src/lib/findings.js'
import {loadDbcFile} from '../../src/lib/dbc/index.js'
import {FrameBatch} from '../../src/lib/can/index.js'
import {CandumpWriter} from '../../src/lib/can/log/index.js'
import {encodeMessage} from '../../src/lib/decode/index.js'
import {ROOT, runCli, SHARED_FIXTURES, tempDir} from '../helpers.js'

const ROAD_LOG = join(SHARED_FIXTURES, 'road-capture', 'can_sample.log')
const ROAD_DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')
const CANTOOLS = join(SHARED_FIXTURES, 'cantools')
const dir = tempDir()
afterAll(() => dir.cleanup())

describe('pitwall replay', () => {
  it('--format candump --unknown re-emits the road capture byte for byte', async () => {
    const r = await runCli(['replay', ROAD_LOG, '--car', ROAD_DBC, '--format', 'candump', '--unknown'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(readFileSync(ROAD_LOG, 'utf8'))
  })

  it('--to candump:FILE writes only the frames the car knows, and --json prints only the summary', async () => {
    const out = join(dir.path, 'known.log')
    const r = await runCli(['replay', ROAD_LOG, '--car', ROAD_DBC, '--to', `candump:${out}`, '--json'])
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.stdout) as {log: {framesRead: number; badLines: number}; decode: {decoded: number; unknown: number}; framesOut: number; inputFormat: string}
    expect(summary).toMatchObject({decode: {decoded: 38_015, unknown: 44_543}, framesOut: 38_015, inputFormat: 'candump', log: {badLines: 0, framesRead: 82_558}})
    const written = readFileSync(out, 'utf8').trimEnd().split('\n')
    expect(written.length).toBe(38_015)
    const db = (await loadDbcFile(ROAD_DBC, new FindingSink('dbc')))!
    const known = new Set(db.messages.map((m) => m.id.toString(16).toUpperCase().padStart(3, '0')))
    expect(new Set(written.map((line) => line.split(' ')[2]!.split('#')[0]))).toEqual(known)
  })

  it('decodes the cantools logs through the CLI to the values cantools asserts', async () => {
    interface Entry {dbc: string; log_file?: string; log_line?: number; data_hex: string; expected?: Record<string, number | string>; expected_labels?: Record<string, string>; expected_error?: string; format?: string}
    const entries = (JSON.parse(readFileSync(join(CANTOOLS, 'expected.json'), 'utf8')) as {frames: Entry[]}).frames
    const byLog = new Map<string, Entry[]>()
    for (const e of entries) if (e.log_file && !e.expected_error && e.expected) byLog.set(e.log_file, [...(byLog.get(e.log_file) ?? []), e])
    expect(byLog.size).toBeGreaterThanOrEqual(8)
    for (const [log, list] of byLog) {
      const r = await runCli(['replay', join(CANTOOLS, log), '--car', join(CANTOOLS, list[0]!.dbc), '--format', 'jsonl'])
      expect(r.code, `${log}: ${r.stderr}`).toBe(0)
      const frames = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as {signals: Record<string, number>; labels?: Record<string, string>})
      // Every expected frame appears, in log order, with its values and labels.
      let at = 0
      for (const e of list) {
        const match = frames.findIndex((f, k) => k >= at && Object.entries(e.expected!).every(([n, v]) => typeof v !== 'number' || n.startsWith('_raw:') || Math.abs(f.signals[n]! - v) <= 1e-9 * Math.max(1, Math.abs(v))))
        expect(match, `${log} line ${e.log_line}: ${JSON.stringify(e.expected)}`).toBeGreaterThanOrEqual(at)
        for (const [n, label] of Object.entries(e.expected_labels ?? {})) expect(frames[match]!.labels?.[n]).toBe(label)
        at = match + 1
      }
    }
  }, 240_000)

  it('reports bad lines with line numbers, prints unknown frames only with --unknown', async () => {
    const log = join(CANTOOLS, 'logs', 'socialledge_from_test_decode_log_format.log')
    const dbc = join(CANTOOLS, 'dbc', 'socialledge.dbc')
    const plain = await runCli(['replay', log, '--car', dbc])
    expect(plain.code).toBe(0)
    expect(plain.stdout.trim().split('\n').map((l) => (JSON.parse(l) as {message: string}).message)).toEqual(['SENSOR_SONARS', 'SENSOR_SONARS', 'SENSOR_SONARS', 'IO_DEBUG'])
    expect(plain.stderr).toContain('1 unknown id')
    expect(plain.stderr).toContain('2 bad lines')
    expect(plain.stderr).toContain('line 4: 10 data bytes in a classic CAN frame (at most 8)')
    const unknown = await runCli(['replay', log, '--car', dbc, '--unknown'])
    const last = JSON.parse(unknown.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
    expect(last).toEqual({extended: false, id: 0x1f3, message: null, signals: {}, ts: 1_594_172_462.688_432})
  })

  it('decodes an E46 log with the default car: canonical channels, labels, null gear at a standstill', async () => {
    const sink = new FindingSink('dbc')
    const db = (await loadDbcFile(join(ROOT, 'cars', 'bmw_e46_m3.dbc'), sink))!
    const m = (name: string) => db.messages.find((x) => x.name === name)!
    const batch = new FrameBatch(4)
    const t0 = Date.UTC(2026, 10, 22, 9, 0, 0) * 1000
    batch.push({data: encodeMessage(m('AimExtended01'), {wheel_speed_fl_mph: 1, wheel_speed_fr_mph: 1, wheel_speed_rl_mph: 1, wheel_speed_rr_mph: 1}), id: 0x450, timestampUs: t0})
    batch.push({data: encodeMessage(m('SmartyCam01'), {rpm: 900, speed_mph: 60, water_temp_f: 212}), id: 0x420, timestampUs: t0 + 10_000})
    batch.push({data: encodeMessage(m('SmartyCam03'), {brake_press_psi: 0, brake_switch: 1, pitch_rate_degs: 0, throttle_pos_pct: 12.5}), id: 0x422, timestampUs: t0 + 20_000})
    const file = join(dir.path, 'e46.log')
    const writer = new CandumpWriter(file)
    await writer.write(batch)
    await writer.close()
    const r = await runCli(['replay', file], {env: {PITWALL_DATA_DIR: dir.path}})
    expect(r.code, r.stderr).toBe(0)
    const [, engine, brakes] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as {message: string; signals: Record<string, number | null>; labels?: Record<string, string>; nonfinite?: string[]})
    expect(engine!.message).toBe('SmartyCam01')
    expect(engine!.signals['speed_ms']).toBeCloseTo(26.8224, 9)
    expect(engine!.signals['water_temp_c']).toBeCloseTo(100, 9)
    expect(engine!.signals['gear']).toBeNull()
    expect(engine!.nonfinite).toEqual(['gear'])
    expect(brakes!.signals['throttle_pct']).toBe(12.5)
    expect(brakes!.labels).toEqual({brake_on: 'pressed'})
  })

  it('reads stdin with -', async () => {
    // The first two frames of the road capture: 0D2 is not in the DBC, 140 is.
    const all = readFileSync(ROAD_LOG, 'utf8').split('\n')
    const lines = `${all.find((l) => l.includes(' 0D2#'))}\n${all.find((l) => l.includes(' 140#'))}\n`
    const r = await runCli(['replay', '-', '--car', ROAD_DBC, '--format', 'table'], {input: lines})
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^1631416514\.\d{6} {2}140 {2}ID_140 {2}THROTTLE=0 % {2}CLUTCH=100 % {2}RPM=774 rpm\n$/)
    expect(r.stderr).toContain('stdin (candump, car sample_can_spec): 2 frames read, 1 decoded, 1 unknown id')
  })

  it('refuses what it cannot do: exit 64 for usage, 65 for a file that is not a log', async () => {
    expect((await runCli(['replay', ROAD_LOG, '--car', ROAD_DBC, '--speed', 'fast'])).code).toBe(64)
    expect((await runCli(['replay', ROAD_LOG, '--car', ROAD_DBC, '--to', 'ftp://x'])).code).toBe(64)
    expect((await runCli(['replay'])).code).toBe(64)
    const junk = join(dir.path, 'junk.txt')
    writeFileSync(junk, 'this is not a CAN log\n')
    const r = await runCli(['replay', junk, '--car', ROAD_DBC, '--json'])
    expect(r.code).toBe(65)
    expect(JSON.parse(r.stdout)).toMatchObject({error: {code: 'PW_LOG_FORMAT', exit: 65}})
  })
})
