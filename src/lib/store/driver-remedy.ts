import {describeDriver, onTermux} from './driver/index.js'

/**
 * What to do about a file written by a newer DuckDB than the one this pitwall runs, per driver:
 * node-api's library comes with pitwall; the ffi driver's is Termux's libduckdb (which `pkg
 * upgrade` moves) or the one PITWALL_LIBDUCKDB names.
 */
export async function tooNewRemedy(env: NodeJS.ProcessEnv = process.env): Promise<{about: string; suggestions: string[]}> {
  const d = await describeDriver()
  const about = `this pitwall reads it with DuckDB ${d.libraryVersion} through the ${d.driver} driver (${d.origin})`
  if (d.driver === 'node-api') return {about, suggestions: ['upgrade pitwall: its @duckdb/node-api brings the newer DuckDB', 'the file was not moved or changed']}
  if (onTermux(env)) {
    return {
      about,
      suggestions: [
        `pkg show libduckdb says which libduckdb is installed (this one is ${d.libraryVersion}); pkg upgrade libduckdb brings a newer one`,
        'once one reads the file, apt-mark hold libduckdb keeps pkg upgrade from changing it under the live DB',
        'or set PITWALL_LIBDUCKDB=/path/to/a/newer/libduckdb.so',
        'the file was not moved or changed',
      ],
    }
  }
  return {about, suggestions: ['set PITWALL_LIBDUCKDB to a newer libduckdb.so', 'or PITWALL_DUCKDB_DRIVER=node-api, and upgrade pitwall', 'the file was not moved or changed']}
}
