import {instantiate} from '../formula/index.js'
import type {FormulaInstance} from '../formula/model.js'
import type {Car, Channel, SignalRef} from './model.js'

const key = (ref: SignalRef): string => `${ref.message.name}.${ref.signal.name}`

interface Plan {
  readonly channel: Channel
  readonly sourceKey?: string
  readonly steps: ReadonlyArray<{instance: FormulaInstance; inputs: ReadonlyArray<string | undefined>}>
}

/**
 * Evaluates a car's channels from physical DBC signal values, one instant at a time. This is
 * the plain reference semantics of the car file (tests and tools); the ingest hot path uses the
 * decoder compiled per CAN ID, and is checked against this.
 */
export class ChannelEvaluator {
  private readonly plans: Plan[]

  constructor(readonly car: Car) {
    this.plans = car.channels.map((channel) => ({
      channel,
      ...(channel.source ? {sourceKey: key(channel.source)} : {}),
      steps: channel.steps.map((use) => ({inputs: use.inputs, instance: instantiate(use.formula, use.params)})),
    }))
  }

  /**
   * @param signals physical values keyed `Message.signal`
   * @returns every channel that could be computed; null where a formula gave no value (NaN, ±inf)
   */
  evaluate(signals: ReadonlyMap<string, number>): Map<string, number | null> {
    const out = new Map<string, number | null>()
    for (const plan of this.plans) {
      const {channel} = plan
      // Pipelines carry a value from their source; derived channels and methods only read named inputs.
      let value: number | null | undefined =
        plan.sourceKey !== undefined ? signals.get(plan.sourceKey) : channel.fromChannel === undefined ? Number.NaN : out.get(channel.fromChannel)
      if (value === undefined || value === null) continue
      let complete = true
      for (const step of plan.steps) {
        const args: number[] = []
        for (const input of step.inputs) {
          const v = input === undefined ? value : out.get(input)
          if (v === undefined) complete = false
          args.push(v === undefined || v === null ? Number.NaN : v)
        }
        value = step.instance.evaluate(...args)
      }
      // A channel whose inputs were never seen has no reading yet: absent, not null.
      if (complete) out.set(channel.name, Number.isFinite(value) ? value : null)
    }
    return out
  }
}
