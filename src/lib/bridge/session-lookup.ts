import type {Bridge} from './bridge.js'
import {HttpError} from './http-error.js'

/** A session a route names: `_live` (the open one) or a stored id. */
export interface ResolvedSession {
  readonly id: string
  readonly key: number
  readonly live: boolean
  readonly state: string
  /** What "now" means for relative windows: the wall clock while live, else the session's last frame (or its end). */
  readonly nowUs: number
  /** Channel name → channel_id in the store; for the live session, the car's slots (the same numbers). */
  readonly channels: ReadonlyMap<string, number>
}

const cache = new Map<string, {key: number; channels: ReadonlyMap<string, number>}>()
const MAX_CACHED = 32

export const LIVE_ALIAS = '_live'

export async function resolveSession(bridge: Bridge, sid: string): Promise<ResolvedSession> {
  const live = bridge.sessions.session
  if (sid === LIVE_ALIAS || (live && sid === live.id)) {
    if (!live) throw new HttpError(404, 'no live session: no frames have arrived since the last one ended', 'PW_NO_LIVE_SESSION')
    return {channels: liveChannels(bridge), id: live.id, key: live.key, live: true, nowUs: Date.now() * 1000, state: 'live'}
  }
  if (!/^[0-9A-Za-z_.:-]{1,128}$/.test(sid)) throw new HttpError(400, `not a session id: ${JSON.stringify(sid)}`, 'PW_BAD_SESSION_ID')
  const stored = await bridge.store.sessionById(sid)
  if (!stored) throw new HttpError(404, `no session ${sid} (GET /sessions lists them)`, 'PW_NO_SESSION')
  const {key} = stored
  let entry = cache.get(sid)
  if (!entry || entry.key !== key) {
    entry = {channels: await bridge.store.channelIds(key), key}
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!)
    cache.set(sid, entry)
  }
  return {channels: entry.channels, id: sid, key, live: false, nowUs: stored.nowUs, state: stored.state}
}

let liveMap: {car: unknown; map: Map<string, number>} | undefined
function liveChannels(bridge: Bridge): Map<string, number> {
  if (liveMap?.car !== bridge.car) liveMap = {car: bridge.car, map: new Map(bridge.car.channels.map((c, i) => [c.name, i]))}
  return liveMap.map
}
