/**
 * The rule coach's live path: decoded samples in, findings out. `observe()` keeps one value per
 * channel the coach reads; at the end of each frame it updates the position (GPS → lap distance
 * → corner) and, every `tickUs` of data, records the lap profile, follows braking, apexes,
 * throttle pick-up and gears, and asks the rules. No allocation per sample or tick; findings,
 * laps and sectors are rare and allocate.
 *
 * Laps are not timed here: the live path's one lap tracker times them, and its events come in with
 * the samples they were found in (`observe(samples, laps)`), each applied at the frame of the fix
 * that revealed it.
 */
import type {Car} from '../car/index.js'
import type {SampleBatch} from '../decode/index.js'
import {GPS_CHANNELS, type LapEvent, NO_LAP_EVENTS, type TimedLapEvent, type Track} from '../track/index.js'
import {BrakeTracker} from './brake-tracker.js'
import {ChannelRoles, ROLE} from './channels.js'
import type {CoachConfig} from './config.js'
import {CornerMap} from './corners.js'
import {findingOf} from './finding.js'
import {GearTracker} from './gear-tracker.js'
import {type CornerPass, LapRecord, type SectorAcc} from './lap-record.js'
import {TrackPosition} from './position.js'
import {defaultRules, type Rule, type RuleContext, type RuleEvent} from './rules/index.js'
import type {Finding} from './types.js'

export interface EngineListener {
  finding?(finding: Finding): void
  /** A sector ended (0-based index into `record.sectors`). */
  sector?(record: LapRecord, sector: number): void
  /** A lap ended; `bestBefore` is the reference it was driven against. */
  lap?(record: LapRecord, bestBefore: LapRecord | undefined): void
}

export interface RuleEngineOptions {
  readonly car: Pick<Car, 'channels'>
  readonly config: CoachConfig
  /** Without a track there is no position: only the rules that need none run. */
  readonly track?: Track
  /** The track's corner map, when another engine already built it (it never changes). */
  readonly corners?: CornerMap
  readonly rules?: readonly Rule[]
  /** The best lap to compare with. Default: the best valid lap this engine saw. */
  readonly reference?: () => LapRecord | undefined
  /** Data time between rule ticks, µs. Default 10,000. */
  readonly tickUs?: number
  readonly listener?: EngineListener
}

/** Throttle that counts as "on the throttle" for sector time-on-throttle, %. */
const FULL_THROTTLE_PCT = 90
/** Mid-corner grip counts this long after the brake is off. */
const OFF_BRAKE_US = 100_000
/** No pick-up within this after the apex: judged as it stands. */
const PICKUP_GIVE_UP_US = 5_000_000

export class RuleEngine {
  readonly roles: ChannelRoles
  readonly values: Float64Array
  readonly corners: CornerMap | undefined
  readonly rules: readonly Rule[]
  /** The lap being driven, once the position is known. */
  current: LapRecord | undefined
  best: LapRecord | undefined
  last: LapRecord | undefined
  lastSampleUs = Number.NaN
  findings = 0
  private readonly position: TrackPosition | undefined
  /** Laps the lap tracker closed so far: the number of the lap being driven. */
  private lapsClosed = 0
  private laps: readonly TimedLapEvent[] = NO_LAP_EVENTS
  private nextLap = 0
  private readonly sectorCount: number
  private readonly byEvent = new Map<RuleEvent, Rule[]>()
  private readonly ctx: RuleContext
  private readonly reference: () => LapRecord | undefined
  private readonly tickUs: number
  private readonly latSlot: number
  private readonly lonSlot: number
  private frameUs = Number.NaN
  private latUs = Number.NaN
  private lonUs = Number.NaN
  private lastTickUs = Number.NaN
  private lastNext = -1
  private zone = -1
  private corePass: CornerPass | undefined
  private coreIdx = -1
  private readonly brakes = new BrakeTracker()
  private brakeIdx = -1
  private brakePass: CornerPass | undefined
  private pickupPass: CornerPass | undefined
  private pickupIdx = -1
  private readonly gears = new GearTracker()
  private fired = new Set<string>()
  private seq = 0

