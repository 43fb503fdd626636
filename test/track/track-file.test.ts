import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {CarValidator, classifyFile} from '../../src/lib/validate/index.js'
import {
  centrelineFromLayout,
  centrelineFromPoints,
  crossSegments,
  gateAcross,
  type LayoutSegment,
  loadTrackFile,
  openTrack,
} from '../../src/lib/track/index.js'
import {ROOT, tempDir} from '../helpers.js'

const SHIPPED = join(ROOT, 'tracks', 'pitwall_park.yaml')

describe('segment crossing', () => {
  it('finds where a step crosses a gate, along both, and which way', () => {
    // A step east along y = 0 from x = 0 to 10; a gate north-south at x = 4 from y = -1 to 3.
    expect(crossSegments(0, 0, 10, 0, 4, -1, 4, 3)).toEqual({side: 1, u: 0.4, v: 0.25})
    // Driving back west crosses it from the other side.
    expect(crossSegments(10, 0, 0, 0, 4, -1, 4, 3)?.side).toBe(-1)
  })

  it('misses gates that do not meet the step, and parallel ones', () => {
    expect(crossSegments(0, 0, 3, 0, 4, -1, 4, 3)).toBeUndefined()
    expect(crossSegments(0, 0, 10, 0, 4, 1, 4, 3)).toBeUndefined()
    expect(crossSegments(0, 0, 10, 0, 0, 1, 10, 1)).toBeUndefined()
  })

  it('counts a fix on the line for the step that starts at it, never for both steps around it', () => {
    expect(crossSegments(4, 0, 8, 0, 4, -1, 4, 1)?.u).toBe(0)
    expect(crossSegments(0, 0, 4, 0, 4, -1, 4, 1)).toBeUndefined()
  })
})

describe('centreline from a layout', () => {
  const square: LayoutSegment[] = [0, 1, 2, 3].flatMap((): LayoutSegment[] => [
    {kind: 'straight', length: 100},
    {angleDeg: 90, direction: 1, kind: 'turn', radius: 30, spiral: 10},
  ])

  it('closes a layout that turns 360°, with the length of its parts', () => {
    const {centreline, closure} = centrelineFromLayout(square, 90)
    expect(closure.turningDeg).toBeCloseTo(360, 9)
    expect(closure.gapM).toBeLessThan(1e-6)
    // Each turn: two 10 m spirals and (π/2·30 − 10) m of arc.
    expect(centreline.length).toBeCloseTo(4 * (100 + (Math.PI / 2) * 30 + 10), 6)
    expect(centreline.x[centreline.vertices - 1]).toBe(0)
  })

  it('gives right turns positive curvature, ramping through the spirals to 1/R', () => {
    const {centreline} = centrelineFromLayout(square, 90)
    expect(centreline.at(50).curvature).toBe(0)
    expect(centreline.at(105).curvature).toBeCloseTo(0.5 / 30, 3)
    expect(centreline.at(100 + 10 + 5).curvature).toBeCloseTo(1 / 30, 9)
    // Heading east, the first right turn leads south: y falls.
    const after = centreline.at(100 + (Math.PI / 2) * 30 + 10 + 20)
    expect(after.heading).toBeCloseTo(Math.PI, 6)
    const left = centrelineFromLayout(square.map((s) => (s.kind === 'turn' ? {...s, direction: -1 as const} : s)), 90).centreline
    expect(left.at(115).curvature).toBeCloseTo(-1 / 30, 9)
  })
})

