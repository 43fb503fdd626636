import type {DbcMessage, DbcSignal} from '../dbc/model.js'
import {type BitRun, bitRuns, bytesNeeded} from './bit-layout.js'

/** How a signal's raw value is read, decided once per signal at compile time. */
export type RawKind = 'integer' | 'bigint' | 'float32' | 'float64'

export function rawKindOf(signal: DbcSignal): RawKind {
  if (signal.valueType !== 'integer') return signal.valueType
  // BigInt only where a double cannot hold every raw value and nothing scales it anyway.
  return signal.length > 53 && signal.scale === 1 && signal.offset === 0 ? 'bigint' : 'integer'
}

/**
 * The per-message decoder: generated once from the DBC, then called per frame. It writes into
 * preallocated arrays, one slot per signal in `message.signals` order.
 */
export interface MessageDecoder {
  readonly message: DbcMessage
  readonly kinds: readonly RawKind[]
  /** Physical value (raw × scale + offset) of each signal in the last decoded frame. */
  readonly values: Float64Array
  /** Raw value of each signal (for value-table labels; bigint signals: Number(raw)). */
  readonly raw: Float64Array
  /** 1 where the last frame carried the signal (its multiplexer selected it), else 0. */
  readonly present: Uint8Array
  /** Exact raw values of `bigint` signals (wider than 53 bits, scale 1, offset 0). */
  readonly big: Array<bigint | undefined>
  /** Decodes the frame at `data[offset…offset+length)`; false (nothing decoded) when it is shorter than the message. */
  decode(data: Uint8Array, offset: number, length: number): boolean
}

// Scratch for reinterpreting assembled bits as IEEE floats; typed arrays share native byte order.
const scratch = new ArrayBuffer(8)
const u32 = new Uint32Array(scratch)
const f32 = new Float32Array(scratch)
const f64 = new Float64Array(scratch)
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const LO = LITTLE ? 0 : 1
const HI = LITTLE ? 1 : 0

/**
 * A message's generated decode function, not yet bound to scratch arrays: built once per message
 * (the `new Function` is the expensive part), then bound per decoder by `bind()`, which is cheap.
 */
export interface CompiledMessage {
  readonly message: DbcMessage
  readonly kinds: readonly RawKind[]
  /**
   * A decoder with its own scratch arrays. Not shared between decoders: callers read a decoder's
   * `values`/`raw`/`present` after it decoded (replay's output), and shared arrays would show
   * another stream's last frame there.
   */
  bind(): MessageDecoder
}

type DecodeFactory = (...scratch: unknown[]) => MessageDecoder['decode']

let generated = 0

/** How many message decode functions this process has generated: a car compiled once adds its message count once. */
export function generatedDecoderCount(): number {
  return generated
}

/** Generates the decode function of one message. */
export function compileMessage(message: DbcMessage): CompiledMessage {
  const signals = message.signals
  const n = signals.length
  const kinds = signals.map(rawKindOf)
  const index = new Map(signals.map((s, i) => [s.name, i]))
  const muxSets: Array<ReadonlySet<number> | undefined> = signals.map((s) => (s.multiplexerValues ? new Set(s.multiplexerValues) : undefined))
  const body: string[] = []
  for (const i of evaluationOrder(signals, index)) {
    const s = signals[i]!
    const code = signalCode(s, i, kinds[i]!)
    const switchIndex = s.multiplexerValues === undefined ? undefined : index.get(s.multiplexerSwitch ?? '')
    if (s.multiplexerValues === undefined) body.push(code)
    else if (switchIndex === undefined) body.push(`p[${i}] = 0;`)
    else body.push(`p[${i}] = 0; if (p[${switchIndex}] === 1 && mux[${i}].has(r[${switchIndex}])) { ${code} }`)
  }
  const minLength = Math.max(message.sizeBytes, 0)
  // Generated from DBC numbers only (bit positions, widths, scales): no text from the file reaches it.
  const source = `
    return function decode(d, o, len) {
      if (len < ${minLength}) return false;
      let raw = 0, x = 0n;
      ${body.join('\n      ')}
      return true;
    }`
  const factory = new Function('v', 'r', 'p', 'big', 'mux', 'u32', 'f32', 'f64', source) as DecodeFactory
  generated++
  const bind = (): MessageDecoder => {
    const values = new Float64Array(n)
    const raw = new Float64Array(n)
    const present = new Uint8Array(n)
    const big: Array<bigint | undefined> = Array.from({length: n})
    const decode = factory(values, raw, present, big, muxSets, u32, f32, f64)
    return {big, decode, kinds, message, present, raw, values}
  }
  return {bind, kinds, message}
}

