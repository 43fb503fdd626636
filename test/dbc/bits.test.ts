import {readFileSync} from 'node:fs'
import path from 'node:path'

import {describe, expect, it} from 'vitest'

import {FindingSink} from '../../src/lib/findings.js'
import {parseDbc, rawRange, signalBits} from '../../src/lib/dbc/index.js'

const DBC_DIR = path.resolve(__dirname, '../../../shared/fixtures/cantools/dbc')

/**
 * Bit indices, value LSB first, as Debian's python3-canmatrix 0.9.5 (an independent DBC
 * implementation) places them: for each signal and each k, canmatrix encoded a frame with only
 * raw value 1 << k (the sign value for the top bit of signed fields) and we recorded the one
 * payload bit that came out set (byte * 8 + bit, 0 = LSB of byte 0). Recorded once by hand with
 * /usr/bin/python3; the test does not need Python.
 */
const CANMATRIX: Record<string, number[]> = {
  'motohawk/ExampleMessage/Temperature': [21,22,23,8,9,10,11,12,13,14,15,0],
  'motohawk/ExampleMessage/AverageRadius': [1,2,3,4,5,6],
  'motohawk/ExampleMessage/Enable': [7],
  'padding_bit_order/MSG0/A': [8,9,10,11,12,13,14,15,0,1,2,3,4,5,6],
  'padding_bit_order/MSG0/B': [7],
  'padding_bit_order/MSG0/C': [40,41,42,43,44,45,46,47,32,33,34,35,36,37,38],
  'padding_bit_order/MSG0/D': [39],
  'padding_bit_order/MSG1/E': [0],
  'padding_bit_order/MSG1/F': [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15],
  'padding_bit_order/MSG1/G': [32],
  'padding_bit_order/MSG1/H': [33,34,35,36,37,38,39,40,41,42,43,44,45,46,47],
  'padding_bit_order/MSG2/I': [0,1,2,3],
  'padding_bit_order/MSG2/J': [4,5,6,7],
  'padding_bit_order/MSG2/K': [8,9,10,11],
  'padding_bit_order/MSG3/L': [56,57,58,59,60,61,62,63,48,49,50,51,52,53,54,55,40,41,42,43,44,45,46,47,32,33,34,35,36,37,38,39,24,25,26,27,28,29,30,31,16,17,18,19,20,21,22,23,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7],
  'padding_bit_order/MSG4/M': [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63],
  'signed/Message378910/s3big': [37,38,39],
  'signed/Message378910/s3': [34,35,36],
  'signed/Message378910/s10big': [63,48,49,50,51,52,53,54,55,40],
  'signed/Message378910/s8big': [9,10,11,12,13,14,15,0],
  'signed/Message378910/s7big': [56,57,58,59,60,61,62],
  'signed/Message378910/s9': [17,18,19,20,21,22,23,24,25],
  'signed/Message378910/s8': [26,27,28,29,30,31,32,33],
  'signed/Message378910/s7': [1,2,3,4,5,6,7],
  'signed/Message63big_1/s63big': [56,57,58,59,60,61,62,63,48,49,50,51,52,53,54,55,40,41,42,43,44,45,46,47,32,33,34,35,36,37,38,39,24,25,26,27,28,29,30,31,16,17,18,19,20,21,22,23,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6],
  'signed/Message63_1/s63': [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63],
  'signed/Message63big/s63big': [57,58,59,60,61,62,63,48,49,50,51,52,53,54,55,40,41,42,43,44,45,46,47,32,33,34,35,36,37,38,39,24,25,26,27,28,29,30,31,16,17,18,19,20,21,22,23,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7],
  'signed/Message63/s63': [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62],
  'signed/Message32big/s32big': [24,25,26,27,28,29,30,31,16,17,18,19,20,21,22,23,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7],
  'signed/Message33big/s33big': [39,24,25,26,27,28,29,30,31,16,17,18,19,20,21,22,23,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7],
  'signed/Message64big/s64big': [56,57,58,59,60,61,62,63,48,49,50,51,52,53,54,55,40,41,42,43,44,45,46,47,32,33,34,35,36,37,38,39,24,25,26,27,28,29,30,31,16,17,18,19,20,21,22,23,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7],
  'signed/Message64/s64': [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63],
  'signed/Message33/s33': [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32],
  'signed/Message32/s32': [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31],
  'foobar/Foo/Foo': [21,22,23,8,9,10,11,12,13,14,15,0],
  'foobar/Foo/Bar': [57,58,59,60,61,62,63,48,49,50,51,52,53,54,55,40,41,42,43,44,45,46,47,32,33,34,35,36,37,38,39,24],
  'foobar/Fum/Fum': [0,1,2,3,4,5,6,7,8,9,10,11],
  'foobar/Fum/Fam': [12,13,14,15,16,17,18,19,20,21,22,23],
  'foobar/Bar/Binary32': [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31],
  'foobar/CanFd/Fie': [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63],
  'foobar/CanFd/Fas': [64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100,101,102,103,104,105,106,107,108,109,110,111,112,113,114,115,116,117,118,119,120,121,122,123,124,125,126,127],
  'foobar/FOOBAR/ACC_02_CRC': [0,1,2,3,4,5,6,7,8,9,10,11],
  'floating_point/Message1/Signal1': [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63],
  'floating_point/Message2/Signal2': [32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63],
  'floating_point/Message2/Signal1': [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31],
}

