/**
 * The coaching contract (seed 003): what /analyze, /coach/brief and /coach/ask answer, the
 * AudioCue the HUD shows and speaks, the `insight_update` WebSocket message, and the notes the
 * bridge stores in `coaching_notes`. Field names are the wire's (snake_case); schemas.ts has the
 * same shapes as JSON Schemas.
 */

/** Which engine answered: the local model, the rules, or the fixed safe message. */
export const COACH_SOURCES = ['rule', 'litert', 'fallback'] as const
export type CoachSource = (typeof COACH_SOURCES)[number]

export const CUE_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const
export type CuePriority = (typeof CUE_PRIORITIES)[number]

export const CUE_CATEGORIES = ['braking', 'throttle', 'shifting', 'grip', 'health', 'pace', 'info'] as const
export type CueCategory = (typeof CUE_CATEGORIES)[number]

/** What the HUD shows and speaks, with its priority and how long it stays relevant. */
export interface AudioCue {
  /** Unique per cue (`brake-late-3-T1-17`): the app drops repeats by it. */
  readonly id: string
  /** Short enough to hear at speed. */
  readonly text: string
  readonly priority: CuePriority
  /** Milliseconds from `ts_ms` after which the cue is stale. */
  readonly ttl_ms: number
  readonly category: CueCategory
  /** The rule that made it; null for the model's cues and the fallback. */
  readonly rule: string | null
  /** Corner name from the track file, when the cue is about one. */
  readonly corner: string | null
  readonly lap: number | null
  /** Epoch ms of the data it is about. */
  readonly ts_ms: number
}

/** A corner as findings name it. */
export interface CornerRef {
  /** Index in the track file's `corners`. */
  readonly index: number
  readonly name: string
  readonly number?: number
}

/** What a rule found: the race-engineer message, the spoken cue, and the figures behind it. */
export interface Finding {
  readonly rule: string
  readonly category: CueCategory
  readonly priority: CuePriority
  /** Epoch µs of the data. */
  readonly tUs: number
  readonly lap: number | null
  readonly corner: CornerRef | null
  readonly lapDistM: number | null
  /** A sentence or two, as a race engineer would say it. */
  readonly message: string
  /** What the driver hears. */
  readonly say: string
  readonly metrics: Readonly<Record<string, number>>
  readonly cue: AudioCue
}

/** One point of seed 001's telemetry format (`meta_time`, `lap`, `lapdist_m`, `speed_kmh`, …). */
export type TelemetryPoint = Readonly<Record<string, number | string | null>>

/** POST /analyze: `{}` analyzes the live session; `points` analyzes a burst instead. */
export interface AnalyzeRequest {
  readonly points?: readonly TelemetryPoint[]
}

/** POST /analyze answer, exactly seed 003's four fields. */
export interface AnalyzeResponse {
  /** Race-engineer summary. */
  readonly coaching: string
  /** Rally-style cue for the next corner; may be empty. */
  readonly pace_note: string
  readonly coach_source: CoachSource
  readonly cues: readonly AudioCue[]
}

/** POST /coach/brief: pre-session or between laps; `{}` briefs on the last completed lap. */
export interface BriefRequest {
  readonly lap?: number
}

export interface BriefResponse {
  readonly coaching: string
  readonly coach_source: CoachSource
  readonly cues: readonly AudioCue[]
}

/** POST /coach/ask: a free question. */
export interface AskRequest {
  readonly question: string
}

export interface AskResponse {
  readonly answer: string
  readonly coach_source: CoachSource
}

/** Per-sector aggregation, against the best lap's same sector. */
export interface SectorInsight {
  /** 1-based, as the lap detector counts sectors. */
  readonly sector: number
  readonly time_ms: number | null
  readonly best_ms: number | null
  readonly delta_ms: number | null
  readonly min_speed_kmh: number | null
  readonly peak_g: number | null
  readonly throttle_s: number
  readonly brake_s: number
  readonly best_min_speed_kmh: number | null
  readonly best_peak_g: number | null
}

/** The estimated load one tyre carried through a corner. */
export interface TyreLoad {
  /** Peak vertical load over its static share (1 = static). */
  readonly load_peak: number
  /** Horizontal force times distance through the corner, kJ: a proxy for the work put into the tyre. */
  readonly energy_kj: number
  readonly temp_c: number | null
}

export interface CornerInsight {
  readonly corner: string
  readonly number: number | null
  readonly min_speed_kmh: number | null
  readonly peak_g: number | null
  /** Metres before the apex where braking began; null when taken flat. */
  readonly brake_before_m: number | null
  readonly tyres: {readonly fl: TyreLoad; readonly fr: TyreLoad; readonly rl: TyreLoad; readonly rr: TyreLoad}
}

export interface LapInsight {
  readonly lap_time_ms: number | null
  readonly valid: boolean
  readonly best_lap: number | null
  readonly best_ms: number | null
  readonly delta_ms: number | null
  readonly sectors: readonly SectorInsight[]
  readonly corners: readonly CornerInsight[]
  /** Rule findings of the lap, by rule. */
  readonly findings: Readonly<Record<string, number>>
}

interface InsightBase {
  readonly type: 'insight_update'
  /** Epoch ms of the data. */
  readonly ts_ms: number
  readonly coach_source: CoachSource
  readonly lap: number | null
}

/** A rule fired: sent at once, one message per cue. */
export interface CueInsightUpdate extends InsightBase {
  readonly kind: 'cue'
  readonly cue: AudioCue
  readonly rule: string
  readonly message: string
  readonly corner: string | null
  readonly metrics: Readonly<Record<string, number>>
}

export interface SectorInsightUpdate extends InsightBase {
  readonly kind: 'sector'
  readonly sector: SectorInsight
}

export interface LapInsightUpdate extends InsightBase {
  readonly kind: 'lap'
  readonly summary: LapInsight
}

/** The model's refinement of an /analyze answer, when it is up. */
export interface RefinementInsightUpdate extends InsightBase {
  readonly kind: 'refinement'
  readonly coaching: string
  readonly pace_note: string
  readonly cues: readonly AudioCue[]
}

/** seed 001's `insight_update` WebSocket message. */
export type InsightUpdate = CueInsightUpdate | SectorInsightUpdate | LapInsightUpdate | RefinementInsightUpdate

/** A row for `coaching_notes` (the bridge adds `session_key`). */
export interface CoachingNote {
  readonly ts_us: number
  readonly lap: number | null
  readonly engine: CoachSource
  readonly rule: string | null
  readonly priority: CuePriority | null
  readonly text: string
}

export interface LitertStatus {
  /** A base URL was given. */
  readonly configured: boolean
  /** The last probe or request succeeded. */
  readonly up: boolean
  /** The base URL, without credentials. */
  readonly url: string | null
  readonly model: string | null
  /** Milliseconds since the last probe finished; null before the first. */
  readonly last_probe_ms_ago: number | null
  readonly last_error: string | null
}

export interface RulesStatus {
  readonly rules: readonly string[]
  /** Findings since the coach started. */
  readonly findings: number
  /** Laps completed (the out-lap not counted). */
  readonly laps: number
  readonly best_lap: number | null
  readonly best_lap_ms: number | null
  /** Seconds since the last sample the coach saw; null before the first. */
  readonly last_sample_age_s: number | null
}

/** For /health: `litert.up`, `litert.configured`, and the rule coach's state. */
export interface CoachStatus {
  readonly litert: LitertStatus
  readonly rules: RulesStatus
}
