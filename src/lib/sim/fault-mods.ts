/**
 * Turns driver faults into changes to a loop's drive plan, on its 0.5 m grid. Where a corner
 * brakes, turns in and unwinds comes from a clean reference loop (a flying lap), so every loop
 * places a fault at the same spot whatever its seeded noise.
 *
 * | fault         | change                                                                       |
 * |---------------|------------------------------------------------------------------------------|
 * | late-brake    | brakes 30 m later, harder than the tyres hold; runs wide: corner speed ×0.98 |
 * | early-brake   | brakes 30 m earlier, gentler                                                 |
 * | coast         | lifts 1.5 s before the braking point (the turn-in if taken flat), no pedal    |
 * | no-trail      | all braking in a straight line, off the brake at turn-in, holds to the apex   |
 * | late-throttle | holds its speed for 1 s where it would go back on the power after the apex  |
 * | timid         | corners at 81 % of the grip (speed ×0.9) from turn-in to unwind               |
 * | over-rev      | shifts up at the vehicle's shift point + 500 rpm                             |
 * | short-shift   | shifts up at the vehicle's shift point − 1500 rpm                            |
 */
import {UsageError} from '../errors.js'
import type {Track} from '../track/model.js'
import {BRAKING_FAULTS, type DriverFault, type DriverFaultKind, label} from './driver-faults.js'

export const FAULT_EFFECT = {
  lateBrakeM: 30,
  lateBrakeMinZoneM: 70,
  lateBrakeCornerSpeed: 0.98,
  earlyBrakeM: 30,
  coastS: 1.5,
  lateThrottleS: 1,
  timidSpeed: 0.9,
  overRevRpm: 500,
  shortShiftRpm: -1500,
} as const

/** Per grid point of one loop (n + 1 points). */
export interface LoopMods {
  /** Braking deceleration factor in the backward pass (1 = as usual). */
  readonly decel: Float32Array
  /** 1: hold speed (no braking, no drag, no acceleration). */
  readonly hold: Uint8Array
  /** 1: no drive force (coasting). */
  readonly coast: Uint8Array
  /** Cornering speed limit factor. */
  readonly limit: Float32Array
  /** Up-shift rpm; 0 = the vehicle's. */
  readonly shiftRpm: Float32Array
}

/** A corner on the loop grid, from the clean reference loop. */
export interface CornerOnGrid {
  readonly apex: number
  readonly turnIn: number
  readonly turnOut: number
  /** The braking run into the corner; -1 when it is taken flat. */
  readonly brakeFrom: number
  readonly brakeTo: number
  /** Where the driver is back on the power (half throttle) after the apex. */
  readonly pickup: number
  /** Its share of the lap: from a quarter of the way after the previous apex to a quarter after its own. */
  readonly zoneFrom: number
  readonly zoneTo: number
  readonly onsetV: number
  readonly apexV: number
}

export interface GridFrame {
  readonly n: number
  readonly ds: number
  readonly startD: number
  readonly startBeforeLineM: number
  readonly kappa: Float64Array
}

export class FaultPlanner {
  private corners: CornerOnGrid[] = []
  private readonly cache = new Map<number, LoopMods | undefined>()

  constructor(
    readonly track: Track,
    readonly faults: readonly DriverFault[],
    private readonly grid: GridFrame,
    private readonly shiftRpm: number,
  ) {}

  /** Places the corners on the grid from a clean flying loop and checks every fault can happen. */
  analyse(clean: {readonly v: Float64Array; readonly brakeBar: Float32Array; readonly throttle: Float32Array}): void {
    const {ds, kappa, n} = this.grid
    const line = this.track.centreline
    const apexes = this.track.corners.map((c) => Math.round(line.wrap(c.distanceM - this.grid.startD) / ds) % n)
    const order = apexes.map((_a, i) => i).sort((a, b) => apexes[a]! - apexes[b]!)
    this.corners = apexes.map((apex, i) => {
      const k = order.indexOf(i)
      const prev = k > 0 ? apexes[order[k - 1]!]! : apexes[order.at(-1)!]! - n
      const next = k < order.length - 1 ? apexes[order[k + 1]!]! : apexes[order[0]!]! + n
      const sign = Math.sign(kappa[apex]!)
      const bent = (j: number): boolean => Math.sign(kappa[j]!) === sign && Math.abs(kappa[j]!) >= 0.1 * Math.abs(kappa[apex]!)
      let turnIn = apex
      while (turnIn > 0 && turnIn > prev && bent(turnIn - 1)) turnIn--
      let turnOut = apex
      while (turnOut < n && turnOut < next && bent(turnOut + 1)) turnOut++
      // Braking into the corner: some braking between 30 m before turn-in and the apex, then its start.
      let brakeTo = apex
      const lookFrom = Math.max(0, prev, turnIn - Math.round(30 / ds))
      while (brakeTo >= lookFrom && !(clean.brakeBar[brakeTo]! > 0)) brakeTo--
      let brakeFrom = -1
      if (brakeTo >= lookFrom) {
        brakeFrom = brakeTo
        while (brakeFrom > Math.max(0, prev) && clean.brakeBar[brakeFrom - 1]! > 0) brakeFrom--
      } else brakeTo = -1
      let pickup = apex
      while (pickup < Math.min(n - 1, next) && !(clean.throttle[pickup]! >= 50)) pickup++
      return {
        apex,
        apexV: clean.v[apex]!,
        brakeFrom,
        brakeTo,
        onsetV: brakeFrom >= 0 ? clean.v[brakeFrom]! : clean.v[turnIn]!,
        pickup,
        turnIn,
        turnOut,
        zoneFrom: Math.max(0, Math.round(prev + (apex - prev) * 0.25)),
        zoneTo: Math.min(n, Math.round(apex + (next - apex) * 0.25)),
      }
    })
    for (const f of this.faults) this.check(f)
  }

