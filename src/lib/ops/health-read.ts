/**
 * One read of the bridge's health for `pitwall health`: `GET /health` with the token, or, when no
 * bridge answers, what the live DB says when read directly. The result is what `--json` prints:
 * the bridge's report plus `reachable` and `url`, or the direct reading with status `down`.
 */
import type {HealthReport, HealthStatus} from '../bridge/health-report.js'
import {ExitCode} from '../errors.js'
import {type BridgeAccess, bridgeClient} from '../client/index.js'
import {type DirectDbReading, readLiveDbDirect} from './health-offline.js'

/** What `/health` answers without the token (or with a wrong one). */
export interface PublicHealth {
  readonly status: HealthStatus
  readonly version: string
  readonly can: {readonly fps: number}
  readonly litert: {readonly up: boolean}
}

export type HealthReading =
  | (HealthReport & {readonly reachable: true; readonly url: string})
  /** The bridge answered, but only its public summary: the token is missing or wrong. */
  | (PublicHealth & {readonly reachable: true; readonly url: string; readonly partial: true})
  | OfflineHealth

export interface OfflineHealth {
  readonly status: 'down'
  readonly reachable: false
  readonly url: string
  /** Why the bridge could not be read. */
  readonly bridge_error: string
  /** In plain words, each with what to do. */
  readonly reasons: string[]
  readonly db: Omit<DirectDbReading, 'sessions' | 'last_session' | 'recoveries'>
  readonly sessions: DirectDbReading['sessions']
  readonly last_session: DirectDbReading['last_session']
  readonly recoveries: DirectDbReading['recoveries']
}

/** Long enough for a loaded phone, short enough for "one screen in 5 seconds". */
const HEALTH_TIMEOUT_MS = 3000
const LOW_DISK_BYTES = 1e9

export async function readHealth(access: BridgeAccess): Promise<HealthReading> {
  const client = await bridgeClient({...access, timeoutMs: access.timeoutMs ?? HEALTH_TIMEOUT_MS})
  const url = client.options.url
  let failure: string
  try {
    const report = await client.get<HealthReport | PublicHealth>('/health')
    if ('reasons' in report) return {...report, reachable: true, url}
    return {...report, partial: true, reachable: true, url}
  } catch (error) {
    failure = (error as Error).message
  }
  const direct = await readLiveDbDirect(access.dataDir)
  const {last_session: lastSession, recoveries, sessions, ...db} = direct
  return {bridge_error: failure, db, last_session: lastSession, reachable: false, reasons: offlineReasons(url, failure, direct), recoveries, sessions, status: 'down', url}
}

export function healthExitCode(status: HealthStatus): number {
  return status === 'ok' ? ExitCode.ok : status === 'degraded' ? ExitCode.findings : ExitCode.down
}

function offlineReasons(url: string, failure: string, d: DirectDbReading): string[] {
  const out: string[] = []
  const why = /\(([^)]+)\)$/.exec(failure)?.[1] ?? failure
  if (d.held_by) {
    const who = `process ${d.held_by.pid ?? '?'}${d.held_by.command ? ` (${d.held_by.command})` : ''}`
    out.push(`the bridge is not answering at ${url} (${why}), but ${who} holds the live DB: if that is pitwall serve it is hung or listening elsewhere; stop it${d.held_by.pid ? ` (kill ${d.held_by.pid})` : ''} and start pitwall serve again`)
  } else {
    out.push(`the bridge is not answering at ${url} (${why}): start it with pitwall serve (on the phone Termux:Boot starts it at boot; check that Termux may run in the background)`)
  }
  if (d.stale_serve_pid !== null) out.push(`serve.json names process ${d.stale_serve_pid}, which is gone: serve stopped without cleaning up (a crash, or the phone killed it); the next start rewrites it`)
  if (!d.exists) out.push(`no live DB at ${d.path} yet: nothing has been recorded with this data dir (check --data-dir / PITWALL_DATA_DIR)`)
  if ('error' in d.driver) out.push(`no DuckDB driver loads here: ${d.driver.error}`)
  else if (d.error) out.push(`the live DB could not be read: ${d.error}; the next pitwall serve or ingest checks it and salvages it if it is damaged`)
  const last = d.last_session
  if (last?.state === 'live' && !d.held_by) out.push(`session ${last.id} is still marked live: the process that recorded it died; the next serve or ingest closes it as ended (unclean), its frames are kept`)
  if (d.recoveries.length > 0) out.push(`the live DB was damaged and salvaged (${d.recoveries.length} unacknowledged recovery report${d.recoveries.length > 1 ? 's' : ''}): the damaged file is kept beside it, see recoveries`)
  if (d.free_disk_bytes !== null && d.free_disk_bytes < LOW_DISK_BYTES) out.push(`only ${(d.free_disk_bytes / 1e6).toFixed(0)} MB free on the disk: archive ended sessions (pitwall archive --all-ended) and move archive/ off the phone`)
  return out
}
