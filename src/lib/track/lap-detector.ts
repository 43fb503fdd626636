/**
 * Laps and sectors from a GPS trace: each step between two fixes is tested against the timing
 * gates (segment intersection in the track's local frame), and the crossing time is
 * interpolated along the step, so a 20 Hz trace times laps to about a millisecond, not 50 ms.
 * Only crossings in the direction of travel count.
 *
 * Laps are numbered from 0: lap 0 is the partial lap from the first fix to the first
 * start/finish crossing (an out-lap, or a session started mid-lap) and is never valid. A lap is
 * valid when it runs start/finish to start/finish, every sector gate was crossed in order, and
 * the trace had no gap longer than `maxGapMs` inside it.
 */
import {crossSegments} from './segment.js'
import type {Gate, Track} from './model.js'

/** Why a lap is not valid. */
export type LapInvalidReason = 'partial' | 'missed_sector' | 'gps_gap'

/** A lap as stored with the session (`laps` table) and sent to consumers. */
export interface Lap {
  readonly lap: number
  /** Epoch µs of its start: the start/finish crossing, or the first fix for lap 0. */
  readonly startUs: number
  /** Epoch µs of its end; null for a lap still open when the trace ended. */
  readonly endUs: number | null
  /** Rounded to the millisecond; null when the lap did not end. */
  readonly lapTimeMs: number | null
  readonly valid: boolean
  /** One entry per sector (sector gates + 1); null for a sector not seen from end to end. */
  readonly sectorsMs: ReadonlyArray<number | null>
  readonly invalidReason?: LapInvalidReason
}

/** What the detector reports, in time order: a sector boundary, then (at start/finish) the lap it closed. */
export type LapEvent =
  | {readonly kind: 'sector'; readonly lap: number; readonly sector: number; readonly atUs: number; readonly timeMs: number | null}
  | {readonly kind: 'lap'; readonly lap: Lap}

export interface LapDetectorOptions {
  /** A gap between fixes longer than this makes the laps around it invalid. Default 2000 ms. */
  readonly maxGapMs?: number
  /** A start/finish crossing sooner than this after the previous one is ignored (GPS jitter on the line). Default 5000 ms. */
  readonly minLapMs?: number
}

export class LapDetector {
  /** Laps closed so far, in order. */
  readonly laps: Lap[] = []
  private readonly listeners: Array<(event: LapEvent) => void> = []
  private readonly gates: Gate[]
  private readonly maxGapUs: number
  private readonly minLapUs: number
  private hasFix = false
  private lastX = 0
  private lastY = 0
  private lastUs = 0
  private lap = 0
  private lapStartUs = 0
  /** Start/finish seen: the current lap starts on the line. */
  private lapFromLine = false
  /** Crossing time of each boundary in the current lap: [0] = lap start (when from the line), [k] = sector gate k. */
  private boundaryUs: number[] = []
  /** Index of the next sector gate expected. */
  private nextSector = 0
  private gapInLap = false

  constructor(
    readonly track: Track,
    options: LapDetectorOptions = {},
  ) {
    this.gates = [track.startFinish, ...track.sectors]
    this.maxGapUs = (options.maxGapMs ?? 2000) * 1000
    this.minLapUs = (options.minLapMs ?? 5000) * 1000
  }

  onEvent(listener: (event: LapEvent) => void): void {
    this.listeners.push(listener)
  }

  /** One GPS fix, in time order. NaN positions (no fix) are skipped. */
  feed(timeUs: number, lat: number, lon: number): void {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || (lat === 0 && lon === 0)) return
    const frame = this.track.frame
    const x = frame.x(lon)
    const y = frame.y(lat)
    if (!this.hasFix) {
      this.hasFix = true
      this.lapStartUs = timeUs
      this.boundaryUs = []
    } else if (timeUs > this.lastUs) {
      const gap = timeUs - this.lastUs > this.maxGapUs
      if (gap) this.gapInLap = true
      this.step(x, y, timeUs, gap)
    } else return
    this.lastX = x
    this.lastY = y
    this.lastUs = timeUs
  }

  /** Ends the trace: the lap still open is reported as partial (no end), if it has begun. */
  finish(): Lap | undefined {
    if (!this.hasFix) return undefined
    const lap = this.close(null, 'partial')
    this.hasFix = false
    return lap
  }

  private step(x: number, y: number, timeUs: number, gap: boolean): void {
    // Gates crossed by this step, in order along it (two gates a few metres apart can share one step).
    const hits: Array<{gate: number; u: number}> = []
    this.gates.forEach((g, index) => {
      const c = crossSegments(this.lastX, this.lastY, x, y, g.ax, g.ay, g.bx, g.by)
      if (c && c.side === g.forwardSide) hits.push({gate: index, u: c.u})
    })
    hits.sort((a, b) => a.u - b.u)
    for (const hit of hits) {
      const at = this.lastUs + hit.u * (timeUs - this.lastUs)
      if (hit.gate === 0) this.startFinish(at, gap)
      else this.sectorGate(hit.gate - 1, at)
    }
  }

  private startFinish(atUs: number, gap: boolean): void {
    if (this.lapFromLine && atUs - this.lapStartUs < this.minLapUs) return
    this.close(atUs, this.lapFromLine ? (this.gapInLap ? 'gps_gap' : undefined) : 'partial')
    this.lap++
    this.lapStartUs = atUs
    this.lapFromLine = true
    this.boundaryUs = [atUs]
    this.nextSector = 0
    // A crossing interpolated across a gap is uncertain for the lap it starts too.
    this.gapInLap = gap
  }

  private sectorGate(index: number, atUs: number): void {
    if (index < this.nextSector) return
    // Gates skipped (no fix near them) leave their boundary unknown.
    this.boundaryUs[index + 1] = atUs
    this.nextSector = index + 1
    const before = this.boundaryUs[index]
    const timeMs = before === undefined ? null : Math.round((atUs - before) / 1000)
    this.emit({atUs, kind: 'sector', lap: this.lap, sector: index + 1, timeMs})
  }

  private close(endUs: number | null, reason: LapInvalidReason | undefined): Lap {
    const n = this.gates.length
    const sectorsMs: Array<number | null> = []
    for (let k = 0; k < n; k++) {
      const from = this.boundaryUs[k]
      const to = k + 1 < n ? this.boundaryUs[k + 1] : (endUs ?? undefined)
      sectorsMs.push(from === undefined || to === undefined ? null : Math.round((to - from) / 1000))
    }
    if (endUs !== null && this.lapFromLine) this.emit({atUs: endUs, kind: 'sector', lap: this.lap, sector: n, timeMs: sectorsMs[n - 1] ?? null})
    const missed = reason === undefined && sectorsMs.some((v) => v === null)
    const why = reason ?? (missed ? 'missed_sector' : undefined)
    const lap: Lap = {
      endUs,
      lap: this.lap,
      lapTimeMs: endUs === null ? null : Math.round((endUs - this.lapStartUs) / 1000),
      sectorsMs,
      startUs: this.lapStartUs,
      valid: why === undefined,
      ...(why ? {invalidReason: why} : {}),
    }
    this.laps.push(lap)
    this.emit({kind: 'lap', lap})
    return lap
  }

  private emit(event: LapEvent): void {
    for (const l of this.listeners) l(event)
  }
}
