import {signalBits} from '../dbc/index.js'
import type {DbcSignal} from '../dbc/model.js'

/**
 * A run of a signal's bits inside one payload byte: value bits `valueShift …
 * valueShift + width - 1` are byte `byte`'s bits `bitShift … bitShift + width - 1`. Within a
 * byte, a more significant value bit always sits at a higher bit number (for both byte orders),
 * so every byte a signal touches is exactly one run.
 */
export interface BitRun {
  readonly byte: number
  readonly bitShift: number
  readonly width: number
  readonly valueShift: number
}

/** The byte runs of a signal, least significant first. */
export function bitRuns(signal: Pick<DbcSignal, 'startBit' | 'length' | 'byteOrder'>): BitRun[] {
  const bits = signalBits(signal)
  const runs: BitRun[] = []
  for (let k = 0; k < bits.length; ) {
    const byte = bits[k]! >> 3
    const bitShift = bits[k]! & 7
    let width = 1
    while (k + width < bits.length && bits[k + width] === bits[k]! + width && (bits[k]! + width) >> 3 === byte) width++
    runs.push({bitShift, byte, valueShift: k, width})
    k += width
  }
  return runs
}

/** One past the last payload byte a signal reads: a shorter frame cannot carry it. */
export function bytesNeeded(signal: Pick<DbcSignal, 'startBit' | 'length' | 'byteOrder'>): number {
  return bitRuns(signal).reduce((max, r) => Math.max(max, r.byte + 1), 0)
}
