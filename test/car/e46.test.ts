import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {type Car, ChannelEvaluator, loadCarFile, openCar, resolveCarRef} from '../../src/lib/car/index.js'
import {InputDataError, UsageError} from '../../src/lib/errors.js'
import {FindingSink} from '../../src/lib/findings.js'
import {loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../../src/lib/formula/index.js'
import {convertUnit} from '../../src/lib/units/index.js'
import {ROOT, SHARED_FIXTURES, tempDir} from '../helpers.js'

const E46 = join(ROOT, 'cars', 'bmw_e46_m3.yaml')

describe('the shipped BMW E46 M3 car', () => {
  let car: Car
  beforeAll(async () => {
    const library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
    const result = await loadCarFile(E46, library)
    expect(result.findings).toEqual([])
    car = result.car!
  })

  it('has every frame and signal of the AiM MXP protocol, at 1 Mbit/s with 11-bit IDs', () => {
    const ids = car.dbc.messages.map((m) => m.id.toString(16))
    expect(ids).toEqual(['420', '421', '422', '423', '424', '450', '451', '452', '453', '454', '455', '456'])
    expect(car.dbc.messages.every((m) => m.sizeBytes === 8 && !m.extended && m.signals.every((s) => s.byteOrder === 'little_endian'))).toBe(true)
    expect(car.dbc.messages.reduce((n, m) => n + m.signals.length, 0)).toBe(45)
    expect(car.bus).toEqual({bitrateBps: 1_000_000, fd: false, idWidth: 11, listenOnly: false})
    const lat = car.dbc.messages.find((m) => m.name === 'AimExtended03')!.signals.find((s) => s.name === 'gps_lat')!
    expect([lat.startBit, lat.length, lat.signed, lat.scale]).toEqual([0, 32, true, 1e-7])
    expect(car.cycleTimesMs.get('SmartyCam02')).toBe(20)
    expect(car.cycleTimesMs.get('AimExtended07')).toBe(1000)
  })

  it('has at least 22 pipelines, the cross-signal channels and the gear method', () => {
    const byKind = (kind: string): string[] => car.channels.filter((c) => c.kind === kind).map((c) => c.name)
    expect(byKind('pipeline').length).toBeGreaterThanOrEqual(22)
    expect(byKind('derived')).toEqual(expect.arrayContaining(['g_combined', 'wheel_speed_mean_ms', 'rear_wheel_speed_ms']))
    expect(byKind('method')).toEqual(['gear'])
    const names = car.channels.map((c) => c.name)
    for (const canonical of ['speed_ms', 'g_lat', 'g_long', 'g_vert', 'throttle_pct', 'brake_bar', 'steering_deg', 'lat', 'lon', 'rpm', 'gear']) {
      expect(names).toContain(canonical)
    }
    expect(new Set(names).size).toBe(names.length)
    // The misleading MXP name is gone; the DME's dead gear signal survives under an honest name.
    expect(names).not.toContain('oil_temp_f')
    expect(names).toContain('oil_filter_temp_c')
    expect(names).toContain('dme_gear_raw')
    // Unpiped signals pass through: the TPMS alarm bitfields.
    expect(car.channels.find((c) => c.name === 'tpms_alarm_fl')?.kind).toBe('signal')
  })

  it('gives every channel its unit through the formulas', () => {
    const unit = (name: string): string | undefined => car.channels.find((c) => c.name === name)?.unit
    expect([unit('speed_ms'), unit('speed_kmh'), unit('water_temp_c'), unit('brake_bar'), unit('fuel_l'), unit('g_vert'), unit('g_combined')]).toEqual([
      'm/s', 'km/h', '°C', 'bar', 'L', 'g', 'g',
    ])
  })

  // Expected values come from unit definitions and the gearbox, not from our formulas.
  it('turns raw physical values into the channels the app reads', () => {
    const evaluator = new ChannelEvaluator(car)
    const rpm = 6000
    const third = ((rpm / (1.669 * 3.62)) / 60) * 1.998 // m/s at the rear wheels in 3rd
    const thirdMph = convertUnit(third, 'm/s', 'mph')
    const out = evaluator.evaluate(
      new Map([
        ['SmartyCam01.rpm', rpm],
        ['SmartyCam01.speed_mph', 60],
        ['SmartyCam01.gear', 0],
        ['SmartyCam01.water_temp_f', 212],
        ['SmartyCam02.oil_temp_f', 230],
        ['SmartyCam03.brake_press_psi', 1450.377_377],
        ['SmartyCam04.yaw_rate_degs', 4.3],
        ['SmartyCam04.lateral_accel_g', 0.3],
        ['SmartyCam04.inline_accel_g', -0.4],
        ['SmartyCam05.vertical_accel_g', -0.99],
        ['SmartyCam05.fuel_level_gal', 10],
        ['AimExtended01.wheel_speed_fl_mph', thirdMph],
        ['AimExtended01.wheel_speed_fr_mph', thirdMph],
        ['AimExtended01.wheel_speed_rl_mph', thirdMph],
        ['AimExtended01.wheel_speed_rr_mph', thirdMph],
        ['AimExtended07.tpms_alarm_fl', 0x21],
        ['AimExtended07.tpms_alarm_fr', 0x10],
      ]),
    )
    expect(out.get('rpm')).toBe(6000)
    expect(out.get('speed_ms')).toBeCloseTo(26.8224, 9)
    expect(out.get('speed_kmh')).toBeCloseTo(96.560_64, 9)
    expect(out.get('water_temp_c')).toBeCloseTo(100, 9)
    expect(out.get('oil_filter_temp_c')).toBeCloseTo(110, 9)
    expect(out.get('brake_bar')).toBeCloseTo(100, 5)
    expect(out.get('yaw_rate_degs')).toBeCloseTo(0, 12)
    expect(out.get('g_vert')).toBeCloseTo(0.99, 12)
    expect(out.get('g_combined')).toBeCloseTo(0.5, 12)
    expect(out.get('fuel_l')).toBeCloseTo(37.854_117_84, 9)
    expect(out.get('dme_gear_raw')).toBe(0)
    expect(out.get('gear')).toBe(3)
    expect(out.get('tpms_leak_fl')).toBe(1)
    expect(out.get('tpms_leak_fr')).toBe(0)
    expect(out.get('tpms_alarm_fl')).toBe(0x21)
  })

  it('has no gear below 5 km/h: null, never 0', () => {
    const evaluator = new ChannelEvaluator(car)
    const slow = convertUnit(4, 'km/h', 'mph')
    const out = evaluator.evaluate(
      new Map([
        ['SmartyCam01.rpm', 1200],
        ['AimExtended01.wheel_speed_rl_mph', slow],
        ['AimExtended01.wheel_speed_rr_mph', slow],
      ]),
    )
    expect(out.has('gear')).toBe(true)
    expect(out.get('gear')).toBeNull()
  })

  it('references its published JSON Schema', () => {
    expect(readFileSync(E46, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./car.schema.json')
    expect(existsSync(join(ROOT, 'cars', 'car.schema.json'))).toBe(true)
  })
})

describe('--car: an id, a car YAML path, or a bare DBC', () => {
  it('resolves ids in the data dir first, then the shipped cars', () => {
    const dir = tempDir()
    try {
      expect(resolveCarRef('bmw_e46_m3', dir.path)).toEqual({kind: 'yaml', path: E46})
      expect(resolveCarRef('cars/bmw_e46_m3.yaml', dir.path, ROOT)).toEqual({kind: 'yaml', path: E46})
      expect(resolveCarRef('x/abs.dbc', dir.path, '/w')).toEqual({kind: 'dbc', path: '/w/x/abs.dbc'})
      expect(() => resolveCarRef('no_such_car', dir.path)).toThrow(UsageError)
      expect(() => resolveCarRef('no_such_car', dir.path)).toThrow(/unknown car "no_such_car"/)
    } finally {
      dir.cleanup()
    }
  })

  it('a bare DBC passes every signal through and stays listen-only with no bitrate', async () => {
    const car = await openCar(join(SHARED_FIXTURES, 'cantools', 'dbc', 'abs.dbc'), {dataDir: '/nonexistent'})
    const signals = car.dbc.messages.reduce((n, m) => n + m.signals.length, 0)
    expect(car.channels.length).toBe(signals)
    expect(car.channels.every((c) => c.kind === 'signal')).toBe(true)
    expect(car.bus.listenOnly).toBe(true)
    expect(car.bus.bitrateBps).toBeUndefined()
  })

  it('a car with errors is refused with its findings and a hint (exit 65)', async () => {
    const bad = join(ROOT, 'test', 'fixtures', 'broken', 'cars', 'unknown_formula_1.yaml')
    const error = (await openCar(bad, {dataDir: '/nonexistent'}).catch((e: unknown) => e)) as InputDataError
    expect(error).toBeInstanceOf(InputDataError)
    expect(error.exit).toBe(65)
    expect(error.code).toBe('PW_CAR_INVALID')
    expect(error.message).toContain('unknown_formula_1.yaml:7:40: error: unknown formula "degf_to_kelvin"')
    expect(error.suggestions[0]).toMatch(/^run: pitwall validate-car /)
  })
})

describe('car-local formulas cannot escape', () => {
  it('reports the escape attempts and leaves every canary untouched', async () => {
    const before = process.exitCode
    const library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
    const result = await loadCarFile(join(ROOT, 'test', 'fixtures', 'broken', 'cars', 'expression_escape_1.yaml'), library)
    expect(result.car).toBeUndefined()
    expect(result.findings.map((f) => `${f.line}:${f.column} ${f.rule}`)).toEqual(['16:11 expression-not-allowed', '23:11 unknown-identifier', '30:28 expression-not-allowed'])
    expect((globalThis as Record<string, unknown>)['__pwned']).toBeUndefined()
    expect(existsSync('/tmp/pitwall-pwned')).toBe(false)
    expect(process.exitCode).toBe(before)
  })
})
