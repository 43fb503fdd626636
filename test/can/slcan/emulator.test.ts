import {describe, expect, it} from 'vitest'

import type {Frame} from '../../../src/lib/can/frame.js'
import {asciiText} from '../../../src/lib/can/slcan/ascii.js'
import {DEFAULT_VERSION_REPLIES, SlcanAdapterEmulator} from '../../../src/lib/can/slcan/emulator.js'
import {bytes} from './helpers.js'

/** Sends each command (with its `\r`) and returns each reply as text. */
function talk(emulator: SlcanAdapterEmulator, ...commands: string[]): string[] {
  return commands.map((command) => asciiText(emulator.receive(bytes(`${command}\r`))))
}

describe('SlcanAdapterEmulator: canable-stock (normaldotcom canable-fw / canable2-fw)', () => {
  it('answers nothing to commands or transmits; V with "<git version> <git remote>\\r"; E without \\r', () => {
    const adapter = new SlcanAdapterEmulator('canable-stock')
    expect(talk(adapter, 'C', 'S8', 'M0', 'O', 't1230', 'L', 'F', 'Z1', 'x', 'V', 'v')).toEqual([
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      `${DEFAULT_VERSION_REPLIES['canable-stock']}\r`,
      `${DEFAULT_VERSION_REPLIES['canable-stock']}\r`,
    ])
    adapter.setErrorRegister(0x1c)
    expect(talk(adapter, 'E')).toEqual(['CANable Error Register: 1C'])
  })

  it('ignores S and M while open (can_set_bitrate / can_set_silent return early), keeps silent mode across C', () => {
    const adapter = new SlcanAdapterEmulator('canable-stock')
    talk(adapter, 'S6', 'M1', 'O', 'S7', 'M0')
    expect([adapter.bitrateBps, adapter.listenOnly]).toEqual([500_000, true])
    talk(adapter, 'C', 'O')
    expect(adapter.listenOnly).toBe(true) // M1 survived the C: why a normal open sends M0
    talk(adapter, 'C', 'S7', 'M0', 'O')
    expect([adapter.bitrateBps, adapter.listenOnly]).toEqual([750_000, false])
  })

  it('L is an unknown command: the adapter stays closed', () => {
    const adapter = new SlcanAdapterEmulator('canable-stock')
    talk(adapter, 'C', 'S8', 'L')
    expect(adapter.open).toBe(false)
  })

  it('answers \\r / BEL like canable2-fw since b0ce665 when asked to', () => {
    const adapter = new SlcanAdapterEmulator('canable-stock', {stockAcks: true})
    expect(talk(adapter, 'C', 'S8', 'SF', 'O', 't1230', 'x')).toEqual(['\r', '\r', '\x07', '\r', '\r', '\x07'])
  })

  it('puts transmits on the bus only when open and not silent', () => {
    const sent: Frame[] = []
    const adapter = new SlcanAdapterEmulator('canable-stock', {onTransmit: (frame) => sent.push(frame)})
    talk(adapter, 't1230', 'M1', 'O', 't1241AA', 'C', 'M0', 'O', 't1251BB', 'T000004562CCDD')
    expect(sent.map((f) => [f.id, f.extended, Buffer.from(f.data).toString('hex')])).toEqual([
      [0x125, false, 'bb'],
      [0x456, true, 'ccdd'],
    ])
    expect(adapter.transmitted).toBe(2)
  })
})

