/**
 * The rule coach: the live engine plus what answers are made of (the recent findings, the last
 * laps), and its answers to /analyze (live or a burst of points) and /coach/brief. Everything
 * here is synchronous and never waits on anything.
 */
import type {Car} from '../car/index.js'
import type {SampleBatch} from '../decode/index.js'
import {LapTracker, type TimedLapEvent, type Track} from '../track/index.js'
import type {CoachConfig} from './config.js'
import {CoachRequestError} from './errors.js'
import {cueUpdate, lapInsight, sectorInsight} from './insights.js'
import type {LapRecord} from './lap-record.js'
import {feedPoints, pointSlots} from './points.js'
import {RuleEngine} from './rule-engine.js'
import {briefText, byImportance, healthLine, lapTime, liveLine, paceNote, pickCues} from './summary.js'
import type {AudioCue, Finding, InsightUpdate, RulesStatus, TelemetryPoint} from './types.js'

/** Findings kept for answers. */
const KEEP_FINDINGS = 200
/** Completed laps kept for briefs. */
const KEEP_LAPS = 10
/** /analyze looks at the current lap and this much of the recent past. */
const RECENT_US = 30_000_000

export interface RuleAnswer {
  readonly coaching: string
  readonly pace_note: string
  readonly cues: readonly AudioCue[]
  /** false: nothing to go on (no data), the caller answers with the fallback. */
  readonly hasData: boolean
  readonly findings: readonly Finding[]
}

export interface RuleCoachOptions {
  readonly car: Car
  readonly track?: Track
  readonly config: CoachConfig
  readonly tickUs?: number
  /** Where findings go at once, and insights once built (off the hot path). */
  readonly finding?: (finding: Finding) => void
  readonly insight?: (update: InsightUpdate) => void
}

export class RuleCoach {
  readonly engine: RuleEngine
  private readonly recent: Finding[] = []
  private readonly laps: LapRecord[] = []
  private readonly slots: Map<string, number>
  private observedMs = Number.NaN
  private lapsDone = 0

  constructor(private readonly options: RuleCoachOptions) {
    const {car, config, track} = options
    this.slots = pointSlots(car)
    this.engine = new RuleEngine({
      car,
      config,
      listener: {
        finding: (f) => {
          this.recent.push(f)
          if (this.recent.length > KEEP_FINDINGS) this.recent.splice(0, this.recent.length - KEEP_FINDINGS)
          options.finding?.(f)
          options.insight?.(cueUpdate(f))
        },
        lap: (rec, bestBefore) => {
          if (rec.lap > 0) this.lapsDone++
          this.laps.push(rec)
          if (this.laps.length > KEEP_LAPS) this.laps.shift()
          this.later(() => ({coach_source: 'rule', kind: 'lap', lap: rec.lap, summary: lapInsight(rec, bestBefore, this.engine.corners), ts_ms: Math.round(this.engine.lastSampleUs / 1000), type: 'insight_update'}))
        },
        sector: (rec, k) => {
          const best = this.engine.best
          this.later(() => ({coach_source: 'rule', kind: 'sector', lap: rec.lap, sector: sectorInsight(rec.sectors[k]!, k, best?.sectors[k]), ts_ms: Math.round(this.engine.lastSampleUs / 1000), type: 'insight_update'}))
        },
      },
      ...(options.tickUs === undefined ? {} : {tickUs: options.tickUs}),
      ...(track ? {track} : {}),
    })
  }

  observe(samples: SampleBatch, laps?: readonly TimedLapEvent[]): void {
    this.engine.observe(samples, laps)
    if (samples.length > 0) this.observedMs = performance.now()
  }

  /** The live session: the current lap and the last 30 s. */
  analyze(): RuleAnswer {
    const e = this.engine
    if (Number.isNaN(e.lastSampleUs)) return {coaching: '', cues: [], findings: [], hasData: false, pace_note: ''}
    const lap = e.current?.lap
    const findings = this.recent.filter((f) => (lap !== undefined && f.lap === lap) || e.lastSampleUs - f.tUs <= RECENT_US)
    return answer(e, findings)
  }