describe('centreline from surveyed points', () => {
  it('recovers the length and curvature of a circle, clockwise positive', () => {
    const r = 200
    // Clockwise seen from above: x = r·sin θ, y = r·cos θ with θ growing.
    const points = Array.from({length: 90}, (_, i) => {
      const th = (2 * Math.PI * i) / 90
      return {x: r * Math.sin(th), y: r * Math.cos(th)}
    })
    const line = centrelineFromPoints(points)
    expect(line.length).toBeGreaterThan(2 * Math.PI * r * 0.999)
    expect(line.length).toBeLessThan(2 * Math.PI * r)
    for (const d of [100, 500, 1000]) expect(line.at(d).curvature).toBeCloseTo(1 / r, 4)
  })

  it('loads a track file whose centreline is a list of points, gates and all', async () => {
    const {track} = await loadTrackFile(SHIPPED)
    const t = track!
    const points: string[] = []
    for (let d = 0; d < t.centreline.length - 5; d += 10) {
      const p = t.frame.toLatLon(t.centreline.at(d))
      points.push(`    - [${p.lat.toFixed(7)}, ${p.lon.toFixed(7)}]`)
    }
    const text = readFileSync(SHIPPED, 'utf8')
    const gates = text.slice(text.indexOf('gates:'))
    const dir = tempDir()
    try {
      const file = join(dir.path, 'surveyed.yaml')
      writeFileSync(file, `schema: 1\nid: surveyed\nname: Surveyed\ncentreline:\n  points:\n${points.join('\n')}\n${gates}`)
      const loaded = await loadTrackFile(file)
      expect(loaded.findings).toEqual([])
      expect(loaded.track!.centreline.length).toBeCloseTo(t.centreline.length, -1)
      expect(loaded.track!.sectors.map((g) => Math.round(g.distanceM / 10))).toEqual([159, 332])
      // The hairpin (radius 26 m) reads as about that tight.
      expect(loaded.track!.centreline.maxCurvature()).toBeGreaterThan(1 / 30)
    } finally {
      dir.cleanup()
    }
  })
})

describe('the shipped track', () => {
  it('is a track to validate-car, and has no findings', async () => {
    expect(await classifyFile(SHIPPED)).toBe('track')
    const validator = new CarValidator({strict: true})
    const result = await validator.validate(SHIPPED)
    expect(validator.report().findings).toEqual([])
    expect(result.kind).toBe('track')
  })

  it('is a 4.5 km circuit with gates in driving order and eleven named corners', async () => {
    const {track} = await loadTrackFile(SHIPPED)
    expect(track).toBeDefined()
    const t = track!
    expect(t.fictional).toBe(true)
    expect(t.centreline.length).toBeGreaterThan(3500)
    expect(t.centreline.length).toBeLessThan(5000)
    expect(t.corners.map((c) => c.name)).toHaveLength(11)
    expect(new Set(t.corners.map((c) => c.name)).size).toBe(11)
    // The layout starts on the line; sector gates 1590 m and 3320 m in.
    expect(Math.min(t.startFinish.distanceM, t.centreline.length - t.startFinish.distanceM)).toBeLessThan(0.05)
    expect(t.sectors.map((g) => Math.round(g.distanceM))).toEqual([1590, 3320])
    // Corner markers sit along the lap in order.
    const along = t.corners.map((c) => c.distanceM)
    expect([...along].sort((a, b) => a - b)).toEqual(along)
  })

  it('opens by id, and an unknown id is a usage error listing the known ones', async () => {
    const track = await openTrack('pitwall_park', {dataDir: '/nonexistent'})
    expect(track.id).toBe('pitwall_park')
    await expect(openTrack('monza', {dataDir: '/nonexistent'})).rejects.toMatchObject({code: 'PW_TRACK_NOT_FOUND', exit: 64})
  })

  it('places a gate across the line at a distance, crossed once, forwards', async () => {
    const {track} = await loadTrackFile(SHIPPED)
    const t = track!
    const [a, b] = gateAcross(t.centreline, t.frame, 2000, 30)
    const hits = t.centreline.crossings(t.frame.x(a.lon), t.frame.y(a.lat), t.frame.x(b.lon), t.frame.y(b.lat))
    expect(hits).toHaveLength(1)
    expect(hits[0]!.s).toBeCloseTo(2000, 3)
  })
})
