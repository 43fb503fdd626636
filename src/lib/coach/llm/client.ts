/**
 * An OpenAI-compatible model server on the phone (llama.cpp's `llama-server`, a LiteRT-LM
 * server, …), reached at its base URL including `/v1`. A background probe (`GET {base}/models`,
 * 2 s timeout, every 5 s) keeps `up` current; requests never wait on a probe, and a request that
 * fails flips `up` to false at once, so the next one goes to the rules without trying.
 */
import type {Logger} from '../../log.js'
import {COACH_ERROR, LlmError} from '../errors.js'
import type {LitertStatus} from '../types.js'

export const DEFAULT_PROBE_INTERVAL_MS = 5000
export const DEFAULT_PROBE_TIMEOUT_MS = 2000

export interface LlmOptions {
  /** Base URL including `/v1` (`http://127.0.0.1:8080/v1`); undefined: not configured. */
  readonly url?: string
  /** Model id for requests. Default: the first the server lists. */
  readonly model?: string
  /** Default 5000 ms. */
  readonly probeIntervalMs?: number
  /** Default 2000 ms. */
  readonly probeTimeoutMs?: number
  /** Longest answer asked for, tokens. Default 120. */
  readonly maxTokens?: number
  readonly log?: Logger
}

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant'
  readonly content: string
}

export class LlmClient {
  readonly configured: boolean
  readonly probeIntervalMs: number
  readonly probeTimeoutMs: number
  private readonly base: string | undefined
  private isUp = false
  private listed: string | undefined
  private lastProbeMs = Number.NaN
  private lastError: string | null = null
  private timer: NodeJS.Timeout | undefined
  private probing = false
  private readonly stopped = new AbortController()

  constructor(private readonly options: LlmOptions = {}) {
    this.base = options.url?.replace(/\/+$/, '')
    if (this.base !== undefined && !/^https?:\/\/[^/]/.test(this.base)) {
      throw new LlmError(`--llm-url ${options.url}: give an http(s) base URL including /v1, e.g. http://127.0.0.1:8080/v1`, COACH_ERROR.llmNotConfigured)
    }
    this.configured = this.base !== undefined
    this.probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS
    this.probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
  }

  get up(): boolean {
    return this.isUp
  }

  get model(): string | undefined {
    return this.options.model ?? this.listed
  }

  /** Probes now, then every probeIntervalMs (the timer does not keep the process alive). */
  start(): void {
    if (!this.configured || this.timer || this.stopped.signal.aborted) return
    void this.probe()
    this.timer = setInterval(() => void this.probe(), this.probeIntervalMs)
    this.timer.unref()
  }

  /** Stops probing and aborts requests in flight. */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.stopped.abort()
    this.isUp = false
  }

  /** One probe: `GET {base}/models`. Never throws; a probe already in flight is not doubled. */
  async probe(): Promise<boolean> {
    if (!this.base || this.probing || this.stopped.signal.aborted) return this.isUp
    this.probing = true
    try {
      const res = await fetch(`${this.base}/models`, {signal: this.signal(this.probeTimeoutMs)})
      if (!res.ok) throw new LlmError(`GET /models answered HTTP ${res.status}`, COACH_ERROR.llmBadAnswer)
      const body = (await res.json().catch(() => ({}))) as {data?: Array<{id?: unknown}>}
      const id = body.data?.[0]?.id
      if (typeof id === 'string') this.listed = id
      this.mark(true)
    } catch (error) {
      this.mark(false, error)
    } finally {
      this.probing = false
      this.lastProbeMs = performance.now()
    }
    return this.isUp
  }

  /** A chat completion within `timeoutMs`. Throws LlmError (and marks the server down) on any failure. */
  async complete(messages: readonly ChatMessage[], timeoutMs: number): Promise<string> {
    if (!this.base) throw new LlmError('no model server configured', COACH_ERROR.llmNotConfigured)
    try {
      const res = await fetch(`${this.base}/chat/completions`, {
        body: JSON.stringify({max_tokens: this.options.maxTokens ?? 120, messages, stream: false, temperature: 0.3, ...(this.model ? {model: this.model} : {})}),
        headers: {'content-type': 'application/json'},
        method: 'POST',
        signal: this.signal(timeoutMs),
      })
      if (!res.ok) throw new LlmError(`POST /chat/completions answered HTTP ${res.status}`, COACH_ERROR.llmBadAnswer)
      const body = (await res.json()) as {choices?: Array<{message?: {content?: unknown}}>}
      const text = body.choices?.[0]?.message?.content
      if (typeof text !== 'string' || text.trim() === '') throw new LlmError('the model answered without text', COACH_ERROR.llmBadAnswer)
      this.mark(true)
      return text
    } catch (error) {
      this.mark(false, error)
      throw error instanceof LlmError ? error : toLlmError(error)
    }
  }

  status(): LitertStatus {
    return {
      configured: this.configured,
      last_error: this.lastError,
      last_probe_ms_ago: Number.isNaN(this.lastProbeMs) ? null : Math.round(performance.now() - this.lastProbeMs),
      model: this.model ?? null,
      up: this.isUp,
      url: this.base ? stripCredentials(this.base) : null,
    }
  }

  private signal(timeoutMs: number): AbortSignal {
    const timeout = AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs)))
    // AbortSignal.any arrived in Node 20.3; before it, stop() waits for the timeout instead.
    return typeof AbortSignal.any === 'function' ? AbortSignal.any([timeout, this.stopped.signal]) : timeout
  }

  private mark(up: boolean, error?: unknown): void {
    if (up !== this.isUp) this.options.log?.[up ? 'info' : 'warn']({err: up ? undefined : describe(error), url: this.status().url}, up ? 'model server up' : 'model server down: coaching from the rules')
    this.isUp = up
    this.lastError = up ? null : describe(error)
  }
}

function toLlmError(error: unknown): LlmError {
  const e = error as {name?: string; cause?: {code?: string}}
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new LlmError('the model did not answer in time', COACH_ERROR.llmTimeout, error)
  return new LlmError(`the model server cannot be reached${e?.cause?.code ? ` (${e.cause.code})` : ''}`, COACH_ERROR.llmUnreachable, error)
}

function describe(error: unknown): string {
  if (error instanceof LlmError) return error.message
  return toLlmError(error).message
}

function stripCredentials(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\/$/, '')
  } catch {
    return url
  }
}
