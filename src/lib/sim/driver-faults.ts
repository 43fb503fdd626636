/**
 * `--driver-fault`: laps driven with known mistakes, so the coach has something to find.
 *
 * ```
 * late-brake@T1          at corner 1 (the track file's `number`), every lap
 * coast@quarry           a corner by name (case and spaces/dashes/underscores do not matter)
 * over-rev@lap3          the whole of lap 3
 * no-trail@T4:lap2       corner 4 on lap 2 only
 * ```
 * Laps count as the lap detector counts them: lap 1 is the first full lap after the out-lap.
 * A corner-scoped fault on every lap is a habit: rules that compare with the best lap cannot see
 * a habit the best lap shares, so scope it to a lap to see it against a clean reference.
 */
import {UsageError} from '../errors.js'
import type {Track} from '../track/model.js'

/** What the driver gets wrong (docs/simulate.md has the physics of each). */
export const DRIVER_FAULT_KINDS = ['late-brake', 'early-brake', 'coast', 'no-trail', 'late-throttle', 'timid', 'over-rev', 'short-shift'] as const
export type DriverFaultKind = (typeof DRIVER_FAULT_KINDS)[number]

/** Kinds that need a braking zone before the corner. */
export const BRAKING_FAULTS: ReadonlySet<DriverFaultKind> = new Set(['late-brake', 'early-brake', 'no-trail'])

export interface DriverFault {
  readonly kind: DriverFaultKind
  /** Index into `track.corners`; undefined: every corner of the lap (shift faults: the whole lap). */
  readonly corner?: number
  /** The lap it happens on; undefined: every lap. */
  readonly lap?: number
  /** As given, for messages and the summary. */
  readonly text: string
}

const usage = (message: string, suggestions: string[] = []): UsageError => new UsageError(message, {code: 'PW_SIM_FAULT', suggestions})

/** Parses the `--driver-fault` list against the track's corners. */
export function parseDriverFaults(text: string, track: Track): DriverFault[] {
  const corners = cornerNames(track)
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const at = item.indexOf('@')
      const kind = (at < 0 ? item : item.slice(0, at)) as DriverFaultKind
      if (!DRIVER_FAULT_KINDS.includes(kind)) throw usage(`--driver-fault ${item}: unknown fault "${kind}"`, [`faults: ${DRIVER_FAULT_KINDS.join(', ')}`])
      if (at < 0) throw usage(`--driver-fault ${item}: say where, e.g. ${kind}@T1, ${kind}@lap3 or ${kind}@T1:lap3`)
      const where = item.slice(at + 1).toLowerCase()
      const lapMatch = /^(?:(.+):)?lap(\d+)$/.exec(where)
      const cornerText = lapMatch ? lapMatch[1] : where
      const lap = lapMatch ? Number(lapMatch[2]) : undefined
      if (lap !== undefined && lap < 1) throw usage(`--driver-fault ${item}: laps count from 1 (lap 0 is the out-lap)`)
      let corner: number | undefined
      if (cornerText !== undefined) {
        corner = corners.get(slug(cornerText))
        if (corner === undefined) {
          throw usage(`--driver-fault ${item}: ${track.name} has no corner "${cornerText}"`, [`corners: ${track.corners.map((c, i) => `${label(track, i)}`).join(', ')}`])
        }
      }
      return {kind, text: item, ...(corner === undefined ? {} : {corner}), ...(lap === undefined ? {} : {lap})}
    })
}

/** `T3 (Kink)`, or the name alone for a corner without a number. */
export function label(track: Track, corner: number): string {
  const c = track.corners[corner]!
  return c.number === undefined ? c.name : `T${c.number} (${c.name})`
}

function cornerNames(track: Track): Map<string, number> {
  const names = new Map<string, number>()
  track.corners.forEach((c, i) => {
    names.set(slug(c.name), i)
    if (c.number !== undefined) names.set(`t${c.number}`, i)
  })
  return names
}

const slug = (text: string): string => text.toLowerCase().replace(/[\s_-]+/g, '')