  constructor(readonly options: RuleEngineOptions) {
    const {car, config, track} = options
    this.roles = new ChannelRoles(car, config.limits)
    this.values = new Float64Array(this.roles.count).fill(Number.NaN)
    this.rules = options.rules ?? defaultRules(config)
    for (const rule of this.rules) for (const e of rule.events) this.byEvent.set(e, [...(this.byEvent.get(e) ?? []), rule])
    this.tickUs = options.tickUs ?? 10_000
    this.reference = options.reference ?? (() => this.best)
    this.latSlot = car.channels.findIndex((c) => c.name === GPS_CHANNELS.lat)
    this.lonSlot = car.channels.findIndex((c) => c.name === GPS_CHANNELS.lon)
    this.sectorCount = track ? track.sectors.length + 1 : 1
    if (track) {
      this.corners = options.corners?.track === track ? options.corners : new CornerMap(track)
      this.position = new TrackPosition(track)
    }
    const values = this.values
    this.ctx = {
      best: undefined,
      brake: Number.NaN,
      config,
      corner: undefined,
      dt: 0,
      gComb: Number.NaN,
      gear: Number.NaN,
      gLat: Number.NaN,
      gLong: Number.NaN,
      lap: null,
      lapDistM: Number.NaN,
      pass: undefined,
      rpm: Number.NaN,
      shift: this.gears.shift,
      throttle: Number.NaN,
      tUs: 0,
      v: Number.NaN,
      value: (role) => values[role]!,
    }
  }

  /** Lap distance at the last tick, NaN when unknown. */
  get lapDistM(): number {
    return this.ctx.lapDistM
  }

  /** Decoded samples, in time order, as the live path decodes them, with the lap events the lap tracker found in them. */
  observe(samples: SampleBatch, laps: readonly TimedLapEvent[] = NO_LAP_EVENTS): void {
    this.laps = laps
    this.nextLap = 0
    const {roleOf, extra} = this.roles
    const n = samples.length
    for (let i = 0; i < n; i++) {
      const t = samples.timestampUs[i]!
      if (t !== this.frameUs) {
        if (!Number.isNaN(this.frameUs)) this.endFrame(this.frameUs)
        this.frameUs = t
      }
      const slot = samples.channel[i]!
      const value = samples.value[i]!
      if (slot === this.latSlot) this.latUs = t
      else if (slot === this.lonSlot) this.lonUs = t
      const role = slot < roleOf.length ? roleOf[slot]! : -1
      if (role < 0) continue
      this.values[role] = value
      const more = extra.size > 0 ? extra.get(slot) : undefined
      if (more) for (const r of more) this.values[r] = value
    }
    // A frame's samples never span two batches: finish the last one now.
    if (!Number.isNaN(this.frameUs)) this.endFrame(this.frameUs)
    this.frameUs = Number.NaN
    // Events of fixes this engine has not seen as frames (none in the live path): in order, now.
    this.applyLaps(Number.POSITIVE_INFINITY)
    this.laps = NO_LAP_EVENTS
  }

  /** A position given directly (seed 001 points carry `lap` and `lapdist_m`), for the values observed next. */
  setPosition(tUs: number, lap: number | undefined, lapDistM: number): void {
    if (!this.position || !this.corners) return
    const cur = this.current
    const wrapped = cur !== undefined && !Number.isNaN(this.position.fixM) && lapDistM < this.position.fixM - this.corners.lapLength / 2
    const next = lap ?? (cur ? cur.lap + (wrapped ? 1 : 0) : 0)
    if (cur && next !== cur.lap) this.closeLap(cur, Math.round((tUs - cur.startUs) / 1000), false, tUs, next)
    this.position.set(tUs, lapDistM)
    this.current ??= this.newRecord(next, tUs)
  }

  private endFrame(tUs: number): void {
    this.lastSampleUs = tUs
    if (this.latUs === tUs && this.lonUs === tUs && this.position) {
      const lat = this.values[ROLE.lat]!
      const lon = this.values[ROLE.lon]!
      this.position.fix(tUs, lat, lon)
    }
    this.applyLaps(tUs)
    if (this.latUs === tUs && this.lonUs === tUs && this.position && !this.current && !Number.isNaN(this.position.fixM)) {
      this.current = this.newRecord(this.lapsClosed, tUs)
    }
    if (Number.isNaN(this.lastTickUs) || tUs - this.lastTickUs >= this.tickUs) this.tick(tUs)
  }

