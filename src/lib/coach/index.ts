/**
 * Coaching: a rule coach on the live path, a local model behind an OpenAI-compatible URL, and
 * the fallback ladder between them (model → rules → fixed safe message). See docs/coaching.md.
 *
 * ```ts
 * const coach = new Coach({car, track, llm: {url: process.env.PITWALL_LLM_URL}})
 * coach.onInsight((u) => ws.broadcast(u))     // insight_update messages
 * coach.onNote((n) => store.addNote(session, n))
 * coach.observe(samples)                      // on every decoded batch
 * coach.analyze({})                           // POST /analyze, synchronous
 * await coach.brief({})                       // POST /coach/brief, within 1.5 s
 * ```
 */
export {Coach, DEFAULT_BUDGETS, FALLBACK, MAX_QUESTION} from './coach.js'
export type {CoachBudgets, CoachOptions} from './coach.js'
export {coachConfig, DEFAULT_LIMITS, THRESHOLD_DEFAULTS} from './config.js'
export type {CoachConfig, HealthLimit, ThresholdName, Thresholds} from './config.js'
export {COACH_ERROR, CoachRequestError, LlmError} from './errors.js'
export type {CoachErrorCode} from './errors.js'
export {DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_TIMEOUT_MS, LlmClient} from './llm/client.js'
export type {ChatMessage, LlmOptions} from './llm/client.js'
export {forTheRadio} from './llm/prompt.js'
export {MAX_POINTS} from './points.js'
export {RuleCoach} from './rule-coach.js'
export type {RuleAnswer, RuleCoachOptions} from './rule-coach.js'
export {RuleEngine} from './rule-engine.js'
export type {EngineListener, RuleEngineOptions} from './rule-engine.js'
export {defaultRules} from './rules/index.js'
export type {Rule, RuleContext, RuleEvent, RuleHit} from './rules/index.js'
export {
  analyzeRequestSchema,
  analyzeResponseSchema,
  askRequestSchema,
  askResponseSchema,
  audioCueSchema,
  briefRequestSchema,
  briefResponseSchema,
  coachingNoteSchema,
  coachStatusSchema,
  insightUpdateSchema,
  telemetryPointSchema,
} from './schemas.js'
export {COACH_SOURCES, CUE_CATEGORIES, CUE_PRIORITIES} from './types.js'
export type {
  AnalyzeRequest,
  AnalyzeResponse,
  AskRequest,
  AskResponse,
  AudioCue,
  BriefRequest,
  BriefResponse,
  CoachingNote,
  CoachSource,
  CoachStatus,
  CornerInsight,
  CornerRef,
  CueCategory,
  CueInsightUpdate,
  CuePriority,
  Finding,
  InsightUpdate,
  LapInsight,
  LapInsightUpdate,
  LitertStatus,
  RefinementInsightUpdate,
  RulesStatus,
  SectorInsight,
  SectorInsightUpdate,
  TelemetryPoint,
  TyreLoad,
} from './types.js'
