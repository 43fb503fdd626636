/**
 * A rule: a name, the events it looks at, and a check that returns what it found (or nothing).
 * The engine (src/lib/coach/rule-engine.ts) keeps the live values and the corner records, calls
 * each rule on its events, and turns a hit into a Finding and a cue, at most once per corner
 * and lap unless the rule says otherwise (`dedupe`).
 */
import type {CoachConfig} from '../config.js'
import type {CornerInfo} from '../corners.js'
import type {CornerPass} from '../lap-record.js'
import type {CueCategory, CuePriority} from '../types.js'

/**
 * - `tick`: every ~10 ms of data;
 * - `brake-on` / `brake-off`: a stop began / the brake was let go (the corner is the one braked for);
 * - `pickup`: the throttle reached the pick-up level after an apex (or never did within 5 s);
 * - `core-end`: the car left the window around an apex;
 * - `upshift`: the gear went up by one.
 */
export type RuleEvent = 'tick' | 'brake-on' | 'brake-off' | 'pickup' | 'core-end' | 'upshift'

/** The up-shift an `upshift` event is about. */
export interface ShiftInfo {
  from: number
  to: number
  /** Highest rpm in the gear it left. */
  peakRpm: number
  /** Throttle just before the shift, %. */
  throttle: number
}

/** What a rule sees; one object, updated in place by the engine. */
export interface RuleContext {
  readonly config: CoachConfig
  tUs: number
  /** Seconds since the previous tick. */
  dt: number
  lap: number | null
  /** NaN when the position on the lap is unknown. */
  lapDistM: number
  /** m/s; NaN when unknown (so are the others). */
  v: number
  throttle: number
  brake: number
  gLat: number
  gLong: number
  gComb: number
  rpm: number
  gear: number
  /** The corner the event is about (ticks and up-shifts: the corner whose share of the lap the car is in). */
  corner: CornerInfo | undefined
  /** This lap's and the best lap's record of that corner. */
  pass: CornerPass | undefined
  best: CornerPass | undefined
  shift: ShiftInfo
  /** The value of a role (channels.ts), NaN when unknown. */
  value(role: number): number
}

export interface RuleHit {
  readonly priority: CuePriority
  /** Race-engineer message. */
  readonly message: string
  /** Spoken cue. */
  readonly say: string
  readonly metrics: Readonly<Record<string, number>>
}

export interface Rule {
  /** Kebab-case, stable: stored in coaching_notes.rule. */
  readonly name: string
  readonly category: CueCategory
  /** One line for docs and prompts. */
  readonly description: string
  readonly events: readonly RuleEvent[]
  /** At most one hit per corner per lap (default), per lap, or no limit (the rule limits its own repeats). */
  readonly dedupe?: 'corner' | 'lap' | 'none'
  check(event: RuleEvent, ctx: RuleContext): RuleHit | undefined
}

/** `1,234` */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US')
/** `3rd` */
export function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')
  return `${n}${s}`
}
/** Where a finding is: `into Hairpin` / `out of Hairpin` / `` without a corner. */
export const into = (ctx: RuleContext): string => (ctx.corner ? ` into ${ctx.corner.name}` : '')
export const outOf = (ctx: RuleContext): string => (ctx.corner ? ` out of ${ctx.corner.name}` : '')
