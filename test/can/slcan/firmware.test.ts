import {describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/lib/errors.js'
import {PROBE_SEQUENCE, closeSequence, openSequence} from '../../../src/lib/can/slcan/commands.js'
import {FIRMWARE, FIRMWARE_FAMILIES, bitrateCommand, identifyFirmware} from '../../../src/lib/can/slcan/firmware.js'

describe('identifyFirmware', () => {
  it.each([
    ['ba6b1dd https://github.com/normaldotcom/canable2-fw.git', 'canable-stock'],
    ['v1.0-3-gba6b1dd git@github.com:normaldotcom/canable-fw.git\r', 'canable-stock'],
    [undefined, 'canable-stock'],
    ['', 'canable-stock'],
    ['V1013', 'lawicel'],
    ['VL2K1\r', 'lawicel'],
    ['\x07', 'lawicel'],
    ['+Board: MksMakerbase\tMCU: STM32G431\tDevID: 1128\tFirmware: 2427156\tSlcan: 100\tClock: 160\tLimits: 512,256,128,128,32,32,16,16', 'canable-2.5'],
    ['+Board: WeActStudioV2', 'canable-2.5'],
    ['something else entirely', 'canable-stock'],
  ] as const)('%j → %s', (reply, family) => {
    expect(identifyFirmware(reply)).toBe(family)
  })
})

describe('bitrateCommand', () => {
  it('maps the shared rates to the same S codes on every family', () => {
    for (const family of FIRMWARE_FAMILIES) {
      expect([10_000, 20_000, 50_000, 100_000, 125_000, 250_000, 500_000, 1_000_000].map((bps) => bitrateCommand(family, bps))).toEqual(['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S8'])
    }
  })

  it('S7 is 750k on stock CANable and 800k elsewhere; S9 is 83.3k where it exists', () => {
    expect(bitrateCommand('canable-stock', 750_000)).toBe('S7')
    expect(bitrateCommand('lawicel', 800_000)).toBe('S7')
    expect(bitrateCommand('canable-2.5', 800_000)).toBe('S7')
    for (const bps of [83_300, 83_333, 83_334]) expect(bitrateCommand('canable-stock', bps)).toBe('S9')
    expect(['SA', 'SB', 'SC', 'SD']).toEqual([75_000, 62_500, 33_333, 5_000].map((bps) => bitrateCommand('canable-2.5', bps)))
  })

  it('refuses a rate the family cannot do with a typed error naming the rates it can', () => {
    const attempt = (): string => bitrateCommand('lawicel', 750_000)
    expect(attempt).toThrow(UsageError)
    expect(attempt).toThrow('lawicel slcan firmware cannot run the bus at 750k; it can do 10k, 20k, 50k, 100k, 125k, 250k, 500k, 800k, 1M')
    const thrown = (() => {
      try {
        bitrateCommand('canable-stock', 800_000)
      } catch (error) {
        return error
      }
      return undefined
    })()
    expect(thrown).toMatchObject({code: 'PW_SLCAN_BITRATE', exit: 64})
    expect(() => bitrateCommand('lawicel', 83_333)).toThrow(/cannot run the bus at 83\.333k/)
  })
})

describe('openSequence', () => {
  const open = (family: (typeof FIRMWARE_FAMILIES)[number], bitrateBps: number, listenOnly: boolean, timestamps = true): string[] => openSequence(family, {bitrateBps, listenOnly, timestamps})

  it('canable-stock: close, bitrate, silent mode off/on explicitly (it survives C), open', () => {
    expect(open('canable-stock', 1_000_000, false)).toEqual(['C\r', 'S8\r', 'M0\r', 'O\r'])
    expect(open('canable-stock', 1_000_000, true)).toEqual(['C\r', 'S8\r', 'M1\r', 'O\r'])
    expect(open('canable-stock', 500_000, true, false)).toEqual(['C\r', 'S6\r', 'M1\r', 'O\r'])
  })

  it('lawicel: close, bitrate, Z1/Z0 while still closed, then O or L', () => {
    expect(open('lawicel', 1_000_000, false)).toEqual(['C\r', 'S8\r', 'Z1\r', 'O\r'])
    expect(open('lawicel', 1_000_000, true)).toEqual(['C\r', 'S8\r', 'Z1\r', 'L\r'])
    expect(open('lawicel', 500_000, true, false)).toEqual(['C\r', 'S6\r', 'Z0\r', 'L\r'])
  })

  it('canable-2.5: close, bitrate, O or OS; never L (bus load), F (filter) or Z (not implemented)', () => {
    expect(open('canable-2.5', 1_000_000, false)).toEqual(['C\r', 'S8\r', 'O\r'])
    expect(open('canable-2.5', 1_000_000, true)).toEqual(['C\r', 'S8\r', 'OS\r'])
    expect(open('canable-2.5', 83_333, true)).toEqual(['C\r', 'S9\r', 'OS\r'])
  })

  it('never sends F to any family, nor Z to a family without timestamps', () => {
    for (const family of FIRMWARE_FAMILIES) {
      for (const listenOnly of [false, true]) {
        const commands = open(family, 500_000, listenOnly)
        expect(commands.some((c) => c.startsWith('F'))).toBe(false)
        if (!FIRMWARE[family].timestamps) expect(commands.some((c) => c.startsWith('Z'))).toBe(false)
        expect(commands.every((c) => c.endsWith('\r'))).toBe(true)
      }
    }
  })

  it('throws the bitrate error before producing any command', () => {
    expect(() => open('canable-2.5', 750_000, false)).toThrow(UsageError)
  })

  it('probe and close', () => {
    expect(PROBE_SEQUENCE).toEqual(['C\r', 'V\r'])
    for (const family of FIRMWARE_FAMILIES) expect(closeSequence(family)).toEqual(['C\r'])
  })
})