/** Compiles a decoder for one message (generates and binds; a car's decoders share `compileMessage` through `compileCar`). */
export function compileMessageDecoder(message: DbcMessage): MessageDecoder {
  return compileMessage(message).bind()
}

// Switches before the signals they select (nested multiplexers: a switch may itself be selected).
function evaluationOrder(signals: readonly DbcSignal[], index: ReadonlyMap<string, number>): number[] {
  const order: number[] = []
  const state = new Uint8Array(signals.length)
  const visit = (i: number): void => {
    if (state[i] !== 0) return
    state[i] = 1
    const sw = signals[i]!.multiplexerValues === undefined ? undefined : index.get(signals[i]!.multiplexerSwitch ?? '')
    if (sw !== undefined && sw !== i) visit(sw)
    state[i] = 2
    order.push(i)
  }
  for (let i = 0; i < signals.length; i++) visit(i)
  return order
}

function signalCode(s: DbcSignal, i: number, kind: RawKind): string {
  const need = bytesNeeded(s)
  const guard = `if (len >= ${need}) `
  const runs = bitRuns(s)
  const scaled = `${num(s.scale)} * raw + ${num(s.offset)}`
  switch (kind) {
    case 'integer': {
      const sign = s.signed ? ` if (raw >= ${num(2 ** (s.length - 1))}) raw -= ${num(2 ** s.length)};` : ''
      return `${guard}{ raw = ${sum(runs, 0)};${sign} r[${i}] = raw; v[${i}] = ${scaled}; p[${i}] = 1; }`
    }
    case 'float32':
      return `${guard}{ u32[0] = ${sum(runs, 0)}; raw = f32[0]; r[${i}] = raw; v[${i}] = ${scaled}; p[${i}] = 1; }`
    case 'float64': {
      const [lo, hi] = splitAt32(runs)
      return `${guard}{ u32[${LO}] = ${sum(lo, 0)}; u32[${HI}] = ${sum(hi, 32)}; raw = f64[0]; r[${i}] = raw; v[${i}] = ${scaled}; p[${i}] = 1; }`
    }
    case 'bigint': {
      const terms = runs.map((r) => `(BigInt(${byteExpr(r)}) << ${r.valueShift}n)`).join(' | ') || '0n'
      const wrap = s.signed ? `BigInt.asIntN(${s.length}, ${terms})` : `BigInt.asUintN(${s.length}, ${terms})`
      return `${guard}{ x = ${wrap}; big[${i}] = x; raw = Number(x); r[${i}] = raw; v[${i}] = raw; p[${i}] = 1; }`
    }
  }
}

// Value bits of one byte, already shifted down to bit 0 and masked.
function byteExpr(r: BitRun): string {
  const shifted = r.bitShift === 0 ? `d[o + ${r.byte}]` : `(d[o + ${r.byte}] >>> ${r.bitShift})`
  return r.width === 8 ? shifted : `(${shifted} & ${(1 << r.width) - 1})`
}

// Multiplication, not <<: JavaScript shifts wrap at 32 bits, doubles are exact to 2^53.
function sum(runs: readonly BitRun[], base: number): string {
  if (runs.length === 0) return '0'
  return runs.map((r) => (r.valueShift - base === 0 ? byteExpr(r) : `${byteExpr(r)} * ${num(2 ** (r.valueShift - base))}`)).join(' + ')
}

function splitAt32(runs: readonly BitRun[]): [BitRun[], BitRun[]] {
  const lo: BitRun[] = []
  const hi: BitRun[] = []
  for (const r of runs) {
    if (r.valueShift + r.width <= 32) lo.push(r)
    else if (r.valueShift >= 32) hi.push(r)
    else {
      const w = 32 - r.valueShift
      lo.push({...r, width: w})
      hi.push({bitShift: r.bitShift + w, byte: r.byte, valueShift: 32, width: r.width - w})
    }
  }
  return [lo, hi]
}

function num(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`non-finite constant ${x} in a DBC signal`)
  return Object.is(x, -0) ? '-0' : String(x)
}
