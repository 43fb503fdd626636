import {UsageError} from '../errors.js'

/** One `--meta key=value` pair (driver, track, event, outing, tyres, fuel, notes, or any other key). */
export function parseMetaPair(pair: string): [key: string, value: string] {
  const eq = pair.indexOf('=')
  const key = eq > 0 ? pair.slice(0, eq).trim() : ''
  if (!/^[a-z][a-z0-9_]*$/.test(key)) {
    throw new UsageError(`--meta ${pair}: write key=value with a lower-case key`, {code: 'PW_BAD_META', suggestions: ['--meta driver=Alex --meta track=Spa --meta tyres="Pilot Sport Cup 2"']})
  }
  return [key, pair.slice(eq + 1)]
}

/** Every `--meta` pair as one record; a later pair wins over an earlier one with its key. */
export function parseMeta(pairs: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(pairs.map(parseMetaPair))
}
