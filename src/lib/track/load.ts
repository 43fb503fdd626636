import {readFile} from 'node:fs/promises'
import {basename, extname, join} from 'node:path'

import {displayPath} from '../car/display-path.js'
import {type Finding, FindingSink} from '../findings.js'
import {PACKAGE_ROOT} from '../paths.js'
import {checkAgainstSchema, YamlSource} from '../yaml/index.js'
import type {Centreline} from './centreline.js'
import {type LatLon, LocalFrame} from './geo.js'
import {arcLength, centrelineFromLayout, type LayoutSegment} from './layout.js'
import type {CornerMarker, Gate, Track} from './model.js'
import {centrelineFromPoints} from './polyline.js'

/** Shipped tracks, beside the cars. */
export const SHIPPED_TRACKS_DIR = join(PACKAGE_ROOT, 'tracks')
/** JSON Schema for track YAML files. */
export const TRACK_SCHEMA_PATH = join(SHIPPED_TRACKS_DIR, 'track.schema.json')

/** A layout whose turns do not add up to one full turn within this is not a circuit. */
const MAX_TURNING_ERROR_DEG = 2
/** Largest closing gap spread over the lap: the larger of this and 0.5 % of the length. */
const MAX_GAP_M = 20
/** A corner marker further than this from the centreline is misplaced. */
const MAX_CORNER_OFFSET_M = 50

export interface TrackLoadResult {
  /** The track, when it has no errors (warnings allowed). */
  readonly track?: Track
  readonly findings: readonly Finding[]
}

let schemaCache: object | undefined
async function trackSchema(): Promise<object> {
  schemaCache ??= JSON.parse(await readFile(TRACK_SCHEMA_PATH, 'utf8')) as object
  return schemaCache
}

type Pair = [number, number]
interface TrackYaml {
  id?: string
  name?: string
  fictional?: boolean
  centreline?: {width_m?: number; start?: {lat: number; lon: number; heading_deg: number}; layout?: Array<Record<string, unknown>>; points?: Pair[]}
  gates?: {start_finish?: [Pair, Pair]; sectors?: Array<[Pair, Pair]>}
  corners?: Array<{name: string; number?: number; at: Pair}>
}

/**
 * Loads and checks a track file: its shape (the JSON Schema), then what a schema cannot say: the
 * layout closes, each gate crosses the centreline exactly once, sector gates come in driving
 * order, corner markers sit on the track. Never throws on bad content: each problem is a finding
 * with file:line:column.
 */
