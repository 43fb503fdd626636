/**
 * The channels the coach reads, by their canonical names (docs/car-config.md), mapped from the
 * car's channel slots to a small value array, so `observe()` keeps one number per role and
 * never looks a name up.
 */
import type {Car} from '../car/index.js'
import type {HealthLimit} from './config.js'

export const ROLE = {
  rpm: 0,
  speed: 1,
  speedKmh: 2,
  throttle: 3,
  brake: 4,
  gLat: 5,
  gLong: 6,
  gear: 7,
  lat: 8,
  lon: 9,
  tyreFl: 10,
  tyreFr: 11,
  tyreRl: 12,
  tyreRr: 13,
} as const
/** Health limit k reads role HEALTH_BASE + k. */
export const HEALTH_BASE = 14

const NAMES: Record<keyof typeof ROLE, string> = {
  brake: 'brake_bar',
  gLat: 'g_lat',
  gLong: 'g_long',
  gear: 'gear',
  lat: 'lat',
  lon: 'lon',
  rpm: 'rpm',
  speed: 'speed_ms',
  speedKmh: 'speed_kmh',
  throttle: 'throttle_pct',
  tyreFl: 'tpms_temp_fl_c',
  tyreFr: 'tpms_temp_fr_c',
  tyreRl: 'tpms_temp_rl_c',
  tyreRr: 'tpms_temp_rr_c',
}

export class ChannelRoles {
  /** Role of each car channel slot, -1 for channels the coach does not read. */
  readonly roleOf: Int16Array
  readonly count: number
  /** Car channel names the coach reads but the car lacks (the rules that need them stay quiet). */
  readonly missing: readonly string[]
  /** Further roles of a slot beyond `roleOf` (a channel both a role and a health limit). */
  readonly extra = new Map<number, number[]>()

  constructor(car: Pick<Car, 'channels'>, limits: readonly HealthLimit[]) {
    const wanted = new Map<string, number[]>()
    const want = (name: string, role: number): void => {
      wanted.set(name, [...(wanted.get(name) ?? []), role])
    }
    for (const [role, name] of Object.entries(NAMES)) want(name, ROLE[role as keyof typeof ROLE])
    limits.forEach((l, k) => want(l.channel, HEALTH_BASE + k))
    this.count = HEALTH_BASE + limits.length
    this.roleOf = new Int16Array(car.channels.length).fill(-1)
    car.channels.forEach((c, slot) => {
      const roles = wanted.get(c.name)
      if (!roles) return
      this.roleOf[slot] = roles[0]!
      if (roles.length > 1) this.extra.set(slot, roles.slice(1))
    })
    const present = new Set(car.channels.map((c) => c.name))
    this.missing = [...wanted.keys()].filter((n) => !present.has(n) && n !== NAMES.speedKmh)
  }
}
