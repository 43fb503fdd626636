import {cpSync, mkdirSync, readdirSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT} from '../helpers.js'

/** The libduckdb.so inside the installed linux-x64 bindings package: what the phone's `pkg install libduckdb` stands in for. */
export const BINDINGS_LIBDUCKDB = join(ROOT, 'node_modules', '@duckdb', 'node-bindings-linux-x64', 'libduckdb.so')

/**
 * A copy of the built CLI where @duckdb/node-api and its bindings cannot load, as on the phone
 * (bionic: no binary of theirs loads there). The code is copied (Node resolves packages from a
 * module's real path, so a symlinked dist/ would find the real node_modules); node_modules is a
 * folder of links to every installed package but @duckdb's. Returns the path of its bin/run.js.
 */
export function phoneTree(dir: string): string {
  for (const part of ['bin', 'dist']) cpSync(join(ROOT, part), join(dir, part), {recursive: true})
  for (const file of ['package.json', 'oclif.manifest.json']) cpSync(join(ROOT, file), join(dir, file))
  for (const data of ['cars', 'formulas', 'tracks', 'native']) symlinkSync(join(ROOT, data), join(dir, data))
  const modules = join(dir, 'node_modules')
  mkdirSync(modules)
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '@duckdb' || entry === '.bin' || entry === '.cache') continue
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry))
  }
  return join(dir, 'bin', 'run.js')
}