  private tick(tUs: number): void {
    const c = this.ctx
    const vals = this.values
    const th = c.config.thresholds
    c.dt = Number.isNaN(this.lastTickUs) ? 0 : Math.min(0.5, (tUs - this.lastTickUs) / 1e6)
    this.lastTickUs = tUs
    c.tUs = tUs
    const v = Number.isNaN(vals[ROLE.speed]!) ? vals[ROLE.speedKmh]! / 3.6 : vals[ROLE.speed]!
    c.v = v
    c.throttle = vals[ROLE.throttle]!
    c.brake = vals[ROLE.brake]!
    c.gLat = vals[ROLE.gLat]!
    c.gLong = vals[ROLE.gLong]!
    c.gComb = Math.hypot(Number.isNaN(c.gLat) ? 0 : c.gLat, Number.isNaN(c.gLong) ? 0 : c.gLong)
    c.rpm = vals[ROLE.rpm]!
    c.gear = vals[ROLE.gear]!
    const rec = this.current
    c.lap = rec ? rec.lap : null
    const d = this.position && rec ? this.position.at(tUs, v) : Number.NaN
    c.lapDistM = d
    const map = this.corners
    if (rec && map && map.corners.length > 0 && !Number.isNaN(d)) {
      rec.record(d, tUs, v, c.throttle, c.brake, c.gComb)
      this.cornerTick(rec, map, d, tUs)
    } else this.zone = -1
    if (rec) this.sectorTick(rec.sectors[rec.sector])
    this.brakeTick(rec, map, d, tUs, th.brake_on_bar, th.min_speed_kmh)
    this.pickupTick(tUs, th.throttle_pickup_pct)
    if (this.gears.update(tUs, c.gear, c.rpm, c.throttle)) this.emit('upshift', this.zone, rec?.corners[this.zone])
    this.emit('tick', this.zone, rec?.corners[this.zone])
  }

  private cornerTick(rec: LapRecord, map: CornerMap, d: number, tUs: number): void {
    const c = this.ctx
    const zone = map.zoneAt(d)
    if (zone !== this.zone && this.zone >= 0) this.leaveZone(rec.corners[this.zone])
    this.zone = zone
    const pass = rec.corners[zone]!
    if (c.v < pass.minV) {
      pass.minV = c.v
      pass.minVM = d
    }
    pass.addTyreLoad(c, c.config.vehicle)
    const next = map.nextAt(d)
    if (this.lastNext >= 0 && next !== this.lastNext) this.apexPassed(rec.corners[this.lastNext]!, this.lastNext, tUs)
    this.lastNext = next
    const apex = map.corners[zone]!.apexM
    const off = Math.min(Math.abs(d - apex), Math.abs(d - apex + map.lapLength), Math.abs(d - apex - map.lapLength))
    const inCore = off <= c.config.thresholds.core_m
    if (this.corePass && (!inCore || this.coreIdx !== zone)) {
      this.emit('core-end', this.coreIdx, this.corePass)
      this.corePass = undefined
    }
    if (inCore) {
      this.corePass = pass
      this.coreIdx = zone
      // Mid-corner grip: off the brakes a moment (under braking every lap uses it all; g and pressure come in different frames).
      if (tUs - this.brakes.offSinceUs >= OFF_BRAKE_US && !Number.isNaN(c.gLat)) pass.addCore(c.gComb, c.dt)
    }
  }

  private leaveZone(pass: CornerPass | undefined): void {
    if (!pass) return
    for (let w = 0; w < 4; w++) pass.tyreTemp[w] = this.values[ROLE.tyreFl + w]!
  }

  private sectorTick(acc: SectorAcc | undefined): void {
    const c = this.ctx
    if (!acc) return
    if (c.v < acc.minV) acc.minV = c.v
    if (c.gComb > acc.peakG) acc.peakG = c.gComb
    if (c.throttle >= FULL_THROTTLE_PCT) acc.throttleS += c.dt
    if (c.brake >= c.config.thresholds.brake_on_bar) acc.brakeS += c.dt
  }

