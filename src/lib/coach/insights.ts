/**
 * Insights built at sector and lap boundaries from what the engine accumulated on the way (so
 * the live path only adds and compares): per-sector aggregation against the best lap, and per
 * corner the minimum speed, grip used, brake point and the tyre-load estimate.
 */
import type {CornerMap} from './corners.js'
import type {CornerPass, LapRecord, SectorAcc} from './lap-record.js'
import type {CornerInsight, Finding, InsightUpdate, LapInsight, SectorInsight, TyreLoad} from './types.js'

const r1 = (n: number): number => Math.round(n * 10) / 10
const r2 = (n: number): number => Math.round(n * 100) / 100
const finite = (n: number, f: (n: number) => number): number | null => (Number.isFinite(n) ? f(n) : null)
const kmh = (v: number): number | null => finite(v * 3.6, r1)

export function sectorInsight(acc: SectorAcc, sector: number, best: SectorAcc | undefined): SectorInsight {
  const bestMs = best?.timeMs ?? null
  return {
    best_min_speed_kmh: best ? kmh(best.minV) : null,
    best_ms: bestMs,
    best_peak_g: best && best.peakG > 0 ? r2(best.peakG) : null,
    brake_s: r1(acc.brakeS),
    delta_ms: acc.timeMs !== null && bestMs !== null ? acc.timeMs - bestMs : null,
    min_speed_kmh: kmh(acc.minV),
    peak_g: acc.peakG > 0 ? r2(acc.peakG) : null,
    sector: sector + 1,
    throttle_s: r1(acc.throttleS),
    time_ms: acc.timeMs,
  }
}

function tyre(pass: CornerPass, w: number): TyreLoad {
  return {energy_kj: r1(pass.energyJ[w]! / 1000), load_peak: r2(pass.loadPeak[w]!), temp_c: finite(pass.tyreTemp[w]!, r1)}
}

export function cornerInsight(pass: CornerPass, map: CornerMap, k: number): CornerInsight {
  const c = map.corners[k]!
  return {
    brake_before_m: Number.isNaN(pass.onsetM) ? null : Math.round(c.apexM - pass.onsetM),
    corner: c.name,
    min_speed_kmh: kmh(pass.minV),
    number: c.number ?? null,
    peak_g: pass.coreG > 0 ? r2(pass.coreG) : null,
    tyres: {fl: tyre(pass, 0), fr: tyre(pass, 1), rl: tyre(pass, 2), rr: tyre(pass, 3)},
  }
}

export function lapInsight(rec: LapRecord, best: LapRecord | undefined, map: CornerMap | undefined): LapInsight {
  const findings: Record<string, number> = {}
  for (const f of rec.findings) findings[f.rule] = (findings[f.rule] ?? 0) + 1
  const bestMs = best?.lapTimeMs ?? null
  return {
    best_lap: best?.lap ?? null,
    best_ms: bestMs,
    corners: map ? rec.corners.map((p, k) => cornerInsight(p, map, k)) : [],
    delta_ms: rec.lapTimeMs !== null && bestMs !== null ? rec.lapTimeMs - bestMs : null,
    findings,
    lap_time_ms: rec.lapTimeMs,
    sectors: rec.sectors.map((acc, k) => sectorInsight(acc, k, best?.sectors[k])),
    valid: rec.valid,
  }
}

export function cueUpdate(f: Finding): InsightUpdate {
  return {
    coach_source: 'rule',
    corner: f.corner?.name ?? null,
    cue: f.cue,
    kind: 'cue',
    lap: f.lap,
    message: f.message,
    metrics: f.metrics,
    rule: f.rule,
    ts_ms: f.cue.ts_ms,
    type: 'insight_update',
  }
}
