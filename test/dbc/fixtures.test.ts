import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'

import {describe, expect, it} from 'vitest'

import {FindingSink} from '../../src/lib/findings.js'
import {type DbcDatabase, type DbcSignal, lintDbc, parseDbc, signalBits} from '../../src/lib/dbc/index.js'
import {message, signal} from './helpers.js'

const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures')

type Outcome = 'clean' | {warnings: string[]} | {refused: string[]; warnings?: string[]}

interface Case {
  readonly outcome: Outcome
  readonly messages: number
  /** Spot values, read off the DBC text by hand. */
  readonly check: (db: DbcDatabase) => void
}

/** Every .dbc under ../shared/fixtures, with what parse + lint must say about it. */
const CASES: Record<string, Case> = {
  'cantools/dbc/abs.dbc': {
    // "ASCII" is not a unit ("cm3" is the registry's mL); AY1_ABS_int copies a range its scale cannot reach.
    outcome: {warnings: ['unknown-unit', 'unreachable-range']},
    messages: 18,
    check: (db) => {
      expect(message(db, 'BREMSE_33')).toMatchObject({id: 835, extended: false, sizeBytes: 8, fd: false, cycleTimeMs: 10})
      expect(signal(db, 'BREMSE_33', 'whlspeed_FL')).toMatchObject({startBit: 0, length: 16, byteOrder: 'little_endian', scale: 0.015625, offset: 0, unit: 'm/s'})
      expect(signal(db, 'MM5_10_TX1', 'Yaw_Rate').unit).toBe('°/s') // cp1252 byte 0xB0
      expect(signal(db, 'BREMSE_53', 'Diag_FL').choices?.get(1n)).toBe('Line error')
      expect(signal(db, 'BREMSE_52', 'SW_version_High_upper')).toMatchObject({multiplexerSwitch: 'Mplx_SW_Info', multiplexerValues: [1]})
      expect(signal(db, 'BREMSE_32', 'WheelQuality_FL').comment).toMatch(/^Bit matrix\r?\nBit0 \( 1\)/)
      expect(db.comment).toBe('Version 2.0')
    },
  },
  'cantools/dbc/choices.dbc': {
    outcome: 'clean',
    messages: 1,
    check: (db) => {
      const foo = signal(db, 'Foo', 'Foo')
      expect(foo).toMatchObject({startBit: 0, length: 8, signed: true, min: -128, max: 127})
      expect(foo.choices?.get(-5n)).toBe('A negative value')
      expect(foo.choices?.get(1n)).toBe("#%=*ä'") // cp1252 0xE4
      expect(db.valueTables.get('Bar')?.size).toBe(8)
    },
  },
  'cantools/dbc/cp1252.dbc': {
    outcome: 'clean',
    messages: 0,
    check: (db) => {
      expect(db.nodes).toEqual(['Node1'])
      expect(db.text).toContain('{|}~\u007f€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u00a0¡¢£')
      expect(db.text).toContain('ýþÿ";')
    },
  },
  'cantools/dbc/fd_test.dbc': {
    outcome: 'clean',
    messages: 4,
    check: (db) => {
      expect(message(db, 'TestMsg_Ex')).toMatchObject({id: 3, extended: true, fd: false})
      expect(message(db, 'TestMsg_Std')).toMatchObject({id: 2, extended: false, fd: false})
      expect(message(db, 'TestMsg_FDStd')).toMatchObject({id: 1, extended: false, fd: true})
      expect(message(db, 'TestMsg_FDEx')).toMatchObject({id: 0, extended: true, fd: true})
      expect(message(db, 'TestMsg_FDEx').attributes.get('VFrameFormat')).toBe('ExtendedCAN_FD')
    },
  },
  'cantools/dbc/floating_point.dbc': {
    outcome: 'clean',
    messages: 2,
    check: (db) => {
      expect(signal(db, 'Message1', 'Signal1')).toMatchObject({length: 64, valueType: 'float64'})
      expect(signal(db, 'Message2', 'Signal2')).toMatchObject({startBit: 32, length: 32, valueType: 'float32'})
      expect(db.nodes).toEqual(['TestNode'])
    },
  },
  'cantools/dbc/foobar.dbc': {
    outcome: 'clean', // its "degK" is the registry's K
    messages: 5,
    check: (db) => {
      expect(db.version).toBe('2.0')
      expect(message(db, 'Foo')).toMatchObject({id: 0x12330, extended: true, sizeBytes: 8, fd: false, cycleTimeMs: 100, comment: 'Foo.'})
      expect(message(db, 'Fum')).toMatchObject({sizeBytes: 5, cycleTimeMs: 1})
      expect(message(db, 'CanFd')).toMatchObject({id: 0x12333, extended: true, sizeBytes: 64, fd: true})
      expect(message(db, 'Bar').transmitters).toEqual(['FOO', 'BAR'])
      expect(message(db, 'FOOBAR')).toMatchObject({id: 780, extended: false})
      expect(signal(db, 'Foo', 'Bar')).toMatchObject({startBit: 24, length: 32, byteOrder: 'big_endian', valueType: 'float32', scale: 0.1, comment: 'Bar.'})
      expect(signal(db, 'Fum', 'Fam').choices?.get(1n)).toBe('Enabled')
      expect(db.attributes.get('Baudrate')).toBe(125000)
      expect(db.attributes.get('BusType')).toBe('CAN FD')
    },
  },
  'cantools/dbc/issue_184_extended_mux_cascaded.dbc': {
    outcome: 'clean',
    messages: 1,
    check: (db) => {
      expect(signal(db, 'ext_MUX_cascaded', 'muxed_A_2_MUX_B')).toMatchObject({isMultiplexer: true, multiplexerSwitch: 'MUX_A', multiplexerValues: [2]})
      expect(signal(db, 'ext_MUX_cascaded', 'muxed_B_1')).toMatchObject({multiplexerSwitch: 'muxed_A_2_MUX_B', multiplexerValues: [1]})
    },
  },
  'cantools/dbc/issue_184_extended_mux_independent_multiplexors.dbc': {
    outcome: 'clean',
    messages: 1,
    check: (db) => {
      expect(signal(db, 'ext_MUX_indep_multiplexors', 'muxed_B_2')).toMatchObject({multiplexerSwitch: 'MUX_B', multiplexerValues: [2]})
      expect(signal(db, 'ext_MUX_indep_multiplexors', 'MUX_B').isMultiplexer).toBe(true)
    },
  },
  'cantools/dbc/issue_184_extended_mux_multiple_values.dbc': {
    outcome: 'clean',
    messages: 1,
    check: (db) => {
      expect(signal(db, 'ext_MUX_multiple_values', 'muxed_0_3_4_5').multiplexerValues).toEqual([0, 3, 4, 5])
    },
  },
  'cantools/dbc/issue_636_negative_scaling.dbc': {
    outcome: 'clean', // its "degK" is the registry's K
    messages: 1,
    check: (db) => {
      expect(signal(db, 'ExampleMessage', 'Temperature')).toMatchObject({startBit: 3, length: 12, byteOrder: 'big_endian', scale: -0.01, offset: 4100, initialRaw: 4094})
      expect(signal(db, 'ExampleMessage', 'Temperature').choices?.get(4095n)).toBe('Error')
    },
  },
  'cantools/dbc/j1939.dbc': {
    outcome: 'clean',
    messages: 2,
    check: (db) => {
      expect(message(db, 'Message1')).toMatchObject({id: 0x15340201, extended: true})
      expect(message(db, 'Message1').attributes.get('VFrameFormat')).toBe('J1939PG')
      expect(signal(db, 'Message1', 'Signal1').attributes.get('SPN')).toBe(500)
    },
  },
  'cantools/dbc/motohawk.dbc': {
    outcome: 'clean', // its "degK" is the registry's K
    messages: 1,
    check: (db) => {
      expect(message(db, 'ExampleMessage')).toMatchObject({id: 496, extended: false, sizeBytes: 8, sender: 'PCM1'})
      expect(signal(db, 'ExampleMessage', 'Temperature')).toMatchObject({startBit: 0, length: 12, byteOrder: 'big_endian', signed: true, scale: 0.01, offset: 250, receivers: ['PCM1', 'FOO']})
      expect(signal(db, 'ExampleMessage', 'Enable').choices?.get(1n)).toBe('Enabled')
    },
  },
  'cantools/dbc/motohawk_fd.dbc': {
    outcome: 'clean', // its "degK" is the registry's K
    messages: 1,
    check: (db) => {
      expect(message(db, 'ExampleMessage')).toMatchObject({id: 496, extended: true, sizeBytes: 8, fd: true})
    },
  },
  'cantools/dbc/msxii_system_can.dbc': {
    outcome: 'clean',
    messages: 1,
    check: (db) => {
      const m = message(db, 'BATTERY_VT')
      expect(m).toMatchObject({id: 1025, sizeBytes: 6})
      expect(m.signals).toHaveLength(73)
      expect(signal(db, 'BATTERY_VT', 'MODULE_TEMP_35')).toMatchObject({startBit: 32, length: 16, multiplexerSwitch: 'BATTERY_VT_INDEX', multiplexerValues: [35]})
    },
  },
  'cantools/dbc/multiplex.dbc': {
    outcome: 'clean',
    messages: 1,
    check: (db) => {
      expect(message(db, 'Message1')).toMatchObject({id: 0x123456, extended: true})
      expect(signal(db, 'Message1', 'BIT_L').multiplexerValues).toEqual([8, 16, 24])
      expect(signal(db, 'Message1', 'BIT_K').multiplexerValues).toEqual([24])
      expect(signal(db, 'Message1', 'Multiplexor').comment).toBe('Defines data content for response messages.')
    },
  },
  'cantools/dbc/multiplex_2.dbc': {
    outcome: 'clean',
    messages: 4,
    check: (db) => {
      expect(signal(db, 'Shared', 'S2').multiplexerValues).toEqual([2, 3, 4, 5])
      expect(signal(db, 'Extended', 'S1')).toMatchObject({isMultiplexer: true, multiplexerSwitch: 'S0', multiplexerValues: [0]})
      expect(signal(db, 'Extended', 'S8')).toMatchObject({multiplexerSwitch: 'S6', multiplexerValues: [2]})
      expect(signal(db, 'ExtendedTypes', 'S11')).toMatchObject({isMultiplexer: true, initialRaw: 2, min: 2, max: 6})
      expect(signal(db, 'ExtendedTypes', 'S10')).toMatchObject({valueType: 'float32', min: -3.4e38})
    },
  },
  'cantools/dbc/multiplex_choices.dbc': {
    outcome: 'clean',
    messages: 3,
    check: (db) => {
      expect(signal(db, 'Message2', 'Multiplexor').choices?.get(4n)).toBe('MULTIPLEXOR_4_NO_SIGNALS')
      expect(signal(db, 'Message1', 'BIT_L').choices?.get(1n)).toBe('On')
    },
  },
  'cantools/dbc/padding_bit_order.dbc': {
    outcome: 'clean',
    messages: 5,
    check: (db) => {
      expect(signal(db, 'MSG0', 'A')).toMatchObject({startBit: 6, length: 15, byteOrder: 'big_endian', signed: false})
      expect(signal(db, 'MSG3', 'L')).toMatchObject({startBit: 7, length: 64, max: 18446744073709551615})
    },
  },
  'cantools/dbc/signed.dbc': {
    outcome: 'clean',
    messages: 11,
    check: (db) => {
      expect(signal(db, 'Message378910', 's10big')).toMatchObject({startBit: 40, length: 10, byteOrder: 'big_endian', signed: true})
      expect(signal(db, 'Message33', 's33')).toMatchObject({min: -4294967296, max: 4294967295})
    },
  },
  'cantools/dbc/socialledge.dbc': {
    // MOTOR_CMD_steer: 4 signed bits with offset -5 reach -13..2, declared [-5|5].
    outcome: {warnings: ['unreachable-range']},
    messages: 5,
    check: (db) => {
      expect(db.nodes).toEqual(['DBG', 'DRIVER', 'IO', 'MOTOR', 'SENSOR'])
      expect(message(db, 'DRIVER_HEARTBEAT')).toMatchObject({id: 100, sizeBytes: 1, cycleTimeMs: 1000, comment: 'Sync message used to synchronize the controllers'})
      expect(signal(db, 'SENSOR_SONARS', 'SENSOR_SONARS_no_filt_rear')).toMatchObject({startBit: 52, length: 12, scale: 0.1, multiplexerValues: [1], receivers: ['DBG']})
      expect(signal(db, 'IO_DEBUG', 'IO_DEBUG_test_enum').attributes.get('FieldType')).toBe('IO_DEBUG_test_enum')
    },
  },
  'cantools/dbc/val_table.dbc': {
    outcome: 'clean',
    messages: 1,
    check: (db) => {
      expect(db.valueTables.get('Table2')?.size).toBe(0)
      expect(db.valueTables.get('Table3')?.get(16n)).toBe('16')
      expect(signal(db, 'Message1', 'Signal1').choices?.get(1n)).toBe('One')
    },
  },
  'cantools/dbc/vehicle.dbc': {
    // RT ranges like [-65|65] g on 16-bit × 0.001 fields (±32.768) are out of reach.
    outcome: {warnings: ['unreachable-range']},
    messages: 217,
    check: (db) => {
      expect(db.messages.every((m) => m.extended)).toBe(true)
      expect(message(db, 'RT_SB_INS_Vel_Body_Axes')).toMatchObject({id: 0x9588322, sizeBytes: 8})
      expect(message(db, 'RT_SB_INS_Vel_Body_Axes').cycleTimeMs).toBeUndefined()
      expect(signal(db, 'RT_SB_INS_Vel_Body_Axes', 'INS_Vel_Forwards_2D')).toMatchObject({startBit: 16, length: 24, signed: true, scale: 0.0001, unit: 'm/s'})
      expect(signal(db, 'RT_IMU06_Accel', 'Accel_Lateral').initialRaw).toBe(-30000)
      expect(signal(db, 'RT_SB_GPS_Status', 'GPS_Status').choices?.get(12n)).toBe('Lock: Carrier speed and position')
    },
  },
  'opendbc/bmw_e9x_e8x.dbc': {
    // Flags declared [0|3] on 1-bit fields and the like; "kph/mph" is not a unit.
    outcome: {warnings: ['unreachable-range', 'unknown-unit']},
    messages: 326,
    check: (db) => {
      expect(message(db, 'AccPedal')).toMatchObject({id: 170, extended: false, sizeBytes: 8, sender: 'DME'})
      expect(signal(db, 'AccPedal', 'EngineSpeed')).toMatchObject({startBit: 32, length: 16, byteOrder: 'little_endian', scale: 0.25, unit: 'rpm'})
      expect(signal(db, 'AccPedal', 'KickDownPressed')).toMatchObject({startBit: 53, length: 1, byteOrder: 'big_endian'})
      expect(signal(db, 'EngineData', 'ST_ENG_RUN').choices?.get(2n)).toBe('engine running')
    },
  },
  'opendbc/ford_lincoln_base_pt.dbc': {
    // 807 KB, loaded clean by cantools' strict mode; "unitless", "watts", "SED" and the like are not units.
    outcome: {warnings: ['unknown-unit']},
    messages: 331,
    check: (db) => {
      expect(message(db, 'DTE_HPCMtoECG')).toMatchObject({id: 823, extended: false, sizeBytes: 8})
      expect(signal(db, 'DTE_HPCMtoECG', 'DteVeh_Pw_Actl')).toMatchObject({startBit: 31, length: 8, byteOrder: 'big_endian', signed: false, scale: 50, offset: 0, max: 12750, unit: 'watts'})
      expect(message(db, 'TesterPhysicalReqVDM_FD1')).toMatchObject({id: 1825, sizeBytes: 64, sender: 'GWM'})
      expect(signal(db, 'TesterPhysicalReqVDM_FD1', 'TesterPhysicalReqVDM')).toMatchObject({startBit: 7, length: 64, byteOrder: 'big_endian'})
      expect(message(db, 'SelectDriveModeData')).toMatchObject({id: 1056, sizeBytes: 8, sender: 'ABS_ESC', cycleTimeMs: 1000})
      expect(message(db, 'SelectDriveModeData')).toMatchObject({fd: true}) // VFrameFormat 14, the enum's 15th label
      expect(message(db, 'SelectDriveModeData').attributes.get('VFrameFormat')).toBe('StandardCAN_FD')
      expect(signal(db, 'SelectDriveModeData', 'AutoEpbMsgTxt_D_Rq').choices?.get(0n)).toBe('NoMessage')
      expect(db.nodes).toContain('SOBDMC_HPCM_FD1')
    },
  },
  'road-capture/sample_can_spec.dbc': {
    // "m/s/s" is the registry's m/s²; REVERSE/EBRAKE [0|255] on 1 bit, FUEL and BOOST ranges out of reach.
    outcome: {warnings: ['unreachable-range']},
    messages: 8,
    check: (db) => {
      expect(db.version).toBe('Sample')
      expect(signal(db, 'ID_D0', 'GYRO_YAW')).toMatchObject({startBit: 16, length: 9, signed: true, scale: 0.005})
      expect(signal(db, 'ID_D1', 'SPEED')).toMatchObject({scale: 0.0155168902, offset: 0, unit: 'm/s'})
      expect(message(db, 'ID_154')).toMatchObject({id: 340, sizeBytes: 7})
      expect(signal(db, 'ID_360', 'COOLANT_TEMP')).toMatchObject({startBit: 24, length: 8, offset: -40, unit: 'C'})
    },
  },
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : f.endsWith('.dbc') ? [path.relative(FIXTURES, p)] : []
  })
}

