import {existsSync, readdirSync} from 'node:fs'
import {extname, join, resolve} from 'node:path'

import {UsageError} from '../errors.js'
import {SHIPPED_CARS_DIR} from '../paths.js'

export interface CarRef {
  readonly kind: 'yaml' | 'dbc'
  readonly path: string
}

/** Where car ids are looked up, first match wins: the user's cars, then the shipped ones. */
export function carSearchDirs(dataDir: string): string[] {
  return [join(dataDir, 'cars'), SHIPPED_CARS_DIR]
}

/**
 * Resolves what `--car` was given: a path to a bare `.dbc`, a path to a car YAML, or a car id
 * (`bmw_e46_m3` → `cars/bmw_e46_m3.yaml` in the data dir's `cars/`, then the shipped `cars/`).
 */
export function resolveCarRef(ref: string, dataDir: string, cwd: string = process.cwd()): CarRef {
  const ext = extname(ref).toLowerCase()
  if (ext === '.dbc') return {kind: 'dbc', path: resolve(cwd, ref)}
  if (ext === '.yaml' || ext === '.yml' || ref.includes('/')) return {kind: 'yaml', path: resolve(cwd, ref)}
  for (const dir of carSearchDirs(dataDir)) {
    const path = join(dir, `${ref}.yaml`)
    if (existsSync(path)) return {kind: 'yaml', path}
  }
  throw new UsageError(`unknown car "${ref}"`, {
    code: 'PW_CAR_NOT_FOUND',
    suggestions: [`known cars: ${listCarIds(dataDir).join(', ') || 'none'}`, 'or give a path to a car .yaml or a bare .dbc'],
  })
}

/** Car ids available by name. */
export function listCarIds(dataDir: string): string[] {
  const ids = new Set<string>()
  for (const dir of carSearchDirs(dataDir)) {
    if (!existsSync(dir)) continue
    for (const f of readdirSync(dir)) if (f.endsWith('.yaml')) ids.add(f.slice(0, -5))
  }
  return [...ids].sort()
}
