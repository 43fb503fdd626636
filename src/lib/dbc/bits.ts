import type {DbcSignal} from './model.js'

const FLOAT32_MAX = 3.402_823_466_385_288_6e38

/**
 * The bit indices a signal occupies (byte × 8 + bit-in-byte, 0 = LSB of byte 0), least
 * significant bit of the value first, so `value |= bit(bits[k]) << k` decodes it.
 *
 * Intel (`@1`): the start bit is the LSB and the value climbs: `0|16@1+` → 0, 1, … 15.
 * Motorola (`@0`): the start bit is the MSB; from it the value runs down to bit 0 of that byte,
 * then on from bit 7 of the next byte (the sawtooth): `7|16@0+` → MSB 7 … 0, 15 … 8 (LSB).
 * Callers check `length` first (1..64): the walk does not guard against absurd lengths.
 */
export function signalBits(signal: Pick<DbcSignal, 'startBit' | 'length' | 'byteOrder'>): number[] {
  const {startBit, length} = signal
  const bits = new Array<number>(Math.max(0, length))
  if (signal.byteOrder === 'little_endian') {
    for (let k = 0; k < length; k++) bits[k] = startBit + k
    return bits
  }
  let b = startBit
  for (let k = length - 1; k >= 0; k--) {
    bits[k] = b
    b = b % 8 === 0 ? b + 15 : b - 1
  }
  return bits
}

/**
 * The raw values a signal's field can hold and the physical range they map to (raw × scale +
 * offset, with min ≤ max even for a negative scale). Float signals use the IEEE limits.
 */
export function rawRange(
  signal: Pick<DbcSignal, 'length' | 'signed' | 'valueType' | 'scale' | 'offset'>,
): {rawMin: number; rawMax: number; physMin: number; physMax: number} {
  let rawMin = 0
  let rawMax = 0
  if (signal.valueType === 'float32') [rawMin, rawMax] = [-FLOAT32_MAX, FLOAT32_MAX]
  else if (signal.valueType === 'float64') [rawMin, rawMax] = [-Number.MAX_VALUE, Number.MAX_VALUE]
  else if (signal.length > 0 && signal.signed) [rawMin, rawMax] = [-(2 ** (signal.length - 1)), 2 ** (signal.length - 1) - 1]
  else if (signal.length > 0) rawMax = 2 ** signal.length - 1
  const a = rawMin * signal.scale + signal.offset
  const b = rawMax * signal.scale + signal.offset
  return {rawMin, rawMax, physMin: Math.min(a, b), physMax: Math.max(a, b)}
}
