import {encodeFrameBatch, FRAME_WIRE_TYPE} from '../can/frame-wire.js'
import type {FrameBatch} from '../can/frame.js'
import {UnavailableError} from '../errors.js'
import {bridgeUrl} from './discovery.js'
import {readClientToken} from './token.js'

export interface BridgeClientOptions {
  readonly url: string
  readonly token?: string
  /** Per-request timeout. Default 30 s (archive and vacuum may take long: they pass their own). */
  readonly timeoutMs?: number
}

/** A non-2xx answer from the bridge, with its `{error: {code, message}}`. */
export class BridgeRequestError extends UnavailableError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(`the bridge answered ${status}: ${message}`, {code})
  }
}

/**
 * How commands talk to a running `serve`: JSON over loopback HTTP with the token from the data
 * dir. Failing to connect is an UnavailableError (exit 69) that names the URL.
 */
export class BridgeClient {
  constructor(readonly options: BridgeClientOptions) {}

  /** The client for `dataDir`: URL from `--url`/`PITWALL_URL`, serve.json or the default; token from PITWALL_TOKEN or the token file. */
  static async discover(dataDir: string, url?: string, timeoutMs?: number): Promise<BridgeClient> {
    const found = await bridgeUrl(dataDir, url)
    const token = await readClientToken(dataDir)
    return new BridgeClient({url: found.url, ...(token ? {token} : {}), ...(timeoutMs === undefined ? {} : {timeoutMs})})
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path)
  }

  async post<T>(path: string, body: unknown, timeoutMs?: number): Promise<T> {
    return this.request<T>('POST', path, {body: JSON.stringify(body), type: 'application/json'}, timeoutMs)
  }

  /** Sends a frame batch to `POST /api/frames`; resolves once the bridge has committed it. */
  async postFrames(batch: FrameBatch, source: string): Promise<{accepted: number; session: string}> {
    return this.request('POST', '/api/frames', {body: encodeFrameBatch(batch), source, type: FRAME_WIRE_TYPE})
  }

  private async request<T>(method: string, path: string, send?: {body: string | Uint8Array; type: string; source?: string}, timeoutMs?: number): Promise<T> {
    const headers: Record<string, string> = {}
    if (this.options.token) headers['x-pitwall-token'] = this.options.token
    if (send) headers['content-type'] = send.type
    if (send?.source) headers['x-pitwall-source'] = send.source
    let response: Response
    try {
      response = await fetch(`${this.options.url}${path}`, {
        headers,
        method,
        signal: AbortSignal.timeout(timeoutMs ?? this.options.timeoutMs ?? 30_000),
        ...(send ? {body: send.body} : {}),
      })
    } catch (error) {
      const cause = (error as {cause?: {code?: string}}).cause?.code ?? (error as Error).name
      throw new UnavailableError(`cannot reach the bridge at ${this.options.url} (${cause})`, {
        cause: error,
        code: 'PW_BRIDGE_UNREACHABLE',
        suggestions: ['start it: pitwall serve', 'or point at it: --url http://127.0.0.1:8765 (env PITWALL_URL)'],
      })
    }
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (!response.ok) {
      const error = (parsed as {error?: {code?: string; message?: string}} | undefined)?.error
      throw new BridgeRequestError(response.status, error?.code ?? 'PW_BRIDGE_ERROR', error?.message ?? text.slice(0, 200))
    }
    return parsed as T
  }
}
