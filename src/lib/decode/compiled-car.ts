import type {Car, Channel, FormulaUse} from '../car/index.js'
import {type CompiledMessage, compileMessage} from './message-decoder.js'

/** One formula application of a channel, with its inputs resolved to channel slots. */
export interface StepPlan {
  readonly use: FormulaUse
  /** Channel slot of each input; -1 is the value flowing through a pipeline. */
  readonly inputs: Int32Array
}

/** How one channel is computed, in channel slots. */
export interface ChannelPlan {
  readonly channel: number
  /** Signal slot in the message decoder, for channels fed by a DBC signal, else -1. */
  readonly signal: number
  /** Channel slot a chained pipeline starts from, else -1. */
  readonly fromChannel: number
  readonly steps: readonly StepPlan[]
  /** Channels read (derived and chained): for change and staleness checks. */
  readonly reads: Int32Array
}

/**
 * Everything about decoding a car that does not depend on the stream: the generated message
 * decoders, the channel plans, and per message which channels it feeds directly and downstream.
 * Built once per `Car` object by `compileCar` and shared by every `CarDecoder` of that car.
 * Nothing here changes after compiling; the per-stream state lives in `CarDecoder`.
 */
export interface CompiledCar {
  readonly car: Car
  readonly messages: readonly CompiledMessage[]
  /** Message index by numeric ID, for 11-bit and 29-bit messages. */
  readonly standard: ReadonlyMap<number, number>
  readonly extended: ReadonlyMap<number, number>
  /** One plan per channel, indexed by channel slot. */
  readonly plans: readonly ChannelPlan[]
  /** Per message: the channel slots its signals feed, in channel order. */
  readonly direct: ReadonlyArray<readonly number[]>
  /** Per message: the channel slots reachable from its direct channels, in evaluation order. */
  readonly downstream: ReadonlyArray<readonly number[]>
  /** Staleness limit per channel: 3 × its cycle time, in µs (Infinity when unknown). Read only. */
  readonly staleAfterUs: Float64Array
}

// Keyed by the Car object: a car loaded again (edited file, other formulas) is compiled again.
const compiled = new WeakMap<Car, CompiledCar>()

/** The compiled form of a car, built on first use and cached for the life of the `Car` object. */
export function compileCar(car: Car): CompiledCar {
  let found = compiled.get(car)
  if (!found) {
    found = build(car)
    compiled.set(car, found)
  }
  return found
}

function build(car: Car): CompiledCar {
  const messages = car.dbc.messages
  const standard = new Map<number, number>()
  const extended = new Map<number, number>()
  messages.forEach((m, i) => (m.extended ? extended : standard).set(m.id, i))
  const slot = new Map(car.channels.map((c, i) => [c.name, i]))
  const plans = car.channels.map((c, i) => planFor(c, i, slot))
  const direct = messages.map((m) => plans.filter((p) => car.channels[p.channel]!.source?.message === m).map((p) => p.channel))
  return {
    car,
    direct,
    downstream: direct.map((channels) => downstreamOf(channels, car.channels, slot)),
    extended,
    messages: messages.map(compileMessage),
    plans,
    staleAfterUs: staleLimits(car, slot),
    standard,
  }
}

function planFor(channel: Channel, index: number, slot: ReadonlyMap<string, number>): ChannelPlan {
  const signal = channel.source ? channel.source.message.signals.indexOf(channel.source.signal) : -1
  const fromChannel = channel.fromChannel === undefined ? -1 : slot.get(channel.fromChannel)!
  const steps = channel.steps.map((use) => ({inputs: Int32Array.from(use.inputs, (name) => (name === undefined ? -1 : slot.get(name)!)), use}))
  const reads = channel.source ? [] : [...new Set(channel.dependsOn.map((d) => slot.get(d)!))]
  return {channel: index, fromChannel, reads: Int32Array.from(reads), signal, steps}
}

// Every channel reachable from a message's direct channels, in the car's (topological) order.
function downstreamOf(direct: readonly number[], channels: readonly Channel[], slot: ReadonlyMap<string, number>): number[] {
  const reached = new Set(direct)
  const out: number[] = []
  channels.forEach((channel, i) => {
    if (channel.source || reached.has(i)) return
    if (channel.dependsOn.some((d) => reached.has(slot.get(d)!))) {
      reached.add(i)
      out.push(i)
    }
  })
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
