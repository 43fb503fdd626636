import {HEALTH_BASE} from '../channels.js'
import type {CoachConfig} from '../config.js'
import {brakeEarly, brakeLate, trailBrake} from './braking.js'
import {CoastingRule} from './coasting.js'
import {gripUsage} from './grip.js'
import {HealthRule} from './health.js'
import type {Rule} from './rule.js'
import {OverRevRule, shortShift} from './shifting.js'
import {throttleExit} from './throttle.js'

export type {Rule, RuleContext, RuleEvent, RuleHit, ShiftInfo} from './rule.js'
export {brakePointDelta} from './braking.js'
export {unitOf} from './health.js'

/** The rule set for a configuration: technique rules, then one health rule per limit. Stateful rules are fresh per call. */
export function defaultRules(config: CoachConfig): Rule[] {
  return [
    brakeLate,
    brakeEarly,
    trailBrake,
    new CoastingRule(),
    throttleExit,
    gripUsage,
    new OverRevRule(),
    shortShift,
    ...config.limits.map((limit, k) => new HealthRule(limit, HEALTH_BASE + k)),
  ]
}
