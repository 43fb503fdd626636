/**
 * How a command that needs the live DB finds out whether a running `serve` holds it, and the
 * client for that serve's bridge. DuckDB allows one process per file: while serve runs, archive
 * and vacuum delegate to its admin routes and ingest, simulate and replay forward their frames.
 *
 * Imports the bridge's client and discovery modules directly (not the bridge's index): a command
 * that only talks HTTP must not load fastify.
 */
import {BridgeClient} from './client.js'
import {bridgeUrl, readServeInfo} from './discovery.js'
import {readClientToken} from './token.js'
import {PitwallError} from '../errors.js'
import {type OpenedLiveStore, openLiveStore} from '../store/index.js'
import {reviveError} from '../store/protocol.js'

/** Where the bridge is and how to authenticate: the `url` and `token` settings, else serve.json and the token file. */
export interface BridgeAccess {
  readonly dataDir: string
  /** `--url` / `PITWALL_URL` / `url:` in pitwall.yaml. */
  readonly url?: string | undefined
  /** `PITWALL_TOKEN` / `token:` in pitwall.yaml; else `<data-dir>/token`. */
  readonly token?: string | undefined
  /** Per-request timeout (archive and vacuum pass a long one). */
  readonly timeoutMs?: number
}

/** How long a "is anybody there" probe waits for `/health`. */
const PROBE_TIMEOUT_MS = 3000
/** serve opens the live DB before it writes serve.json: a command that finds the lock waits this long for the file. */
const SERVE_START_GRACE_MS = 5000

export async function bridgeClient(access: BridgeAccess): Promise<BridgeClient> {
  const {url} = await bridgeUrl(access.dataDir, access.url)
  const token = access.token ?? (await readClientToken(access.dataDir))
  return new BridgeClient({url, ...(token ? {token} : {}), ...(access.timeoutMs === undefined ? {} : {timeoutMs: access.timeoutMs})})
}

/** True when something answers `GET /health` at the client's URL (any status: it is a bridge that is up). */
export async function bridgeAnswers(client: BridgeClient): Promise<boolean> {
  try {
    const probe = new BridgeClient({...client.options, timeoutMs: PROBE_TIMEOUT_MS})
    await probe.get('/health')
    return true
  } catch (error) {
    return (error as {code?: string}).code !== 'PW_BRIDGE_UNREACHABLE'
  }
}

/** The holder of the live DB, when it is a running serve whose bridge answers. */
export interface HeldBy {
  readonly client: BridgeClient
  readonly pid: number
}

/**
 * The running serve that holds `<dataDir>`'s live DB (serve.json names a live process) and whose
 * bridge answers; undefined otherwise (no serve, or a stale serve.json).
 */
export async function servingBridge(access: BridgeAccess): Promise<HeldBy | undefined> {
  const info = await readServeInfo(access.dataDir)
  if (!info) return undefined
  const client = await bridgeClient({...access, url: access.url ?? info.url})
  return (await bridgeAnswers(client)) ? {client, pid: info.pid} : undefined
}

export type LiveDbRoute = {readonly via: 'local'; readonly opened: OpenedLiveStore} | ({readonly via: 'bridge'} & HeldBy)

/**
 * Opens the live DB, unless a running serve holds it: then the client for its bridge. A lock held
 * by anything else (another ingest, a serve whose bridge does not answer) stays the exit-69 error
 * that names the holder. serve opens the DB a moment before it writes serve.json, so a lock found
 * without serve.json waits briefly for one to appear.
 */
export async function openLiveDbOrBridge(access: BridgeAccess): Promise<LiveDbRoute> {
  const held = await servingBridge(access)
  if (held) return {via: 'bridge', ...held}
  try {
    return {opened: await openLiveStore(access.dataDir), via: 'local'}
  } catch (error) {
    if ((error as {code?: string}).code !== 'PW_DB_LOCKED') throw error
    const until = Date.now() + SERVE_START_GRACE_MS
    while (Date.now() < until) {
      const late = await servingBridge(access)
      if (late) return {via: 'bridge', ...late}
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    throw error
  }
}

/**
 * A bridge's refusal, as the error the same work would have raised locally: its code and message,
 * and the exit that goes with the HTTP status (4xx usage, 401 and 503 unavailable, 5xx internal).
 */
export function delegatedError(error: unknown): unknown {
  const e = error as {status?: unknown; code?: string; message?: string}
  if (typeof e.status !== 'number' || !(error instanceof PitwallError)) return error
  const message = `${(e.message ?? '').replace(/^the bridge answered \d+: /, '')} (through the bridge)`
  if (e.status === 401) {
    return reviveError({code: error.code, exit: 69, message, name: 'DelegatedError', suggestions: ["give serve's token: PITWALL_TOKEN, token: in pitwall.yaml, or the data dir's token file"]})
  }
  const exit = e.status === 503 ? 69 : e.status >= 500 ? 70 : 64
  return reviveError({code: error.code, exit, message, name: 'DelegatedError', suggestions: error.suggestions})
}
