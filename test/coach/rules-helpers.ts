import type {Car} from '../../src/lib/car/index.js'
import {type CoachConfig, coachConfig, type Finding, RuleEngine} from '../../src/lib/coach/index.js'
import type {Track} from '../../src/lib/track/index.js'
import {drive} from './helpers.js'

/** Every finding of a simulated run through the whole live path, and the laps it closed. */
export function findingsOf(car: Car, track: Track, options: {seed?: number; laps: number; faults?: string}, config: CoachConfig = coachConfig(car)): {findings: Finding[]; laps: number[]} {
  const findings: Finding[] = []
  const laps: number[] = []
  const engine = new RuleEngine({car, config, listener: {finding: (f) => findings.push(f), lap: (rec) => laps.push(rec.lap)}, track})
  drive(car, track, (s, laps) => engine.observe(s, laps), options)
  return {findings, laps}
}

export const describeFinding = (f: Finding): string => `lap ${f.lap} ${f.corner?.name ?? '-'} ${f.rule}: ${f.message}`
