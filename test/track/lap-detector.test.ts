import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {type Lap, LapDetector, type LapEvent, loadTrackFile, type Track} from '../../src/lib/track/index.js'
import {ROOT} from '../helpers.js'

let mini: Track

beforeAll(async () => {
  const {findings, track} = await loadTrackFile(join(ROOT, 'test', 'track', 'fixtures', 'mini.yaml'))
  expect(findings).toEqual([])
  mini = track!
})

const T0 = 1_763_802_843_000_000

/** Fixes at `hz` of a car driving the centreline at `v` m/s from distance `d0`, for `seconds`. */
function drive(track: Track, options: {v: number; d0: number; seconds: number; hz?: number; backwards?: boolean; skip?: (t: number) => boolean}): Array<[number, number, number]> {
  const hz = options.hz ?? 20
  const out: Array<[number, number, number]> = []
  for (let k = 0; k <= options.seconds * hz; k++) {
    const t = k / hz
    if (options.skip?.(t)) continue
    const d = options.d0 + (options.backwards ? -1 : 1) * options.v * t
    const p = track.frame.toLatLon(track.centreline.at(d))
    out.push([T0 + t * 1e6, p.lat, p.lon])
  }
  return out
}

function run(track: Track, fixes: Array<[number, number, number]>, options = {}): {laps: Lap[]; events: LapEvent[]} {
  const detector = new LapDetector(track, options)
  const events: LapEvent[] = []
  detector.onEvent((e) => events.push(e))
  for (const [t, lat, lon] of fixes) detector.feed(t, lat, lon)
  detector.finish()
  return {events, laps: detector.laps}
}

describe('lap detector', () => {
  it('times laps and sectors by gate crossings, interpolated between 20 Hz fixes', () => {
    const L = mini.centreline.length
    // 30 m/s from 50 m in: S/F (100 m) after 50 m, so crossings at (50 + k·L) / 30 s.
    const {laps} = run(mini, drive(mini, {d0: 50, seconds: 100, v: 30}))
    const cross = (k: number): number => T0 + ((50 + k * L) / 30) * 1e6
    expect(laps[0]).toMatchObject({endUs: expect.closeTo(cross(0), -2), invalidReason: 'partial', lap: 0, valid: false})
    const full = laps.filter((l) => l.valid)
    expect(full).toHaveLength(3)
    for (const lap of full) {
      expect(lap.lapTimeMs).toBe(Math.round((L / 30) * 1000))
      expect(lap.startUs).toBeCloseTo(cross(lap.lap - 1), -2)
      // S/F 100 m → sector gate 300 m → 500 m → S/F 928 m: 200, 200 and L − 400 metres.
      expect(lap.sectorsMs).toEqual([200, 200, L - 400].map((m) => Math.round((m / 30) * 1000)))
    }
    // The lap open when the trace ended: partial, no end.
    expect(laps.at(-1)).toMatchObject({endUs: null, lapTimeMs: null, valid: false, invalidReason: 'partial'})
  })

  it('reports sectors as they end, then the lap, in time order', () => {
    const {events} = run(mini, drive(mini, {d0: 50, seconds: 60, v: 30}))
    const kinds = events.map((e) => (e.kind === 'lap' ? `lap${e.lap.lap}` : `s${e.sector}@${e.lap}`))
    expect(kinds.slice(0, 6)).toEqual(['lap0', 's1@1', 's2@1', 's3@1', 'lap1', 's1@2'])
  })

  it('gives the partial first lap the sectors it saw whole', () => {
    // Start 20 m before sector gate 1 (280 m): sector 2 (300 → 500 m) and 3 are seen whole.
    const {laps} = run(mini, drive(mini, {d0: 280, seconds: 30, v: 30}))
    expect(laps[0]!.sectorsMs).toEqual([null, Math.round((200 / 30) * 1000), Math.round(((mini.centreline.length - 400) / 30) * 1000)])
  })

  it('ignores crossings against the direction of travel', () => {
    const {laps} = run(mini, drive(mini, {backwards: true, d0: 50, seconds: 100, v: 30}))
    expect(laps).toHaveLength(1)
    expect(laps[0]).toMatchObject({endUs: null, valid: false})
  })

  it('marks a lap with a GPS gap across a gate invalid, and the laps around a gap over the line', () => {
    const L = mini.centreline.length
    const sector1At = (300 - 50) / 30
    const {laps} = run(mini, drive(mini, {d0: 50, seconds: 100, skip: (t) => t > sector1At - 1.5 && t < sector1At + 1.5, v: 30}))
    expect(laps.find((l) => l.lap === 1)).toMatchObject({invalidReason: 'gps_gap', valid: false})
    expect(laps.find((l) => l.lap === 2)).toMatchObject({valid: true})
    const lineAt = (50 + L) / 30
    const around = run(mini, drive(mini, {d0: 50, seconds: 100, skip: (t) => t > lineAt - 1.5 && t < lineAt + 1.5, v: 30})).laps
    expect(around.filter((l) => l.lap === 1 || l.lap === 2).map((l) => l.invalidReason)).toEqual(['gps_gap', 'gps_gap'])
    expect(around.find((l) => l.lap === 3)?.valid).toBe(true)
  })

  it('marks a lap whose sector gate was never crossed invalid, with that sector unknown', () => {
    // A short gap (under maxGapMs) that still takes the car round the gate on a cut: simulate by
    // moving the car sideways 40 m off the line while it passes sector gate 2 (500 m).
    const L = mini.centreline.length
    const fixes = drive(mini, {d0: 50, seconds: 60, v: 30}).map(([t, lat, lon]) => {
      const d = 50 + ((t - T0) / 1e6) * 30
      const w = ((d % L) + L) % L
      return w > 480 && w < 520 ? ([t, lat + 0.0004, lon] as [number, number, number]) : ([t, lat, lon] as [number, number, number])
    })
    const lap1 = run(mini, fixes, {maxGapMs: 5000}).laps.find((l) => l.lap === 1)!
    expect(lap1).toMatchObject({invalidReason: 'missed_sector', valid: false})
    expect(lap1.sectorsMs[0]).not.toBeNull()
    expect(lap1.sectorsMs.slice(1)).toEqual([null, null])
    expect(lap1.lapTimeMs).toBe(Math.round((L / 30) * 1000))
  })

  it('ignores a second crossing of the line sooner than minLapMs (jitter at the line)', () => {
    const fixes = drive(mini, {d0: 90, seconds: 2, v: 10})
    // Back over the line and forward again.
    const p = (d: number): [number, number] => {
      const q = mini.frame.toLatLon(mini.centreline.at(d))
      return [q.lat, q.lon]
    }
    const t = fixes.at(-1)![0]
    fixes.push([t + 50_000, ...p(99)], [t + 100_000, ...p(103)], [t + 150_000, ...p(106)])
    const {laps} = run(mini, fixes)
    expect(laps.filter((l) => l.endUs !== null)).toHaveLength(1)
  })

  it('skips fixes without a position', () => {
    const fixes = drive(mini, {d0: 50, seconds: 40, v: 30}).map(([t, lat, lon], i): [number, number, number] => (i % 7 === 3 ? [t, Number.NaN, Number.NaN] : [t, lat, lon]))
    const {laps} = run(mini, fixes)
    expect(laps.find((l) => l.lap === 1)?.lapTimeMs).toBe(Math.round((mini.centreline.length / 30) * 1000))
  })
})