  private brakeTick(rec: LapRecord | undefined, map: CornerMap | undefined, d: number, tUs: number, on: number, minKmh: number): void {
    const event = this.brakes.update(tUs, this.ctx.brake, this.ctx.v, on, minKmh)
    if (event === 'on') {
      this.brakePass = undefined
      if (!rec || !map || map.corners.length === 0 || Number.isNaN(d)) return
      const k = map.nextAt(d)
      // Braking for a corner beyond the line belongs to the next lap: not judged.
      if (k === 0 && d > map.corners[0]!.apexM) return
      const pass = rec.corners[k]!
      if (!Number.isNaN(pass.onsetM)) return
      this.brakeIdx = k
      this.brakePass = pass
      pass.onsetM = d
      pass.onsetV = this.ctx.v
      this.emit('brake-on', k, pass)
      return
    }
    const pass = this.brakePass
    if (event !== 'off' || !pass || !Number.isNaN(pass.releaseM)) return
    pass.peakBrake = this.brakes.peak
    pass.releasePct = (100 * this.brakes.releaseFrom) / this.brakes.peak
    pass.releaseM = d
    this.emit('brake-off', this.brakeIdx, pass)
  }

  private apexPassed(pass: CornerPass, k: number, tUs: number): void {
    if (this.pickupPass) this.pickupDone(tUs)
    pass.apexUs = tUs
    pass.apexV = this.ctx.v
    pass.apexGear = this.ctx.gear
    this.pickupPass = pass
    this.pickupIdx = k
  }

  private pickupTick(tUs: number, pickupPct: number): void {
    const pass = this.pickupPass
    if (pass && (this.ctx.throttle >= pickupPct || tUs - pass.apexUs > PICKUP_GIVE_UP_US || this.brakes.braking)) this.pickupDone(tUs)
  }

  private pickupDone(tUs: number): void {
    const pass = this.pickupPass!
    this.pickupPass = undefined
    pass.pickupS = (tUs - pass.apexUs) / 1e6
    this.emit('pickup', this.pickupIdx, pass)
  }

  private emit(event: RuleEvent, corner: number, pass: CornerPass | undefined): void {
    const rules = this.byEvent.get(event)
    if (!rules) return
    const c = this.ctx
    c.corner = corner >= 0 ? this.corners?.corners[corner] : undefined
    c.pass = pass
    c.best = corner >= 0 ? this.reference()?.corners[corner] : undefined
    for (const rule of rules) {
      const hit = rule.check(event, c)
      if (!hit) continue
      const scope = rule.dedupe ?? 'corner'
      if (scope !== 'none') {
        const key = scope === 'lap' ? rule.name : `${rule.name}|${corner}`
        if (this.fired.has(key)) continue
        this.fired.add(key)
      }
      const finding = findingOf(rule, hit, c, ++this.seq)
      this.findings++
      this.current?.findings.push(finding)
      this.options.listener?.finding?.(finding)
    }
  }

  /** The lap events of fixes up to `tUs`, in order. */
  private applyLaps(tUs: number): void {
    const laps = this.laps
    while (this.nextLap < laps.length && !(laps[this.nextLap]!.fixUs > tUs)) this.lapEvent(laps[this.nextLap++]!.event)
  }

  private lapEvent(e: LapEvent): void {
    if (e.kind === 'lap') this.lapsClosed = e.lap.lap + 1
    const rec = this.current
    if (!rec) return
    if (e.kind === 'sector') {
      const acc = rec.sectors[e.sector - 1]
      if (e.lap !== rec.lap || !acc) return
      acc.timeMs = e.timeMs
      rec.sector = e.sector
      this.options.listener?.sector?.(rec, e.sector - 1)
      return
    }
    this.closeLap(rec, e.lap.lapTimeMs, e.lap.valid, e.lap.endUs ?? this.frameUs, e.lap.lap + 1)
  }

  private closeLap(rec: LapRecord, lapTimeMs: number | null, valid: boolean, endUs: number, next: number): void {
    rec.lapTimeMs = lapTimeMs
    rec.valid = valid
    if (this.zone >= 0) this.leaveZone(rec.corners[this.zone])
    const bestBefore = this.reference()
    if (valid && lapTimeMs !== null && (!this.best || lapTimeMs < this.best.lapTimeMs!)) this.best = rec
    this.last = rec
    this.current = this.newRecord(next, endUs)
    this.fired.clear()
    this.options.listener?.lap?.(rec, bestBefore)
  }

  private newRecord(lap: number, startUs: number): LapRecord {
    const map = this.corners
    return new LapRecord(lap, startUs, map ? map.bins : 1, map ? map.corners.length : 0, this.sectorCount)
  }
}
