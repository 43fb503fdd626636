/**
 * The coach the bridge talks to: the rule coach on the live path, the local model when it is
 * up, and a fixed safe message when neither has anything, each answer saying which answered
 * (`coach_source`). Budgets are end to end: /coach/brief answers within 1.5 s and /coach/ask
 * within 5 s whatever the model does; /analyze answers from the rules at once and the model's
 * refinement, if any, follows as an `insight_update`.
 */
import type {Car} from '../car/index.js'
import type {SampleBatch} from '../decode/index.js'
import type {Logger} from '../log.js'
import type {TimedLapEvent, Track} from '../track/index.js'
import {type CoachConfig, coachConfig, type Thresholds} from './config.js'
import {CoachRequestError} from './errors.js'
import {CUE_TTL_MS} from './finding.js'
import {type ChatMessage, LlmClient, type LlmOptions} from './llm/client.js'
import {analyzeMessages, askMessages, briefMessages, forTheRadio} from './llm/prompt.js'
import {type RuleAnswer, RuleCoach} from './rule-coach.js'
import type {
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
  Finding,
  InsightUpdate,
} from './types.js'

export interface CoachBudgets {
  /** /coach/brief, end to end. Default 1500 ms. */
  readonly briefMs: number
  /** /coach/ask, end to end. Default 5000 ms. */
  readonly askMs: number
  /** The model's refinement of an /analyze answer (in the background). Default 10000 ms. */
  readonly refineMs: number
}

export const DEFAULT_BUDGETS: CoachBudgets = {askMs: 5000, briefMs: 1500, refineMs: 10_000}

/** The fixed safe messages: the last rung of the ladder, when there is nothing to go on. */
export const FALLBACK = {
  analyze: 'No live data yet. Drive a clean lap: it becomes your reference, and every lap after it is compared with it.',
  ask: 'No data yet and no model to answer that. Drive a clean lap, then ask again.',
  brief: 'No laps yet. Use the out-lap to bring the tyres and brakes in, find your marks, and make the first flying lap a clean one: it becomes your reference.',
} as const

/** Kept back from a budget for building and sending the answer, and for the request's way in and out (a loaded phone is slow). */
const MARGIN_MS = 200
/** An app polling /analyze does not get a refinement per poll: only for new findings, or after this. */
const REFINE_AGAIN_MS = 30_000
/** Longest question taken, characters. */
export const MAX_QUESTION = 500

export interface CoachOptions {
  readonly car: Car
  /** Without a track, only the rules that need no position run. */
  readonly track?: Track
  /** The model server; no `url` means not configured. */
  readonly llm?: Omit<LlmOptions, 'log'>
  readonly thresholds?: Partial<Thresholds>
  readonly budgets?: Partial<CoachBudgets>
  readonly log?: Logger
  /** Data time between rule ticks, µs. Default 10,000. */
  readonly tickUs?: number
}

export class Coach {
  readonly config: CoachConfig
  readonly budgets: CoachBudgets
  readonly llm: LlmClient
  private rules: RuleCoach
  private readonly insightListeners = new Set<(update: InsightUpdate) => void>()
  private readonly noteListeners = new Set<(note: CoachingNote) => void>()
  private readonly inflight = new Set<Promise<unknown>>()
  private refining = false
  private refinedKey = ''
  private refinedMs = Number.NEGATIVE_INFINITY
  private readonly log: Logger | undefined

  constructor(private readonly options: CoachOptions) {
    this.log = options.log
    this.config = coachConfig(options.car, options.thresholds ? {thresholds: options.thresholds} : {})
    this.budgets = {...DEFAULT_BUDGETS, ...options.budgets}
    this.llm = new LlmClient({...options.llm, ...(options.log ? {log: options.log} : {})})
    this.rules = this.newRules()
    this.llm.start()
  }

  /** Decoded samples from the live path, with the lap events found in them (cheap: no DB, no allocation per sample). */
  observe(samples: SampleBatch, laps?: readonly TimedLapEvent[]): void {
    this.rules.observe(samples, laps)
  }