export async function loadTrackFile(file: string): Promise<TrackLoadResult> {
  const shown = displayPath(file)
  const sink = new FindingSink(shown)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    sink.error({column: 1, line: 1}, 'file-unreadable', `cannot read track file: ${(error as Error).message}`)
    return {findings: sink.findings}
  }
  const source = new YamlSource(text, shown, sink)
  if (source.hasSyntaxErrors) return {findings: sink.findings}
  if (!checkAgainstSchema(source, await trackSchema(), sink)) return {findings: sink.findings}
  const data = (source.doc.toJS() ?? {}) as TrackYaml
  const fileId = basename(file, extname(file))
  if (data.id !== fileId) {
    sink.warning(source.closestPos(['id']), 'id-mismatch', `track id "${data.id}" differs from the file name: --track ${fileId} would not find it by id`)
  }
  const line = data.centreline!
  const origin: LatLon = line.start ? {lat: line.start.lat, lon: line.start.lon} : {lat: line.points![0]![0], lon: line.points![0]![1]}
  const frame = new LocalFrame(origin)
  let centreline: Centreline
  let layout: LayoutSegment[] | undefined
  if (line.layout) {
    layout = line.layout.map(segmentOf)
    let spiralErrors = 0
    layout.forEach((seg, i) => {
      if (seg.kind === 'turn' && arcLength(seg) < 0) {
        spiralErrors++
        sink.error(source.closestPos(['centreline', 'layout', i, 'spiral']), 'spiral-too-long', `the two spirals of a ${seg.angleDeg}° turn of radius ${seg.radius} m turn more than ${seg.angleDeg}° by themselves: make spiral at most ${Math.floor(((seg.angleDeg * Math.PI) / 180) * seg.radius)} m`)
      }
    })
    const built = centrelineFromLayout(layout, line.start!.heading_deg)
    centreline = built.centreline
    const turningError = Math.abs(Math.abs(built.closure.turningDeg) - 360)
    const maxGap = Math.max(MAX_GAP_M, 0.005 * centreline.length)
    // A turn with too long spirals already explains a layout that does not close.
    if (spiralErrors === 0 && (turningError > MAX_TURNING_ERROR_DEG || built.closure.gapM > maxGap)) {
      sink.error(
        source.posOf(source.keyNodeAt(['centreline', 'layout'])),
        'track-not-closed',
        `the layout does not close: it turns ${built.closure.turningDeg.toFixed(1)}° in all (a circuit turns 360°) and ends ${built.closure.gapM.toFixed(1)} m from its start (at most ${maxGap.toFixed(0)} m is spread over the lap)`,
      )
    }
  } else {
    centreline = centrelineFromPoints(line.points!.map(([lat, lon]) => ({x: frame.x(lon), y: frame.y(lat)})))
  }
  // Gates and corners are placed on the centreline: against a broken one they would only add noise.
  if (sink.errorCount > 0) return {findings: sink.findings}
  const gateOf = (pair: [Pair, Pair], name: string, path: Array<string | number>): Gate | undefined => {
    const [a, b] = pair.map(([lat, lon]) => ({lat, lon})) as [LatLon, LatLon]
    const ax = frame.x(a.lon)
    const ay = frame.y(a.lat)
    const bx = frame.x(b.lon)
    const by = frame.y(b.lat)
    const hits = centreline.crossings(ax, ay, bx, by)
    if (hits.length !== 1) {
      const rule = hits.length === 0 ? 'gate-misses-track' : 'gate-ambiguous'
      const what = hits.length === 0 ? 'does not cross the centreline' : `crosses the centreline ${hits.length} times (at ${hits.map((h) => `${h.s.toFixed(0)} m`).join(', ')})`
      sink.error(source.closestPos(path), rule, `gate ${name} ${what}: a timing line must cross the track exactly once`)
      return undefined
    }
    return {a, ax, ay, b, bx, by, distanceM: hits[0]!.s, forwardSide: hits[0]!.side, name}
  }
  const startFinish = gateOf(data.gates!.start_finish!, 'start_finish', ['gates', 'start_finish'])
  const sectors: Gate[] = []
  ;(data.gates!.sectors ?? []).forEach((pair, i) => {
    const gate = gateOf(pair, `sector_${i + 1}`, ['gates', 'sectors', i])
    if (gate) sectors.push(gate)
  })
  if (startFinish) {
    // Distance from the start/finish line in driving order must grow gate by gate.
    let previous = 0
    ;(data.gates!.sectors ?? []).forEach((_pair, i) => {
      const gate = sectors.find((g) => g.name === `sector_${i + 1}`)
      if (!gate) return
      const ahead = centreline.wrap(gate.distanceM - startFinish.distanceM)
      if (ahead <= previous) {
        sink.error(source.closestPos(['gates', 'sectors', i]), 'sector-order', `sector gate ${i + 1} lies ${ahead.toFixed(0)} m after start/finish, not after sector gate ${i} (${previous.toFixed(0)} m): list the sector gates in driving order`)
      }
      previous = Math.max(previous, ahead)
    })
  }
  const corners: CornerMarker[] = []
  ;(data.corners ?? []).forEach((c, i) => {
    const at = {lat: c.at[0], lon: c.at[1]}
    const near = centreline.nearest(frame.x(at.lon), frame.y(at.lat))
    if (near.offset > MAX_CORNER_OFFSET_M) {
      sink.error(source.closestPos(['corners', i, 'at']), 'corner-off-track', `corner "${c.name}" is ${near.offset.toFixed(0)} m from the centreline (at most ${MAX_CORNER_OFFSET_M} m)`)
    }
    corners.push({at, distanceM: near.s, name: c.name, ...(c.number === undefined ? {} : {number: c.number})})
  })
  if (sink.errorCount > 0 || !startFinish) return {findings: sink.findings}
  const track: Track = {
    centreline,
    corners,
    fictional: data.fictional ?? false,
    file,
    frame,
    id: data.id!,
    ...(layout ? {layout} : {}),
    name: data.name!,
    sectors,
    startFinish,
    widthM: line.width_m ?? 12,
  }
  return {findings: sink.findings, track}
}

function segmentOf(raw: Record<string, unknown>): LayoutSegment {
  if (typeof raw['straight'] === 'number') return {kind: 'straight', length: raw['straight']}
  return {
    angleDeg: raw['angle'] as number,
    direction: raw['turn'] === 'right' ? 1 : -1,
    kind: 'turn',
    radius: raw['radius'] as number,
    spiral: (raw['spiral'] as number | undefined) ?? 0,
  }
}
