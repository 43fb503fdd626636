import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {ROOT, runCli, tempDir, unwrapOclifError} from '../helpers.js'

const BROKEN = 'test/fixtures/broken/cars'

describe('the pitwall CLI, run as a real child process', () => {
  let dataDir: {path: string; cleanup: () => void}
  beforeAll(() => {
    dataDir = tempDir()
    return () => dataDir.cleanup()
  })
  const env = (): NodeJS.ProcessEnv => ({PITWALL_DATA_DIR: dataDir.path})

  it('--help lists the commands with one-line descriptions', async () => {
    const r = await runCli(['--help'], {env: env()})
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/validate-car\s+Lint car configs, DBC files and formula libraries/)
  })

  it('<command> --help shows flags with defaults and examples', async () => {
    const r = await runCli(['validate-car', '--help'], {env: env()})
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('--strict')
    expect(r.stdout).toContain('--format=<option>')
    expect(r.stdout).toContain('<options: text|github>')
    expect(r.stdout).toContain('[default: text]')
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toContain('pitwall validate-car cars/bmw_e46_m3.yaml')
  })

  it('validate-car on the shipped car exits 0 and prints no findings', async () => {
    const r = await runCli(['validate-car', 'cars/bmw_e46_m3.yaml'], {env: env()})
    expect(r.stderr).toContain('1 file(s) checked: 0 error(s), 0 warning(s)')
    expect(r.stdout).toBe('')
    expect(r.code).toBe(0)
  })

  it('validate-car with no files checks cars/ and formulas/ of the working directory', async () => {
    const r = await runCli(['validate-car', '--json'], {env: env()})
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([])
  })

  it('with no files and no cars/ or formulas/ here, says so (exit 64) instead of checking nothing', async () => {
    const r = await runCli(['validate-car'], {cwd: dataDir.path, env: env()})
    expect(r.code).toBe(64)
    expect(unwrapOclifError(r.stderr)).toContain('no files to check: there is no cars/ or formulas/ here')
  })

  it('a broken car exits 1 with file:line:column: error: message [rule]', async () => {
    const r = await runCli(['validate-car', `${BROKEN}/unknown_formula_1.yaml`], {env: env()})
    expect(r.code).toBe(1)
    expect(r.stdout).toBe(`${BROKEN}/unknown_formula_1.yaml:7:40: error: unknown formula "degf_to_kelvin": not in the car's formulas nor in the shared library [unknown-formula]\n`)
  })

  it('--json prints only the list of findings on stdout, with the same exit code', async () => {
    const r = await runCli(['validate-car', `${BROKEN}/unit_mismatch_1.yaml`, `${BROKEN}/dependency_cycle_1.yaml`, '--json'], {env: env()})
    expect(r.code).toBe(1)
    const findings = JSON.parse(r.stdout) as Array<Record<string, unknown>>
    expect(findings.map((f) => [f['file'], f['line'], f['column'], f['severity'], f['rule']])).toEqual([
      [`${BROKEN}/dependency_cycle_1.yaml`, 8, 3, 'error', 'dependency-cycle'],
      [`${BROKEN}/unit_mismatch_1.yaml`, 8, 41, 'error', 'unit-mismatch'],
    ])
    expect(findings[0]!['message']).toBe('channels depend on each other in a cycle: a → b → c → a')
  })

  it('--format github prints workflow annotations', async () => {
    const r = await runCli(['validate-car', `${BROKEN}/id_mismatch_1.yaml`, '--format', 'github'], {env: env()})
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      `::warning file=${BROKEN}/id_mismatch_1.yaml,line=4,col=5,title=id-mismatch::car id "some_other_car" differs from the file name: --car id_mismatch_1 would not find it by id\n`,
    )
  })

  it('--strict turns warnings into errors (exit 1)', async () => {
    const r = await runCli(['validate-car', `${BROKEN}/id_mismatch_1.yaml`, '--strict'], {env: env()})
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('error: car id "some_other_car"')
  })

  it('a missing file is a finding, not a crash', async () => {
    const r = await runCli(['validate-car', 'nope/none.yaml'], {env: env()})
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^nope\/none.yaml:1:1: error: cannot read car file: .*ENOENT.* \[file-unreadable\]\n$/)
  })

  it('usage errors exit 64 (remapped from oclif), also under --json', async () => {
    const bad = await runCli(['validate-car', '--no-such-flag'], {env: env()})
    expect(bad.code).toBe(64)
    expect(bad.stderr).toContain('Nonexistent flag: --no-such-flag')
    const option = await runCli(['validate-car', '--format', 'xml', '--json'], {env: env()})
    expect(option.code).toBe(64)
    expect(JSON.parse(option.stdout)).toMatchObject({error: {exit: 64}})
  })

  it('an unknown command is a usage error (64)', async () => {
    const r = await runCli(['no-such-command'], {env: env()})
    expect(r.code).toBe(64)
    expect(r.stderr).toContain('command no-such-command not found')
  })

  it('a bad pitwall.yaml stops the command with exit 65 and its position', async () => {
    const dir = tempDir()
    try {
      await import('node:fs').then((fs) => fs.writeFileSync(join(dir.path, 'pitwall.yaml'), 'log_level: chatty\n'))
      const r = await runCli(['validate-car', 'cars/bmw_e46_m3.yaml'], {env: {PITWALL_DATA_DIR: dir.path}})
      expect(r.code).toBe(65)
      expect(unwrapOclifError(r.stderr)).toContain(`${join(dir.path, 'pitwall.yaml')}:1:12: error: log_level: must be one of`)
      const json = await runCli(['validate-car', 'cars/bmw_e46_m3.yaml', '--json'], {env: {PITWALL_DATA_DIR: dir.path}})
      expect(json.code).toBe(65)
      expect(JSON.parse(json.stdout)).toMatchObject({error: {code: 'PW_BAD_SETTING', exit: 65}})
    } finally {
      dir.cleanup()
    }
  })

  it('package.json remaps every oclif usage exit to 64', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {oclif: {exitCodes: Record<string, number>}}
    expect(pkg.oclif.exitCodes).toMatchObject({failedFlagParsing: 64, nonExistentFlag: 64, requiredArgs: 64, unexpectedArgs: 64})
  })
})