const loaded = new Map<string, {db: DbcDatabase; sink: FindingSink}>()
function load(rel: string): {db: DbcDatabase; sink: FindingSink} {
  if (!loaded.has(rel)) {
    const sink = new FindingSink(rel)
    const db = parseDbc(readFileSync(path.join(FIXTURES, rel)), rel, sink)
    lintDbc(db, sink)
    loaded.set(rel, {db, sink})
  }
  return loaded.get(rel)!
}

const rules = (sink: FindingSink, severity: 'error' | 'warning'): string[] => [...new Set(sink.findings.filter((f) => f.severity === severity).map((f) => f.rule))].sort()

describe('every DBC fixture: outcome and spot values', () => {
  it('the table lists every .dbc file under the fixtures folder', () => {
    expect(Object.keys(CASES).sort()).toEqual(walk(FIXTURES).sort())
  })

  it.each(Object.entries(CASES))('%s', (rel, c) => {
    const {db, sink} = load(rel)
    const o = c.outcome
    const detail = sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}: ${f.message}`).join('\n')
    expect(rules(sink, 'error'), detail).toEqual(o === 'clean' || 'warnings' in o && !('refused' in o) ? [] : [...o.refused].sort())
    expect(rules(sink, 'warning'), detail).toEqual(o === 'clean' ? [] : [...(o.warnings ?? [])].sort())
    expect(db.messages).toHaveLength(c.messages)
    c.check(db)
  })
})

interface ExpectedFrame {
  id: string
  dbc: string
  message?: string
  frame_id: number | null
  data_hex: string
  expected?: Record<string, number | string>
  expected_labels?: Record<string, string>
  expected_error?: string
}

/** Test-only decoder on top of signalBits: enough to hold the layout against cantools' own values. */
function decodeRaw(s: DbcSignal, data: Buffer): bigint {
  let raw = 0n
  signalBits(s).forEach((bit, k) => {
    if ((data[bit >> 3]! >> (bit & 7)) & 1) raw |= 1n << BigInt(k)
  })
  if (s.valueType === 'integer' && s.signed && raw >> BigInt(s.length - 1) === 1n) raw -= 1n << BigInt(s.length)
  return raw
}

function physical(s: DbcSignal, raw: bigint): number {
  const view = new DataView(new ArrayBuffer(8))
  if (s.valueType === 'float32') view.setUint32(0, Number(raw))
  if (s.valueType === 'float64') view.setBigUint64(0, raw)
  const value = s.valueType === 'float32' ? view.getFloat32(0) : s.valueType === 'float64' ? view.getFloat64(0) : Number(raw)
  return value * s.scale + s.offset
}

describe('cantools expected.json against our layouts', () => {
  const frames = (JSON.parse(readFileSync(path.join(FIXTURES, 'cantools/expected.json'), 'utf8')) as {frames: ExpectedFrame[]}).frames

  it.each(frames.filter((f) => f.message).map((f) => [f.id, f]))('%s', (_id, f) => {
    const {db} = load(`cantools/${f.dbc}`)
    const m = message(db, f.message!)
    if (f.frame_id !== null) expect(m.id).toBe(f.frame_id)
    const data = Buffer.from(f.data_hex, 'hex')
    for (const [key, want] of Object.entries(f.expected ?? {})) {
      const s = signal(db, f.message!, key.replace(/^_raw:/, ''))
      const raw = decodeRaw(s, data)
      if (typeof want === 'string') expect(raw, key).toBe(BigInt(want))
      else if (key.startsWith('_raw:')) expect(Number(raw), key).toBe(want)
      else expect(Math.abs(physical(s, raw) - want), key).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)))
    }
    for (const [key, label] of Object.entries(f.expected_labels ?? {})) {
      const s = signal(db, f.message!, key)
      expect(s.choices?.get(decodeRaw(s, data)), key).toBe(label)
    }
  })
})
