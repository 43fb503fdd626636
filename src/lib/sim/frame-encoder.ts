/**
 * The simulator's values → CAN payloads, through the car file itself. For every DBC signal the
 * encoder finds the channel the car derives from it (`speed_ms` from `speed_mph` through
 * `mph_to_ms`, `g_vert` from `vertical_accel_g` through `sign_flip`, `yaw_rate_degs` through
 * `bias 4.3`) and inverts that pipeline, so the frame carries what the real MXP would send: the
 * decoder then gives back the simulated value (to one raw step). Nothing car-specific is written
 * here: a corrected bias in the car file changes what the simulator sends.
 *
 * Pipelines are inverted as affine functions (every unit twin, sign flip and bias is one); a
 * pipeline that is not affine, or reads other channels, is not used. DBC signals no simulated
 * channel comes from are sent as physical 0 (`unmapped`).
 */
import type {Car, Channel} from '../car/model.js'
import type {DbcMessage, DbcSignal} from '../dbc/model.js'
import {encodeMessage} from '../decode/index.js'
import {instantiate} from '../formula/index.js'
import {groupOf, SIM_CHANNELS, SLOT} from './car-model.js'

interface SignalPlan {
  readonly signal: DbcSignal
  /** Sample slot of the simulated channel, or -1 (sent as physical 0). */
  readonly slot: number
  /** The channel's pipeline as y = a·x + b (x: the DBC physical value). */
  readonly a: number
  readonly b: number
  /** The DBC physical range the raw field can hold. */
  readonly min: number
  readonly max: number
}

export interface MessagePlan {
  readonly message: DbcMessage
  /** Cycle time from the car file (YAML cycle_times over DBC GenMsgCycleTime), ms. */
  readonly cycleMs: number
  readonly signals: readonly SignalPlan[]
  /** Reused for every encode: signal name → DBC physical value. */
  readonly values: Record<string, number>
  /** The car model groups its signals need (car-model.ts GROUP). */
  readonly groups: number
}

export class FrameEncoder {
  /** Messages with a cycle time, in DBC order: what the simulated car sends. */
  readonly messages: readonly MessagePlan[]
  /** `Message.signal` names sent as physical 0: no simulated channel comes from them. */
  readonly unmapped: readonly string[]
  /** Channel the encoder inverted for each mapped signal (`Message.signal` → channel). */
  readonly mapping: ReadonlyMap<string, string>

  constructor(readonly car: Car) {
    const unmapped: string[] = []
    const mapping = new Map<string, string>()
    const messages: MessagePlan[] = []
    for (const message of car.dbc.messages) {
      const cycleMs = car.cycleTimesMs.get(message.name)
      if (cycleMs === undefined || !(cycleMs > 0)) continue
      const signals = message.signals.map((signal): SignalPlan => {
        const range = rawRange(signal)
        for (const channel of car.channels) {
          if (channel.source?.signal !== signal || !(SIM_CHANNELS as readonly string[]).includes(channel.name)) continue
          const affine = affineOf(channel)
          if (!affine) continue
          mapping.set(`${message.name}.${signal.name}`, channel.name)
          return {...affine, ...range, signal, slot: SLOT[channel.name as keyof typeof SLOT]}
        }
        unmapped.push(`${message.name}.${signal.name}`)
        return {a: 1, b: 0, ...range, signal, slot: -1}
      })
      const groups = signals.reduce((g, s) => g | (s.slot >= 0 ? groupOf(s.slot) : 0), 0)
      messages.push({cycleMs, groups, message, signals, values: Object.fromEntries(message.signals.map((s) => [s.name, 0]))})
    }
    this.messages = messages
    this.unmapped = unmapped
    this.mapping = mapping
  }

  /** Encodes message `m` from a sample (indexed by SLOT) into `out` (its first sizeBytes bytes). */
  encode(m: number, sample: Float64Array, out: Uint8Array): void {
    const plan = this.messages[m]!
    for (const s of plan.signals) {
      const y = s.slot < 0 ? s.b : sample[s.slot]!
      const x = Number.isFinite(y) ? (y - s.b) / s.a : 0
      plan.values[s.signal.name] = Math.min(s.max, Math.max(s.min, x))
    }
    encodeMessage(plan.message, plan.values, out)
  }

  /** The size of one raw step in a channel's value (its DBC scale through its pipeline), for comparisons. */
  stepOf(channel: string): number | undefined {
    const c = this.car.channels.find((ch) => ch.name === channel)
    const affine = c?.source ? affineOf(c) : undefined
    return affine && c?.source ? Math.abs(c.source.signal.scale * affine.a) : undefined
  }
}

/** The channel's pipeline from its DBC signal as y = a·x + b, or undefined when it is not affine in x alone. */
function affineOf(channel: Channel): {a: number; b: number} | undefined {
  if (channel.fromChannel !== undefined) return undefined
  const fns: Array<(x: number) => number> = []
  for (const step of channel.steps) {
    if (step.inputs.length !== 1 || step.inputs[0] !== undefined) return undefined
    fns.push(instantiate(step.formula, step.params).evaluate as (x: number) => number)
  }
  const f = (x: number): number => fns.reduce((v, fn) => fn(v), x)
  const b = f(0)
  const a = f(1) - b
  if (!(Math.abs(a) > 0) || !Number.isFinite(b)) return undefined
  for (const x of [-37.5, 2.25, 1234.5]) {
    if (Math.abs(f(x) - (a * x + b)) > 1e-9 * Math.max(1, Math.abs(f(x)))) return undefined
  }
  return {a, b}
}

/** The physical values a signal's raw field can hold, so the encoder clamps instead of failing. */
function rawRange(signal: DbcSignal): {min: number; max: number} {
  const bits = signal.length
  const lo = signal.signed ? -(2 ** (bits - 1)) : 0
  const hi = signal.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1
  const p = [lo * signal.scale + signal.offset, hi * signal.scale + signal.offset]
  return {max: Math.max(p[0]!, p[1]!), min: Math.min(p[0]!, p[1]!)}
}