  /** /analyze: from the rules, at once; a refinement from the model follows as an insight when it is up. */
  analyze(body: AnalyzeRequest = {}): AnalyzeResponse {
    only(body, ['points'], '/analyze')
    let answer: RuleAnswer
    try {
      answer = body.points === undefined ? this.rules.analyze() : this.rules.analyzePoints(body.points, Date.now() * 1000)
    } catch (error) {
      if (error instanceof CoachRequestError) throw error
      this.log?.error({err: error}, 'rule coach failed: answering with the fallback')
      return {coach_source: 'fallback', coaching: FALLBACK.analyze, cues: [], pace_note: ''}
    }
    if (!answer.hasData) return {coach_source: 'fallback', coaching: FALLBACK.analyze, cues: [], pace_note: ''}
    if (this.llm.up) this.refine(answer)
    return {coach_source: 'rule', coaching: answer.coaching, cues: answer.cues, pace_note: answer.pace_note}
  }

  /** /coach/brief: the model if it answers within budgets.briefMs end to end, else the rules. */
  async brief(body: BriefRequest = {}): Promise<BriefResponse> {
    const started = performance.now()
    only(body, ['lap'], '/coach/brief')
    if (body.lap !== undefined && !(Number.isInteger(body.lap) && body.lap >= 0)) throw new CoachRequestError(`lap: a lap number (0 or more), not ${JSON.stringify(body.lap)}`)
    const rules = this.rules.brief(body.lap)
    const model = await this.tryModel(briefMessages(this.rules.facts(rules.findings)), this.budgets.briefMs - (performance.now() - started))
    const reply: BriefResponse = model
      ? {coach_source: 'litert', coaching: forTheRadio(model, {sentences: 3, words: 60}), cues: rules.cues}
      : rules.hasData
        ? {coach_source: 'rule', coaching: rules.text, cues: rules.cues}
        : {coach_source: 'fallback', coaching: FALLBACK.brief, cues: []}
    if (reply.coach_source !== 'fallback') this.note(reply.coach_source, reply.coaching)
    return reply
  }

  /** /coach/ask: the model within budgets.askMs end to end, else what the rules know. */
  async ask(body: AskRequest): Promise<AskResponse> {
    const started = performance.now()
    only(body, ['question'], '/coach/ask')
    const question = typeof body?.question === 'string' ? body.question.trim() : ''
    if (question === '' || question.length > MAX_QUESTION) throw new CoachRequestError(`question: a question of 1 to ${MAX_QUESTION} characters`)
    const rules = this.rules.brief()
    const model = await this.tryModel(askMessages(this.rules.facts(rules.findings), question), this.budgets.askMs - (performance.now() - started))
    const reply: AskResponse = model
      ? {answer: forTheRadio(model, {sentences: 3, words: 60}), coach_source: 'litert'}
      : rules.hasData
        ? {answer: `The model is not available; from the data: ${rules.text}`, coach_source: 'rule'}
        : {answer: FALLBACK.ask, coach_source: 'fallback'}
    if (reply.coach_source !== 'fallback') this.note(reply.coach_source, `Q: ${question} A: ${reply.answer}`)
    return reply
  }

  /** For /health: `litert.up`, `litert.configured`, and the rule coach's state. */
  status(): CoachStatus {
    return {litert: this.llm.status(), rules: this.rules.status()}
  }

  /** Insights as they happen (rule cues at once; sectors and laps just after; model refinements). Returns an unsubscribe. */
  onInsight(listener: (update: InsightUpdate) => void): () => void {
    this.insightListeners.add(listener)
    return () => this.insightListeners.delete(listener)
  }

  /** Notes to store in `coaching_notes` (rule findings, briefs, answers, refinements). Returns an unsubscribe. */
  onNote(listener: (note: CoachingNote) => void): () => void {
    this.noteListeners.add(listener)
    return () => this.noteListeners.delete(listener)
  }

