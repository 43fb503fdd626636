import type {DbcMessage, DbcSignal} from '../dbc/model.js'
import {PitwallError} from '../errors.js'
import {type BitRun, bitRuns} from './bit-layout.js'
import {rawKindOf} from './message-decoder.js'

/** A physical value that cannot be encoded in its signal's field. */
export class EncodeError extends PitwallError {}

const scratch = new ArrayBuffer(8)
const u32 = new Uint32Array(scratch)
const f32 = new Float32Array(scratch)
const f64 = new Float64Array(scratch)
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Physical values → raw → payload bytes: the exact inverse of the decoder, used by the simulator
 * and by round-trip tests. Signals not given are left 0; multiplexed signals are written only
 * when the given switch value selects them (giving one that is not selected is an error).
 */
export function encodeMessage(message: DbcMessage, values: Readonly<Record<string, number | bigint>>, out?: Uint8Array): Uint8Array {
  const data = out ?? new Uint8Array(message.sizeBytes)
  data.fill(0, 0, message.sizeBytes)
  const byName = new Map(message.signals.map((s) => [s.name, s]))
  for (const name of Object.keys(values)) {
    if (!byName.has(name)) throw new EncodeError(`${message.name} has no signal "${name}"`, {code: 'PW_ENCODE_UNKNOWN_SIGNAL'})
  }
  for (const signal of message.signals) {
    const value = values[signal.name]
    if (value === undefined) continue
    if (!selected(signal, byName, values)) {
      throw new EncodeError(`${message.name}.${signal.name} is not selected by its multiplexer ${signal.multiplexerSwitch ?? ''}`, {code: 'PW_ENCODE_MUX'})
    }
    writeRaw(data, signal, toRaw(signal, value))
  }
  return data
}

function selected(signal: DbcSignal, byName: ReadonlyMap<string, DbcSignal>, values: Readonly<Record<string, number | bigint>>): boolean {
  if (signal.multiplexerValues === undefined) return true
  const sw = byName.get(signal.multiplexerSwitch ?? '')
  if (!sw) return false
  const v = values[sw.name]
  if (v === undefined || !selected(sw, byName, values)) return false
  const raw = Number(toRaw(sw, v))
  return signal.multiplexerValues.includes(raw)
}

/** The raw field value for a physical value: (physical − offset) / scale, rounded to the nearest step. */
export function toRaw(signal: DbcSignal, physical: number | bigint): bigint {
  const kind = rawKindOf(signal)
  if (kind === 'float32' || kind === 'float64') {
    const raw = (Number(physical) - signal.offset) / signal.scale
    if (kind === 'float32') {
      f32[0] = raw
      return BigInt(u32[0]!)
    }
    f64[0] = raw
    return (BigInt(u32[LITTLE ? 1 : 0]!) << 32n) | BigInt(u32[LITTLE ? 0 : 1]!)
  }
  let raw: bigint
  if (typeof physical === 'bigint') raw = physical
  else {
    const scaled = (physical - signal.offset) / signal.scale
    if (!Number.isFinite(scaled)) throw new EncodeError(`${signal.name}: ${physical} is not a finite value`, {code: 'PW_ENCODE_RANGE'})
    raw = BigInt(Math.round(scaled))
  }
  const min = signal.signed ? -(1n << BigInt(signal.length - 1)) : 0n
  const max = signal.signed ? (1n << BigInt(signal.length - 1)) - 1n : (1n << BigInt(signal.length)) - 1n
  if (raw < min || raw > max) {
    throw new EncodeError(`${signal.name}: ${physical} needs raw ${raw}, outside ${min}..${max} of its ${signal.length}-bit field`, {code: 'PW_ENCODE_RANGE'})
  }
  return BigInt.asUintN(signal.length, raw)
}

function writeRaw(data: Uint8Array, signal: DbcSignal, raw: bigint): void {
  for (const run of bitRuns(signal) as readonly BitRun[]) {
    const bits = Number((raw >> BigInt(run.valueShift)) & ((1n << BigInt(run.width)) - 1n))
    const mask = ((1 << run.width) - 1) << run.bitShift
    data[run.byte] = (data[run.byte]! & ~mask) | (bits << run.bitShift)
  }
}
