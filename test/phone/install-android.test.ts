/**
 * What `npm ci` installs on the phone (android, arm64), from the lock file as it is: koffi with its
 * prebuilt android-arm64 package (built against bionic), and no @duckdb platform binary (none
 * exists for android; the store's ffi driver uses Termux's libduckdb instead). Nothing to compile
 * for DuckDB. npm's dry run plans the install for another platform without fetching anything.
 */
import {execFileSync} from 'node:child_process'
import {copyFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {ROOT, tempDir} from '../helpers.js'

const dir = tempDir('pitwall-android-install-')
afterAll(() => dir.cleanup())

function plannedInstall(os: string, cpu: string): string[] {
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(dir.path, file))
  const out = execFileSync('npm', ['ci', `--os=${os}`, `--cpu=${cpu}`, '--ignore-scripts', '--dry-run', '--no-audit', '--no-fund'], {cwd: dir.path, encoding: 'utf8', env: {...process.env, npm_config_loglevel: 'warn'}})
  return out.split('\n').filter((l) => l.startsWith('add ')).map((l) => l.split(' ')[1]!)
}

describe('npm ci on the phone', () => {
  it('android arm64: koffi and its bionic prebuilt, no DuckDB binary to load or build', () => {
    const added = plannedInstall('android', 'arm64')
    expect(added).toContain('koffi')
    expect(added).toContain('@koromix/koffi-android-arm64')
    expect(added.filter((p) => p.startsWith('@koromix/koffi-') && p !== '@koromix/koffi-android-arm64')).toEqual([])
    expect(added.filter((p) => p.startsWith('@duckdb/node-bindings-'))).toEqual([])
    // The JavaScript of @duckdb/node-api installs (nothing imports it on the phone): the install succeeds.
    expect(added).toContain('@duckdb/node-api')
  })

  it('linux x64 (CI, a laptop): the DuckDB binary and koffi\'s linux build', () => {
    const added = plannedInstall('linux', 'x64')
    expect(added).toContain('@duckdb/node-bindings-linux-x64')
    expect(added).toContain('@koromix/koffi-linux-x64')
  })
})
