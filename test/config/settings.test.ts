import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {defaultDataDir, resolveSettings} from '../../src/lib/config/index.js'
import {InputDataError} from '../../src/lib/errors.js'
import {tempDir} from '../helpers.js'

describe('settings: flag > environment > pitwall.yaml > default', () => {
  let dir: {path: string; cleanup: () => void}
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({HOME: dir.path, PITWALL_DATA_DIR: dir.path, ...extra})

  it('uses the defaults when nothing is set', async () => {
    const s = await resolveSettings({}, env())
    expect(s.get('car')).toBe('bmw_e46_m3')
    expect(s.origin('car')).toBe('default')
    expect(s.get('logLevel')).toBe('info')
    expect(s.get('token')).toBeUndefined()
    expect(s.dataDir).toBe(dir.path)
    expect(s.dataDirOrigin).toBe('env')
  })

  it('pitwall.yaml beats defaults, environment beats the file, flags beat everything', async () => {
    writeFileSync(join(dir.path, 'pitwall.yaml'), 'car: from_file\nlog_level: debug\nurl: http://127.0.0.1:9000\n')
    const fromFile = await resolveSettings({}, env())
    expect([fromFile.get('car'), fromFile.origin('car'), fromFile.get('logLevel')]).toEqual(['from_file', 'file', 'debug'])
    const fromEnv = await resolveSettings({}, env({PITWALL_CAR: 'from_env', PITWALL_LOG_LEVEL: 'warn'}))
    expect([fromEnv.get('car'), fromEnv.origin('car'), fromEnv.get('logLevel'), fromEnv.get('url')]).toEqual(['from_env', 'env', 'warn', 'http://127.0.0.1:9000'])
    const fromFlag = await resolveSettings({car: 'from_flag'}, env({PITWALL_CAR: 'from_env'}))
    expect([fromFlag.get('car'), fromFlag.origin('car')]).toEqual(['from_flag', 'flag'])
  })

  it('the data dir comes from --data-dir, then PITWALL_DATA_DIR, then the platform default', async () => {
    const other = join(dir.path, 'other')
    mkdirSync(other)
    expect((await resolveSettings({dataDir: other}, env())).dataDir).toBe(other)
    const s = await resolveSettings({}, {HOME: dir.path})
    expect(s.dataDir).toBe(join(dir.path, '.local', 'share', 'pitwall'))
    expect(s.dataDirOrigin).toBe('default')
  })

  it('knows where Termux, XDG and macOS keep per-user data', () => {
    expect(defaultDataDir({HOME: '/data/data/com.termux/files/home', PREFIX: '/data/data/com.termux/files/usr'}, 'android')).toBe(
      '/data/data/com.termux/files/home/.local/share/pitwall',
    )
    expect(defaultDataDir({HOME: '/home/a', XDG_DATA_HOME: '/x'}, 'linux')).toBe('/x/pitwall')
    expect(defaultDataDir({HOME: '/Users/a'}, 'darwin')).toBe('/Users/a/Library/Application Support/pitwall')
  })

  it('a bad pitwall.yaml is an input error naming file:line:column', async () => {
    writeFileSync(join(dir.path, 'pitwall.yaml'), 'car: x\nlog_levle: debug\nlog_level: loud\n')
    const error = await resolveSettings({}, env()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InputDataError)
    const message = (error as Error).message
    expect(message).toContain(`${join(dir.path, 'pitwall.yaml')}:2:1: error: unknown setting "log_levle"`)
    expect(message).toContain(`${join(dir.path, 'pitwall.yaml')}:3:12: error: log_level: must be one of`)
    expect((error as InputDataError).exit).toBe(65)
  })

  it('a bad environment value names the variable', async () => {
    await expect(resolveSettings({}, env({PITWALL_LOG_LEVEL: 'loud'}))).rejects.toThrow(/PITWALL_LOG_LEVEL="loud": must be one of/)
  })
})
