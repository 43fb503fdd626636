import type {Car, Channel} from '../car/model.js'
import {DATA_STRIDE, type FrameBatch, FrameFlag} from '../can/frame.js'
import {instantiate} from '../formula/index.js'
import type {FormulaInstance} from '../formula/model.js'
import {compileMessageDecoder, type MessageDecoder} from './message-decoder.js'

/** What happened to the frames a decoder saw. */
export interface DecodeStats {
  frames: number
  /** Frames that matched a message and were decoded. */
  decoded: number
  /** Frames whose ID no message has. */
  unknown: number
  /** Frames shorter than their message: refused, like cantools without allow_truncated. */
  short: number
  /** Error frames and remote requests: they carry no signals. */
  skipped: number
}

/** One formula application bound to channel slots. */
interface Step {
  readonly fn: FormulaInstance['evaluate']
  /** Channel slot of each input; -1 is the value flowing through a pipeline. */
  readonly inputs: Int32Array
  readonly args: number[]
}

interface Plan {
  readonly channel: number
  /** Signal slot in the message decoder, for channels fed by a DBC signal. */
  readonly signal: number
  /** Channel slot a chained pipeline starts from, else -1. */
  readonly fromChannel: number
  readonly steps: readonly Step[]
  /** Channels read (derived and chained): for change and staleness checks. */
  readonly reads: Int32Array
}

/**
 * Decodes frames into channels with a car compiled ahead of time: per message, a generated
 * decoder for its signals, the pipelines fed by them, and the derived channels downstream in
 * dependency order. Channel values live in preallocated arrays; NaN means "no value" (null).
 *
 * ID policy: a frame matches a message by numeric ID; only when the DBC has both an 11-bit and a
 * 29-bit message with that number does the frame's extended flag decide.
 */
export class CarDecoder {
  readonly decoders: readonly MessageDecoder[]
  readonly channels: readonly Channel[]
  /** Current value per channel (NaN = null). */
  readonly values: Float64Array
  /** Time (µs) each channel last got a value; NaN before the first. */
  readonly timeUs: Float64Array
  /** Channels the last frame updated, `updatedCount` of them. */
  readonly updated: Int32Array
  updatedCount = 0
  readonly stats: DecodeStats = {decoded: 0, frames: 0, short: 0, skipped: 0, unknown: 0}

  private readonly standard = new Map<number, number>()
  private readonly extended = new Map<number, number>()
  private readonly direct: Plan[][]
  private readonly downstream: Plan[][]
  /** Staleness limit per channel: 3 × its cycle time, in µs (Infinity when unknown). */
  private readonly staleAfterUs: Float64Array
  private readonly lastInputs: Float64Array[]
  /** 1 when a channel was nulled for staleness: its next fresh pass must compute, even with inputs unchanged. */
  private readonly nulledStale: Uint8Array

  constructor(readonly car: Car) {
    const messages = car.dbc.messages
    this.decoders = messages.map(compileMessageDecoder)
    messages.forEach((m, i) => (m.extended ? this.extended : this.standard).set(m.id, i))
    this.channels = car.channels
    const n = car.channels.length
    this.values = new Float64Array(n).fill(Number.NaN)
    this.timeUs = new Float64Array(n).fill(Number.NaN)
    this.updated = new Int32Array(n)
    const slot = new Map(car.channels.map((c, i) => [c.name, i]))
    const plans = car.channels.map((c, i) => planFor(c, i, slot))
    this.staleAfterUs = staleLimits(car, slot)
    this.lastInputs = plans.map((p) => new Float64Array(p.reads.length).fill(Number.NaN))
    this.nulledStale = new Uint8Array(n)
    this.direct = messages.map((m) => plans.filter((p) => car.channels[p.channel]!.source?.message === m))
    this.downstream = this.direct.map((direct) => downstreamOf(direct, plans, car.channels, slot))
  }

  /** The message index a frame matches, or -1. */
  messageIndex(id: number, extended: boolean): number {
    const first = extended ? this.extended : this.standard
    return first.get(id) ?? (extended ? this.standard : this.extended).get(id) ?? -1
  }

  /** Decodes frame `i` of a batch; returns its message index, or -1 when nothing was decoded. */
  decodeFrame(batch: FrameBatch, i: number): number {
    this.stats.frames++
    this.updatedCount = 0
    const flags = batch.flags[i]!
    if (flags & (FrameFlag.error | FrameFlag.remote)) {
      this.stats.skipped++
      return -1
    }
    const m = this.messageIndex(batch.id[i]!, (flags & FrameFlag.extended) !== 0)
    if (m < 0) {
      this.stats.unknown++
      return -1
    }
    const decoder = this.decoders[m]!
    if (!decoder.decode(batch.data, i * DATA_STRIDE, batch.dataLength[i]!)) {
      this.stats.short++
      return -1
    }
    this.stats.decoded++
    const now = batch.timestampUs[i]!
    for (const plan of this.direct[m]!) {
      if (decoder.present[plan.signal] === 0) continue
      this.store(plan.channel, this.run(plan, decoder.values[plan.signal]!), now)
    }
    for (const plan of this.downstream[m]!) this.evaluateDownstream(plan, now)
    return m
  }

