import {UsageError} from '../errors.js'

/** `--meta key=value` pairs (driver, track, event, outing, tyres, fuel, notes, or any other key). */
export function parseMeta(pairs: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    const key = eq > 0 ? pair.slice(0, eq).trim() : ''
    if (!/^[a-z][a-z0-9_]*$/.test(key)) {
      throw new UsageError(`--meta ${pair}: write key=value with a lower-case key`, {code: 'PW_BAD_META', suggestions: ['--meta driver=Alex --meta track=Spa --meta tyres="Pilot Sport Cup 2"']})
    }
    out[key] = pair.slice(eq + 1)
  }
  return out
}
