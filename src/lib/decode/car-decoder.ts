import type {Car, Channel} from '../car/model.js'
import {DATA_STRIDE, type FrameBatch, FrameFlag} from '../can/frame.js'
import {instantiate} from '../formula/index.js'
import type {FormulaInstance} from '../formula/model.js'
import {type ChannelPlan, type CompiledCar, compileCar, type StepPlan} from './compiled-car.js'
import type {MessageDecoder} from './message-decoder.js'

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

/** One formula application bound to channel slots, with this decoder's formula instance. */
interface Step {
  readonly fn: FormulaInstance['evaluate']
  readonly inputs: Int32Array
  readonly args: number[]
}

/** A compiled channel plan with this decoder's steps. */
interface Plan extends Omit<ChannelPlan, 'steps'> {
  readonly steps: readonly Step[]
}

/**
 * Decodes frames into channels with a car compiled ahead of time (`compileCar`, shared by every
 * decoder of the car): per message, a generated decoder for its signals, the pipelines fed by
 * them, and the derived channels downstream in dependency order. This object holds one stream's
 * state: channel values in preallocated arrays (NaN means "no value", null), their times, the
 * formula instances (a `prev` is per stream), and the counts.
 *
 * ID policy: a frame matches a message by numeric ID; only when the DBC has both an 11-bit and a
 * 29-bit message with that number does the frame's extended flag decide.
 */
export class CarDecoder {
  readonly compiled: CompiledCar
  readonly decoders: readonly MessageDecoder[]
  readonly channels: readonly Channel[]
  /** Current value per channel (NaN = null). */
  readonly values: Float64Array
  /** Time (µs) each channel last got a value; NaN before the first. */
  readonly timeUs: Float64Array
  /** Channels the last frame updated, `updatedCount` of them. */
  readonly updated: Int32Array
  updatedCount = 0
  /** Kept by `reset()`: callers add them up across reconnects. */
  readonly stats: DecodeStats = {decoded: 0, frames: 0, short: 0, skipped: 0, unknown: 0}

  private readonly standard: ReadonlyMap<number, number>
  private readonly extended: ReadonlyMap<number, number>
  private readonly direct: Plan[][]
  private readonly downstream: Plan[][]
  private readonly staleAfterUs: Float64Array
  private readonly formulas: FormulaInstance[] = []
  private readonly lastInputs: Float64Array[]
  /** 1 when a channel was nulled for staleness: its next fresh pass must compute, even with inputs unchanged. */
  private readonly nulledStale: Uint8Array

  constructor(readonly car: Car) {
    const compiled = compileCar(car)
    this.compiled = compiled
    this.decoders = compiled.messages.map((m) => m.bind())
    this.standard = compiled.standard
    this.extended = compiled.extended
    this.staleAfterUs = compiled.staleAfterUs
    this.channels = car.channels
    const n = car.channels.length
    this.values = new Float64Array(n).fill(Number.NaN)
    this.timeUs = new Float64Array(n).fill(Number.NaN)
    this.updated = new Int32Array(n)
    this.nulledStale = new Uint8Array(n)
    const plans = compiled.plans.map((p) => ({...p, steps: p.steps.map((step) => this.bindStep(step))}))
    this.lastInputs = plans.map((p) => new Float64Array(p.reads.length).fill(Number.NaN))
    this.direct = compiled.direct.map((slots) => slots.map((c) => plans[c]!))
    this.downstream = compiled.downstream.map((slots) => slots.map((c) => plans[c]!))
  }

  /** Back to the state of a fresh decoder of the same car (no values, formula state cleared), without compiling again; `stats` are kept. */
  reset(): void {
    this.values.fill(Number.NaN)
    this.timeUs.fill(Number.NaN)
    this.updated.fill(0)
    this.updatedCount = 0
    for (const last of this.lastInputs) last.fill(Number.NaN)
    this.nulledStale.fill(0)
    for (const formula of this.formulas) formula.reset()
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

  // Instantiating binds params to the formula compiled at load: cheap, no code generated.
  private bindStep(step: StepPlan): Step {
    const instance = instantiate(step.use.formula, step.use.params)
    this.formulas.push(instance)
    return {args: Array.from({length: step.inputs.length}, () => 0), fn: instance.evaluate, inputs: step.inputs}
  }

  private store(channel: number, value: number, now: number): void {
    this.values[channel] = Number.isFinite(value) ? value : Number.NaN
    this.timeUs[channel] = now
    this.updated[this.updatedCount++] = channel
  }
}