  /** Decodes a whole batch, calling `visit` after each decoded frame (updated channels in `updated`). */
  decodeBatch(batch: FrameBatch, visit?: (frame: number, message: number) => void): void {
    for (let i = 0; i < batch.length; i++) {
      const m = this.decodeFrame(batch, i)
      if (m >= 0 && visit) visit(i, m)
    }
  }

  /** True when a channel's last value is older than 3× its cycle time at `nowUs`. */
  isStale(channel: number, nowUs: number): boolean {
    return !(nowUs - this.timeUs[channel]! <= this.staleAfterUs[channel]!)
  }

  // A derived channel is evaluated only when an input changed, or to turn null when one went stale.
  private evaluateDownstream(plan: Plan, now: number): void {
    const last = this.lastInputs[plan.channel]!
    let changed = false
    let stale = false
    for (let k = 0; k < plan.reads.length; k++) {
      const c = plan.reads[k]!
      const v = this.values[c]!
      if (!(v === last[k] || (v !== v && last[k] !== last[k]))) {
        changed = true
        last[k] = v
      }
      if (this.isStale(c, now)) stale = true
    }
    if (stale) {
      if (this.nulledStale[plan.channel] === 0) this.store(plan.channel, Number.NaN, now)
      this.nulledStale[plan.channel] = 1
      return
    }
    if (!changed && this.nulledStale[plan.channel] === 0 && this.timeUs[plan.channel] === this.timeUs[plan.channel]) {
      // Same inputs, same result: no evaluation, but the value is as fresh as its inputs.
      this.timeUs[plan.channel] = now
      return
    }
    this.nulledStale[plan.channel] = 0
    const start = plan.fromChannel >= 0 ? this.values[plan.fromChannel]! : Number.NaN
    this.store(plan.channel, this.run(plan, start), now)
  }

  private run(plan: Plan, start: number): number {
    let value = start
    for (const step of plan.steps) {
      const {args, inputs} = step
      for (let k = 0; k < inputs.length; k++) args[k] = inputs[k] === -1 ? value : this.values[inputs[k]!]!
      value = args.length === 1 ? step.fn(args[0]!) : args.length === 2 ? step.fn(args[0]!, args[1]!) : step.fn(...args)
    }
    return value
  }

  private store(channel: number, value: number, now: number): void {
    this.values[channel] = Number.isFinite(value) ? value : Number.NaN
    this.timeUs[channel] = now
    this.updated[this.updatedCount++] = channel
  }
}

function planFor(channel: Channel, index: number, slot: ReadonlyMap<string, number>): Plan {
  const signal = channel.source ? channel.source.message.signals.indexOf(channel.source.signal) : -1
  const fromChannel = channel.fromChannel === undefined ? -1 : slot.get(channel.fromChannel)!
  const steps = channel.steps.map((use) => {
    const instance = instantiate(use.formula, use.params)
    const inputs = Int32Array.from(use.inputs, (name) => (name === undefined ? -1 : slot.get(name)!))
    return {args: Array.from({length: inputs.length}, () => 0), fn: instance.evaluate, inputs}
  })
  const reads = channel.source ? [] : [...new Set(channel.dependsOn.map((d) => slot.get(d)!))]
  return {channel: index, fromChannel, reads: Int32Array.from(reads), signal, steps}
}

// Every channel reachable from a message's direct channels, in the car's (topological) order.
function downstreamOf(direct: readonly Plan[], plans: readonly Plan[], channels: readonly Channel[], slot: ReadonlyMap<string, number>): Plan[] {
  const reached = new Set(direct.map((p) => p.channel))
  const out: Plan[] = []
  for (const plan of plans) {
    const channel = channels[plan.channel]!
    if (channel.source || reached.has(plan.channel)) continue
    if (channel.dependsOn.some((d) => reached.has(slot.get(d)!))) {
      reached.add(plan.channel)
      out.push(plan)
    }
  }
  return out
}

function staleLimits(car: Car, slot: ReadonlyMap<string, number>): Float64Array {
  const limits = new Float64Array(car.channels.length).fill(Number.POSITIVE_INFINITY)
  car.channels.forEach((c, i) => {
    if (c.source) {
      const ms = car.cycleTimesMs.get(c.source.message.name)
      if (ms !== undefined && ms > 0) limits[i] = 3 * ms * 1000
    } else if (c.dependsOn.length > 0) {
      // A derived channel is as fresh as its slowest input.
      limits[i] = Math.max(...c.dependsOn.map((d) => limits[slot.get(d)!]!))
    }
  })
  return limits
}