  /** A new session: forget its laps, best lap and findings (the model server stays as it is). */
  resetSession(): void {
    this.rules = this.newRules()
  }

  /** Stops the probe, aborts model requests in flight and waits for them to settle. */
  async stop(): Promise<void> {
    this.llm.stop()
    await Promise.allSettled([...this.inflight])
  }

  private newRules(): RuleCoach {
    const {car, tickUs, track} = this.options
    return new RuleCoach({
      car,
      config: this.config,
      finding: (f) => this.findingNote(f),
      insight: (u) => this.emit(this.insightListeners, u),
      ...(tickUs === undefined ? {} : {tickUs}),
      ...(track ? {track} : {}),
    })
  }

  /** The model's text within `budgetMs` (less a margin), or undefined: down, slow, failed. Never throws. */
  private async tryModel(messages: ChatMessage[], budgetMs: number): Promise<string | undefined> {
    const ms = budgetMs - MARGIN_MS
    if (!this.llm.up || ms <= 0) return undefined
    const request = this.llm.complete(messages, ms)
    this.inflight.add(request)
    try {
      return await request
    } catch (error) {
      this.log?.warn({err: error}, 'model request failed: answering from the rules')
      return undefined
    } finally {
      this.inflight.delete(request)
    }
  }

  /**
   * The model's take on an /analyze answer, in the background: one at a time (a busy model is not
   * queued up), and again only for new findings or after REFINE_AGAIN_MS.
   */
  private refine(answer: RuleAnswer): void {
    const key = answer.findings.map((f) => f.cue.id).join(',')
    if (this.refining || (key === this.refinedKey && performance.now() - this.refinedMs < REFINE_AGAIN_MS)) return
    this.refining = true
    this.refinedKey = key
    this.refinedMs = performance.now()
    const lap = answer.cues[0]?.lap ?? answer.findings.at(-1)?.lap ?? null
    const request = this.llm
      .complete(analyzeMessages(this.rules.facts(answer.findings), answer.coaching), this.budgets.refineMs)
      .then((text) => {
        const coaching = forTheRadio(text)
        const nowMs = Date.now()
        const cue: AudioCue = {category: 'pace', corner: null, id: `litert-${nowMs}`, lap, priority: 'low', rule: null, text: forTheRadio(coaching, {sentences: 1, words: 16}), ts_ms: nowMs, ttl_ms: CUE_TTL_MS.low}
        this.emit(this.insightListeners, {coach_source: 'litert', coaching, cues: [cue], kind: 'refinement', lap, pace_note: answer.pace_note, ts_ms: nowMs, type: 'insight_update'})
        this.note('litert', coaching, lap)
      })
      .catch((error: unknown) => this.log?.warn({err: error}, 'model refinement failed'))
      .finally(() => {
        this.refining = false
        this.inflight.delete(request)
      })
    this.inflight.add(request)
  }

  private findingNote(f: Finding): void {
    this.emit(this.noteListeners, {engine: 'rule', lap: f.lap, priority: f.priority, rule: f.rule, text: f.message, ts_us: f.tUs})
  }

  private note(engine: CoachSource, text: string, lap: number | null = this.rules.engine.current?.lap ?? null): void {
    this.emit(this.noteListeners, {engine, lap, priority: null, rule: null, text, ts_us: Date.now() * 1000})
  }

  private emit<T>(listeners: ReadonlySet<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value)
      } catch (error) {
        this.log?.error({err: error}, 'a coach listener threw')
      }
    }
  }
}

/** Refuses a body that is not an object, or has fields the route does not take. */
function only(body: unknown, fields: readonly string[], route: string): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CoachRequestError(`${route}: the body is a JSON object`)
  const extra = Object.keys(body).filter((k) => !fields.includes(k))
  if (extra.length > 0) throw new CoachRequestError(`${route}: unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}${fields.length > 0 ? ` (takes ${fields.join(', ')})` : ''}`)
}
