import {existsSync, readdirSync} from 'node:fs'
import {extname, join, resolve} from 'node:path'

import {InputDataError, UsageError} from '../errors.js'
import {formatFinding} from '../findings.js'
import {loadTrackFile, SHIPPED_TRACKS_DIR} from './load.js'
import type {Track} from './model.js'

/** The track the simulator drives unless told otherwise. */
export const DEFAULT_TRACK = 'pitwall_park'

/** Where track ids are looked up, first match wins: the user's tracks, then the shipped ones. */
export function trackSearchDirs(dataDir: string): string[] {
  return [join(dataDir, 'tracks'), SHIPPED_TRACKS_DIR]
}

/** Track ids available by name. */
export function listTrackIds(dataDir: string): string[] {
  const ids = new Set<string>()
  for (const dir of trackSearchDirs(dataDir)) {
    if (!existsSync(dir)) continue
    for (const f of readdirSync(dir)) if (f.endsWith('.yaml')) ids.add(f.slice(0, -5))
  }
  return [...ids].sort()
}

/**
 * What `--track` does, like `--car`: a path (ends in .yaml/.yml or contains `/`) is loaded as
 * is; an id is looked up as `<data-dir>/tracks/<id>.yaml`, then in the shipped `tracks/`. A track
 * with errors is refused with its first findings (validate-car lists them all).
 */
export async function openTrack(ref: string, options: {dataDir: string; cwd?: string}): Promise<Track> {
  const ext = extname(ref).toLowerCase()
  let path: string | undefined
  if (ext === '.yaml' || ext === '.yml' || ref.includes('/')) path = resolve(options.cwd ?? process.cwd(), ref)
  else path = trackSearchDirs(options.dataDir).map((dir) => join(dir, `${ref}.yaml`)).find((p) => existsSync(p))
  if (!path) {
    throw new UsageError(`unknown track "${ref}"`, {
      code: 'PW_TRACK_NOT_FOUND',
      suggestions: [`known tracks: ${listTrackIds(options.dataDir).join(', ') || 'none'}`, 'or give a path to a track .yaml'],
    })
  }
  const {findings, track} = await loadTrackFile(path)
  if (track) return track
  const errors = findings.filter((f) => f.severity === 'error')
  throw new InputDataError(`track "${ref}" has ${errors.length} error(s):\n${errors.slice(0, 10).map(formatFinding).join('\n')}`, {
    code: 'PW_TRACK_INVALID',
    suggestions: [`run: pitwall validate-car ${path}`],
  })
}

/** The track laps are timed on, and whether the operator named it (`--track`) or it was defaulted. */
export interface LapTrack {
  readonly track: Track
  readonly given: boolean
}

/**
 * Which track laps are timed on, the same way for serve, ingest and replay: `--track` if given;
 * else the simulator's default track when the simulator drives; else the run sheet's `track`
 * when it names a known track (a free-text venue name that is not one times no laps).
 */
export async function lapTrack(ref: string | undefined, options: {dataDir: string; runSheet?: Readonly<Record<string, string>>; simulate?: boolean}): Promise<LapTrack | undefined> {
  if (ref !== undefined) return {given: true, track: await openTrack(ref, options)}
  if (options.simulate) return {given: false, track: await openTrack(DEFAULT_TRACK, options)}
  const named = options.runSheet?.['track']
  if (named !== undefined && listTrackIds(options.dataDir).includes(named)) return {given: false, track: await openTrack(named, options)}
  return undefined
}
