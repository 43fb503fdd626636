import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {loadCarFile} from '../../src/lib/car/index.js'
import {coachConfig, DEFAULT_LIMITS, THRESHOLD_DEFAULTS} from '../../src/lib/coach/index.js'
import {FindingSink, formatFinding} from '../../src/lib/findings.js'
import {loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../../src/lib/formula/index.js'
import type {FormulaLibrary} from '../../src/lib/formula/model.js'
import {ROOT, tempDir} from '../helpers.js'
import {e46} from './helpers.js'

let library: FormulaLibrary
const E46_YAML = readFileSync(join(ROOT, 'cars', 'bmw_e46_m3.yaml'), 'utf8')

beforeAll(async () => {
  library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
}, 60_000)

/** The E46 file with its coaching section replaced, in a temp dir (the DBC by absolute path). */
async function withCoaching(section: string): Promise<string[]> {
  const dir = tempDir()
  try {
    const text = E46_YAML.replace('dbc: bmw_e46_m3.dbc', `dbc: ${join(ROOT, 'cars', 'bmw_e46_m3.dbc')}`).replace(/^coaching:\n(?: .*\n|\n)*?(?=#)/m, `${section}\n\n`)
    const file = join(dir.path, 'bmw_e46_m3.yaml')
    writeFileSync(file, text)
    const result = await loadCarFile(file, library)
    return result.findings.map((f) => formatFinding(f).replace(`${dir.path}/`, ''))
  } finally {
    dir.cleanup()
  }
}

describe('the coaching section of a car file', () => {
  it('the E46 states its rev figures and limits; thresholds keep their defaults; the gear table comes from its gear method', async () => {
    const config = coachConfig(await e46())
    expect(config).toMatchObject({
      gearRatios: [4.227, 2.528, 1.669, 1.226, 1.0, 0.828],
      revLimitRpm: 8000,
      shiftRpm: 7900,
      shortShiftRpm: 7100,
      thresholds: THRESHOLD_DEFAULTS,
      vehicle: {cgHeightM: 0.48, massKg: 1650, trackM: 1.5, wheelbaseM: 2.73},
    })
    expect(config.limits).toEqual([
      {channel: 'water_temp_c', label: 'water temp', max: 105},
      {channel: 'engine_oil_temp_c', label: 'oil temp', max: 130},
      {channel: 'oil_press_bar', label: 'oil pressure', minAtRpm: [[1000, 0.8], [4000, 2], [7000, 3]]},
      {channel: 'battery_v', label: 'battery', min: 12.5},
      {channel: 'fuel_l', label: 'fuel', min: 5},
    ])
    expect(coachConfig(await e46(), {thresholds: {coast_s: 2}}).thresholds.coast_s).toBe(2)
  })

  it('without the section: default thresholds, default limits on the channels the car has, no rev rules', async () => {
    const {coaching: _dropped, ...car} = await e46()
    const config = coachConfig(car)
    expect(config.revLimitRpm).toBeUndefined()
    expect(config.shortShiftRpm).toBeUndefined()
    expect(config.limits.map((l) => l.channel)).toEqual(DEFAULT_LIMITS.map(([c]) => c))
    expect(config.vehicle).toEqual({cgHeightM: 0.5, massKg: 1400, trackM: 1.5, wheelbaseM: 2.6})
  })

  it('a clean section loads without findings', async () => {
    expect(await withCoaching('coaching:\n  rev_limit_rpm: 7000\n  thresholds: {coast_s: 1.5}')).toEqual([])
  })

  it('errors name file:line:column: unknown channel, rpm table out of order, rev figures out of order, unknown threshold', async () => {
    const findings = await withCoaching(
      [
        'coaching:',
        '  rev_limit_rpm: 7000',
        '  shift_rpm: 7200',
        '  short_shift_rpm: 7500',
        '  thresholds: {coasting_s: 1}',
        '  limits:',
        '    coolant_c: {max: 100}',
        '    oil_press_bar: {min_at_rpm: [[4000, 2], [1000, 1]]}',
      ].join('\n'),
    )
    expect(findings.join('\n')).toMatch(/bmw_e46_m3\.yaml:\d+:\d+: error: .*coasting_s/)
    expect(findings).toContainEqual(expect.stringMatching(/^bmw_e46_m3\.yaml:\d+:5: error: coaching limit on "coolant_c", which is not a channel of this car \[unknown-channel\]$/))
    expect(findings).toContainEqual(expect.stringMatching(/^bmw_e46_m3\.yaml:\d+:\d+: error: coaching\.limits\.oil_press_bar\.min_at_rpm: rpm must rise from point to point \[rpm-table-order\]$/))
    expect(findings).toContainEqual(expect.stringMatching(/error: coaching\.shift_rpm 7200 is above rev_limit_rpm 7000 \[rev-order\]$/))
    expect(findings).toContainEqual(expect.stringMatching(/error: coaching\.short_shift_rpm 7500 must be below shift_rpm 7200 \[rev-order\]$/))
  })
})