  /**
   * A burst of points, judged against the live session's best lap by an engine of its own. The
   * burst is not live data: when its points carry GPS, a lap tracker of the burst's own times it.
   */
  analyzePoints(points: readonly TelemetryPoint[], nowUs: number): RuleAnswer {
    if (!Array.isArray(points)) throw new CoachRequestError('points: give an array of telemetry points')
    const found: Finding[] = []
    const live = this.engine
    const scratch = new RuleEngine({
      car: this.options.car,
      config: this.options.config,
      listener: {finding: (f) => found.push(f)},
      reference: () => live.best,
      ...(this.options.track ? {track: this.options.track} : {}),
      ...(live.corners ? {corners: live.corners} : {}),
    })
    const track = this.options.track
    feedPoints(scratch, this.slots, points, nowUs, track ? new LapTracker(track, this.options.car.channels) : undefined)
    return answer(scratch, found, live)
  }

  /** The between-laps brief on `lap` (default the last completed lap). */
  brief(lapNumber?: number): {text: string; cues: AudioCue[]; hasData: boolean; findings: Finding[]} {
    const e = this.engine
    const lap = lapNumber === undefined ? this.laps.at(-1) : this.laps.find((l) => l.lap === lapNumber)
    if (lapNumber !== undefined && !lap) {
      const have = this.laps.map((l) => l.lap)
      throw new CoachRequestError(`lap ${lapNumber} is not among this session's recent laps (${have.length > 0 ? have.join(', ') : 'none yet'})`)
    }
    const findings = lap ? lap.findings : this.recent.slice(-20)
    if (Number.isNaN(e.lastSampleUs)) return {cues: [], findings: [], hasData: false, text: ''}
    const text = briefText(e, lap, findings) || liveLine(e)
    return {cues: [...findings].sort(byImportance).slice(0, 3).map((f) => f.cue), findings: [...findings], hasData: text.length > 0, text}
  }

  /** The facts a model prompt is built from, one per line. */
  facts(findings: readonly Finding[]): string {
    const e = this.engine
    const car = this.options.car
    const track = this.options.track
    const last = this.laps.at(-1)
    const lines = [
      `Car: ${car.name}.${track ? ` Track: ${track.name}, ${Math.round(track.centreline.length).toLocaleString('en-US')} m, corners ${track.corners.map((c) => c.name).join(', ')}.` : ''}`,
      liveLine(e) && `Now: ${liveLine(e)}`,
      e.best?.lapTimeMs ? `Best lap: ${lapTime(e.best.lapTimeMs)} (lap ${e.best.lap}).` : 'No best lap yet.',
      last?.lapTimeMs && last !== e.best ? `Last lap: ${lapTime(last.lapTimeMs)} (lap ${last.lap}).` : '',
      paceNote(e) && `Next corner from the best lap: ${paceNote(e)}`,
      findings.length > 0 ? `Rule findings, most important first:\n${[...findings].sort(byImportance).slice(0, 6).map((f) => `- ${f.message}`).join('\n')}` : 'Rule findings: none.',
      healthLine(e),
    ]
    return lines.filter(Boolean).join('\n')
  }

  status(): RulesStatus {
    const e = this.engine
    return {
      best_lap: e.best?.lap ?? null,
      best_lap_ms: e.best?.lapTimeMs ?? null,
      findings: e.findings,
      last_sample_age_s: Number.isNaN(this.observedMs) ? null : Math.round(performance.now() - this.observedMs) / 1000,
      laps: this.lapsDone,
      rules: e.rules.map((r) => r.name),
    }
  }

  /** Builds an insight on the next turn of the event loop, off the live path. */
  private later(build: () => InsightUpdate): void {
    const emit = this.options.insight
    if (emit) setImmediate(() => emit(build()))
  }
}

function answer(e: RuleEngine, findings: readonly Finding[], reference: RuleEngine = e): RuleAnswer {
  const top = [...findings].sort(byImportance).slice(0, 2)
  const best = reference.best
  const line = liveLine(e, best)
  const said = top.map((f) => f.message)
  const clean = e.current && best ? 'Clean against your best so far.' : ''
  const coaching = [line, ...(said.length > 0 ? said : [clean])].filter(Boolean).join(' ')
  return {
    coaching: coaching || healthLine(e) || 'Data is coming in; no corner or lap to judge yet.',
    cues: pickCues(findings, e.lastSampleUs),
    findings,
    hasData: true,
    pace_note: paceNote(e, best ?? reference.last),
  }
}