describe('signalBits', () => {
  it('numbers Intel bits upwards from the start bit', () => {
    expect(signalBits({startBit: 0, length: 16, byteOrder: 'little_endian'})).toEqual([...Array(16).keys()])
    expect(signalBits({startBit: 12, length: 12, byteOrder: 'little_endian'})).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23])
  })

  it('walks Motorola bits down from the MSB and on at bit 7 of the next byte (sawtooth)', () => {
    // 7|16@0+: MSB is bit 7 of byte 0, LSB is bit 0 of byte 1 (bit 8).
    expect(signalBits({startBit: 7, length: 16, byteOrder: 'big_endian'})).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7])
    // motohawk Temperature 0|12@0-: bit 0 of byte 0 (MSB), all of byte 1, bits 7..5 of byte 2.
    expect(signalBits({startBit: 0, length: 12, byteOrder: 'big_endian'})).toEqual([21, 22, 23, 8, 9, 10, 11, 12, 13, 14, 15, 0])
    expect(signalBits({startBit: 7, length: 1, byteOrder: 'big_endian'})).toEqual([7])
  })

  const files = new Map<string, ReturnType<typeof parseDbc>>()
  const load = (name: string): ReturnType<typeof parseDbc> => {
    if (!files.has(name)) files.set(name, parseDbc(readFileSync(path.join(DBC_DIR, `${name}.dbc`)), name, new FindingSink(name)))
    return files.get(name)!
  }

  it.each(Object.entries(CANMATRIX))('%s matches canmatrix', (key, bits) => {
    const [file, messageName, signalName] = key.split('/') as [string, string, string]
    const s = load(file)
      .messages.find((m) => m.name === messageName)
      ?.signals.find((x) => x.name === signalName)
    expect(s).toBeDefined()
    expect(signalBits(s!)).toEqual(bits)
  })
})

describe('rawRange', () => {
  const base = {signed: false, valueType: 'integer' as const, scale: 1, offset: 0}
  it('gives unsigned and signed integer ranges', () => {
    expect(rawRange({...base, length: 8})).toEqual({rawMin: 0, rawMax: 255, physMin: 0, physMax: 255})
    expect(rawRange({...base, length: 4, signed: true, offset: -5})).toEqual({rawMin: -8, rawMax: 7, physMin: -13, physMax: 2})
    expect(rawRange({...base, length: 1, signed: true})).toEqual({rawMin: -1, rawMax: 0, physMin: -1, physMax: 0})
    expect(rawRange({...base, length: 64}).rawMax).toBe(2 ** 64 - 1)
  })

  it('keeps min <= max for a negative scale (issue_636: 12 bits, -0.01, 4100)', () => {
    const r = rawRange({...base, length: 12, scale: -0.01, offset: 4100})
    expect(r.rawMax).toBe(4095)
    expect(r.physMin).toBeCloseTo(4059.05, 9)
    expect(r.physMax).toBe(4100)
  })

  it('uses the IEEE limits for float signals', () => {
    expect(rawRange({...base, length: 32, valueType: 'float32'}).physMax).toBeCloseTo(3.4028234663852886e38, -30)
    expect(rawRange({...base, length: 64, valueType: 'float64'}).physMin).toBe(-Number.MAX_VALUE)
  })

  it('gives an empty range for length 0', () => {
    expect(rawRange({...base, length: 0, signed: true})).toEqual({rawMin: 0, rawMax: 0, physMin: 0, physMax: 0})
  })
})