describe('SlcanAdapterEmulator: lawicel (CAN232, Nakakiyo092, slcanpty)', () => {
  it('\\r for OK, BEL for errors (C while closed, S while open, unknown commands), z/Z after transmits', () => {
    const adapter = new SlcanAdapterEmulator('lawicel')
    expect(talk(adapter, 'C', 'S8', 'Z1', 'O', 'S6', 'Z0', 'O', 't1230', 'T000001230', 'r1230', 'x', 'C')).toEqual([
      '\x07',
      '\r',
      '\r',
      '\r',
      '\x07',
      '\x07',
      '\x07',
      'z\r',
      'Z\r',
      'z\r',
      '\x07',
      '\r',
    ])
  })

  it('L opens listen-only: transmits are refused with BEL and never reach the bus', () => {
    const sent: Frame[] = []
    const adapter = new SlcanAdapterEmulator('lawicel', {onTransmit: (frame) => sent.push(frame)})
    expect(talk(adapter, 'S8', 'L', 't1230')).toEqual(['\r', '\r', '\x07'])
    expect([adapter.open, adapter.listenOnly, sent.length]).toEqual([true, true, 0])
  })

  it('F answers Fxx\\r while open and clears the flags; V and N replies', () => {
    const adapter = new SlcanAdapterEmulator('lawicel', {serial: 'B7C1', versionReply: 'VL2K1'})
    expect(talk(adapter, 'F', 'V', 'N')).toEqual(['\x07', 'VL2K1\r', 'NB7C1\r'])
    talk(adapter, 'S6', 'O')
    adapter.raiseStatus(0x24)
    adapter.raiseStatus(0x80)
    expect(talk(adapter, 'F', 'F')).toEqual(['FA4\r', 'F00\r'])
  })

  it('emits frames with a Z1 stamp wrapping at 60000, only while open', () => {
    const adapter = new SlcanAdapterEmulator('lawicel')
    expect(adapter.emitFrame({data: [1], id: 0x123}, 5)).toHaveLength(0)
    talk(adapter, 'S8', 'Z1', 'O')
    expect(asciiText(adapter.emitFrame({data: [0xab, 0xcd], id: 0x420}, 59_999.7))).toBe('t4202ABCDEA5F\r')
    expect(asciiText(adapter.emitFrame({data: [], id: 0x420}, 60_001))).toBe('t42000001\r')
    expect(asciiText(adapter.emitFrame({id: 0x420}))).toBe('t42000001\r')
    talk(adapter, 'C', 'Z2', 'O')
    expect(asciiText(adapter.emitFrame({id: 0x420}, 3_600_000.015))).toBe('t4200' + '0000000F\r')
  })
})

describe('SlcanAdapterEmulator: canable-2.5 (Elmue)', () => {
  it('C answers nothing and resets every mode; O needs a bitrate; Z is not implemented', () => {
    const adapter = new SlcanAdapterEmulator('canable-2.5')
    expect(talk(adapter, 'C', 'O', 'Z1', 'S8', 'O', 'S6', 't1230')).toEqual(['', '\x07', '\x07', '\r', '\r', '\x07', '\r'])
    expect(adapter.open).toBe(true)
    talk(adapter, 'C')
    expect([adapter.open, adapter.bitrateBps]).toEqual([false, undefined])
  })

  it('L is a bus-load report, not listen-only; OS is listen-only', () => {
    const sent: Frame[] = []
    const adapter = new SlcanAdapterEmulator('canable-2.5', {onTransmit: (frame) => sent.push(frame)})
    expect(talk(adapter, 'S8', 'L', 'L7')).toEqual(['\r', '\x07', '\r'])
    expect([adapter.open, adapter.listenOnly, adapter.settings().busLoadIntervalMs]).toEqual([false, false, 700])
    expect(talk(adapter, 'OS', 't1230')).toEqual(['\r', '\x07'])
    expect([adapter.open, adapter.listenOnly, sent.length]).toEqual([true, true, 0])
  })

  it('F sets a filter (why the host never sends it); M1 then O is silent too', () => {
    const adapter = new SlcanAdapterEmulator('canable-2.5')
    expect(talk(adapter, 'F', 'F7E8,7FF')).toEqual(['\r', '\r'])
    expect(adapter.settings().filters).toEqual(['', '7E8,7FF'])
    talk(adapter, 'S6', 'M1', 'O')
    expect(adapter.listenOnly).toBe(true)
  })

  it('V answers one +Board line of tab-separated pairs; MF switches to #-feedback', () => {
    const adapter = new SlcanAdapterEmulator('canable-2.5')
    expect(talk(adapter, 'V')[0]!.split('\t').map((pair) => pair.split(':')[0])).toEqual(['+Board', 'MCU', 'DevID', 'Firmware', 'Slcan', 'Clock', 'Limits'])
    expect(talk(adapter, 'MF', 'O', 'S8', 'ON', 't1230', 'ON', 'C')).toEqual(['#\r', '#:\r', '#\r', '#\r', '#\r', '#4\r', ''])
  })

  it('emits frames without timestamps even if asked for them', () => {
    const adapter = new SlcanAdapterEmulator('canable-2.5')
    talk(adapter, 'S8', 'Z1', 'O')
    expect(asciiText(adapter.emitFrame({brs: true, data: [1, 2, 3, 4, 5, 6, 7, 8, 9], fd: true, id: 0x7e0}, 1234))).toBe('b7E09010203040506070809000000\r')
  })
})

describe('SlcanAdapterEmulator: input handling', () => {
  it('reassembles a command split across writes', () => {
    const adapter = new SlcanAdapterEmulator('lawicel')
    expect(asciiText(adapter.receive(bytes('S')))).toBe('')
    expect(asciiText(adapter.receive(bytes('8\rO')))).toBe('\r')
    expect(asciiText(adapter.receive(bytes('\rt12')))).toBe('\r')
    expect(asciiText(adapter.receive(bytes('30\r')))).toBe('z\r')
  })
})