  /** The changes loop `index` drives with, or undefined for a clean loop. */
  modsFor(index: number): LoopMods | undefined {
    if (this.faults.length === 0 || index < 0) return undefined
    if (!this.cache.has(index)) {
      this.cache.set(index, this.build(index))
      for (const k of this.cache.keys()) if (this.cache.size > 8) this.cache.delete(k)
    }
    return this.cache.get(index)
  }

  private lapOf(index: number, j: number): number {
    return index + (j * this.grid.ds >= this.grid.startBeforeLineM ? 1 : 0)
  }

  private build(index: number): LoopMods | undefined {
    const {n} = this.grid
    let mods: LoopMods | undefined
    const get = (): LoopMods =>
      (mods ??= {
        coast: new Uint8Array(n + 1),
        decel: new Float32Array(n + 1).fill(1),
        hold: new Uint8Array(n + 1),
        limit: new Float32Array(n + 1).fill(1),
        shiftRpm: new Float32Array(n + 1),
      })
    for (const f of this.faults) {
      if (f.kind === 'over-rev' || f.kind === 'short-shift') {
        const rpm = this.shiftRpm + (f.kind === 'over-rev' ? FAULT_EFFECT.overRevRpm : FAULT_EFFECT.shortShiftRpm)
        const c = f.corner === undefined ? undefined : this.corners[f.corner]!
        for (let j = c ? c.zoneFrom : 0; j <= (c ? c.zoneTo : n); j++) {
          if (f.lap === undefined || this.lapOf(index, j) === f.lap) get().shiftRpm[j] = rpm
        }
        continue
      }
      this.corners.forEach((c, i) => {
        if (f.corner !== undefined && f.corner !== i) return
        if (f.lap !== undefined && this.lapOf(index, c.apex) !== f.lap) return
        if (f.corner === undefined && this.reasonNot(f.kind, c) !== undefined) return
        this.apply(f.kind, c, i, get())
      })
    }
    return mods
  }

  private apply(kind: DriverFaultKind, c: CornerOnGrid, i: number, m: LoopMods): void {
    const {ds} = this.grid
    const fill = <T extends Float32Array | Uint8Array>(a: T, from: number, to: number, value: number): void => {
      a.fill(value, Math.max(0, Math.round(from)), Math.min(a.length, Math.round(to) + 1))
    }
    const prevApex = this.previousApex(i)
    switch (kind) {
      case 'late-brake':
      case 'early-brake': {
        const zone = (c.brakeTo - c.brakeFrom) * ds
        const shift = kind === 'late-brake' ? -FAULT_EFFECT.lateBrakeM : FAULT_EFFECT.earlyBrakeM
        fill(m.decel, Math.max(prevApex, c.brakeFrom - 150 / ds), c.apex, zone / (zone + shift))
        // Arriving hot, the car runs wide: a slower line through the corner.
        if (kind === 'late-brake') fill(m.limit, c.turnIn, c.turnOut, FAULT_EFFECT.lateBrakeCornerSpeed)
        return
      }
      case 'coast': {
        const at = c.brakeFrom >= 0 ? c.brakeFrom : c.turnIn
        fill(m.coast, at - (FAULT_EFFECT.coastS * c.onsetV) / ds, at, 1)
        return
      }
      case 'no-trail':
        fill(m.hold, c.turnIn, c.apex, 1)
        return
      case 'late-throttle':
        fill(m.hold, c.pickup, c.pickup + (FAULT_EFFECT.lateThrottleS * c.apexV) / ds, 1)
        return
      case 'timid':
        fill(m.limit, c.turnIn, c.turnOut, FAULT_EFFECT.timidSpeed)
        return
      default:
        return
    }
  }

  private previousApex(i: number): number {
    const apex = this.corners[i]!.apex
    let best = 0
    for (const c of this.corners) if (c.apex < apex && c.apex > best) best = c.apex
    return best
  }

  /** Why a fault cannot happen at a corner, or undefined when it can. */
  private reasonNot(kind: DriverFaultKind, c: CornerOnGrid): string | undefined {
    if (BRAKING_FAULTS.has(kind) && c.brakeFrom < 0) return 'is taken flat out: there is no braking'
    if (kind === 'late-brake' && (c.brakeTo - c.brakeFrom) * this.grid.ds < FAULT_EFFECT.lateBrakeMinZoneM) {
      return `has a ${Math.round((c.brakeTo - c.brakeFrom) * this.grid.ds)} m braking zone: too short to brake ${FAULT_EFFECT.lateBrakeM} m later`
    }
    return undefined
  }

  private check(f: DriverFault): void {
    if (f.corner === undefined) return
    const why = this.reasonNot(f.kind, this.corners[f.corner]!)
    if (why === undefined) return
    const able = this.corners.map((c, i) => (this.reasonNot(f.kind, c) === undefined ? label(this.track, i) : undefined)).filter((s) => s !== undefined)
    throw new UsageError(`--driver-fault ${f.text}: ${label(this.track, f.corner)} ${why}`, {
      code: 'PW_SIM_FAULT',
      suggestions: [able.length > 0 ? `${f.kind} works at: ${able.join(', ')}` : `no corner of ${this.track.name} allows ${f.kind}`],
    })
  }
}
