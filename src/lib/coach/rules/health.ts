/**
 * Car health against the car file's limits: one rule per limit (`health:water_temp_c`), crossed
 * for health_hold_s before it speaks, then at most once per health_repeat_s.
 */
import {ROLE} from '../channels.js'
import {type HealthLimit, interpolate} from '../config.js'
import type {CuePriority} from '../types.js'
import {int, type Rule, type RuleContext, type RuleHit} from './rule.js'

/** What each known channel's trouble means for the driver. */
const ADVICE: Record<string, {readonly priority: CuePriority; readonly high?: string; readonly low?: string; readonly unit: string}> = {
  battery_v: {low: 'charging fault? Watch the dash, box if it keeps falling', priority: 'medium', unit: 'V'},
  engine_oil_temp_c: {high: 'short-shift and find clean air', priority: 'high', unit: '°C'},
  fuel_l: {low: 'box this lap', priority: 'high', unit: 'L'},
  oil_filter_temp_c: {high: 'short-shift and find clean air', priority: 'high', unit: '°C'},
  oil_press_bar: {low: 'lift and box now', priority: 'critical', unit: 'bar'},
  water_temp_c: {high: 'short-shift, find clean air, box if it keeps climbing', priority: 'high', unit: '°C'},
}

/** The unit a known health channel is shown in ('' for others). */
export const unitOf = (channel: string): string => ADVICE[channel]?.unit ?? ''

export class HealthRule implements Rule {
  readonly category = 'health'
  readonly events = ['tick'] as const
  readonly name: string
  readonly description: string
  readonly dedupe = 'none'
  private sinceUs = Number.NaN
  private lastUs = Number.NaN

  constructor(
    readonly limit: HealthLimit,
    private readonly role: number,
  ) {
    this.name = `health:${limit.channel}`
    const bounds = [limit.min === undefined ? '' : `below ${limit.min}`, limit.max === undefined ? '' : `above ${limit.max}`, limit.minAtRpm ? 'below its minimum at the rpm' : '']
    this.description = `${limit.label} ${bounds.filter(Boolean).join(' or ')}`
  }

  check(_e: 'tick', ctx: RuleContext): RuleHit | undefined {
    const value = ctx.value(this.role)
    const {min, max, minAtRpm} = this.limit
    let floor = min
    if (minAtRpm) {
      const rpm = ctx.value(ROLE.rpm)
      // Oil pressure is only judged with the engine running.
      if (rpm > 500) floor = Math.max(floor ?? Number.NEGATIVE_INFINITY, interpolate(minAtRpm, rpm))
    }
    const high = max !== undefined && value > max
    const low = floor !== undefined && value < floor
    if (Number.isNaN(value) || !(high || low)) {
      this.sinceUs = Number.NaN
      return undefined
    }
    if (Number.isNaN(this.sinceUs)) this.sinceUs = ctx.tUs
    const t = ctx.config.thresholds
    if (ctx.tUs - this.sinceUs < t.health_hold_s * 1e6 || ctx.tUs - this.lastUs < t.health_repeat_s * 1e6) return undefined
    this.lastUs = ctx.tUs
    return this.hit(value, high ? max! : floor!, high, ctx)
  }

  private hit(value: number, bound: number, high: boolean, ctx: RuleContext): RuleHit {
    const advice = ADVICE[this.limit.channel]
    const unit = advice?.unit ?? ''
    const digits = Math.max(Math.abs(bound) < 20 ? 1 : 0, (String(bound).split('.')[1] ?? '').length)
    const v = `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`
    const b = `${bound.toFixed(digits)}${unit ? ` ${unit}` : ''}`
    const rpm = this.limit.minAtRpm && !high ? ` at ${int(ctx.value(ROLE.rpm))} rpm` : ''
    const what = high ? `over the ${b} limit` : `below the ${b} minimum`
    const todo = (high ? advice?.high : advice?.low) ?? 'watch it'
    const label = this.limit.label.charAt(0).toUpperCase() + this.limit.label.slice(1)
    return {
      message: `${label} ${v}${rpm}, ${what}: ${todo}.`,
      metrics: {value: Math.round(value * 100) / 100, limit: bound},
      priority: advice?.priority ?? 'high',
      say: `${label} ${high ? 'high' : 'low'}, ${value.toFixed(digits)}.`,
    }
  }
}
