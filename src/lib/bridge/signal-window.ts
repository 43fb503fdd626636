import type {LiveStore} from '../store/index.js'
import {HttpError} from './http-error.js'
import type {LiveView} from '../live/index.js'

/** Most points one answer may hold: `rate_hz × (to − from)` above this is refused with 413. */
export const MAX_WINDOW_POINTS = 10_000
export const DEFAULT_WINDOW_S = 60
export const DEFAULT_RATE_HZ = 10

/** A parsed `from`/`to`/`rate_hz` request: µs since the epoch, a step, a point count. */
export interface WindowSpec {
  readonly fromUs: number
  readonly toUs: number
  readonly rateHz: number
  readonly points: number
}

/**
 * `from`/`to`: seconds since the epoch, negative meaning relative to `nowUs`, or ISO 8601.
 * Default: the last 60 s. `nowUs` is the wall clock for the live session and the end of a
 * stored one (its "now").
 */
export function parseWindow(query: {from?: string; to?: string; rate_hz?: number}, nowUs: number): WindowSpec {
  const toUs = query.to === undefined ? nowUs : parseInstant(query.to, nowUs, 'to')
  const fromUs = query.from === undefined ? toUs - DEFAULT_WINDOW_S * 1e6 : parseInstant(query.from, nowUs, 'from')
  if (!(fromUs < toUs)) throw new HttpError(400, '`from` must be before `to`', 'PW_BAD_WINDOW')
  const rateHz = query.rate_hz ?? DEFAULT_RATE_HZ
  if (!(rateHz > 0) || rateHz > 1000) throw new HttpError(400, '`rate_hz` must be above 0 and at most 1000', 'PW_BAD_WINDOW')
  const spanS = (toUs - fromUs) / 1e6
  if (rateHz * spanS > MAX_WINDOW_POINTS) {
    throw new HttpError(413, `narrow your window: rate_hz × (to − from) = ${Math.round(rateHz * spanS)} points, at most ${MAX_WINDOW_POINTS}`, 'PW_WINDOW_TOO_LARGE')
  }
  return {fromUs, points: Math.floor(spanS * rateHz) + 1, rateHz, toUs}
}

function parseInstant(text: string, nowUs: number, name: string): number {
  const trimmed = text.trim()
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) {
    const s = Number(trimmed)
    return s < 0 ? nowUs + s * 1e6 : s * 1e6
  }
  const ms = Date.parse(trimmed)
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    throw new HttpError(400, `\`${name}\` must be seconds since the epoch (negative: relative to now) or ISO 8601, not ${JSON.stringify(text)}`, 'PW_BAD_WINDOW')
  }
  return ms * 1000
}

/** The window of the live session from memory, when its rings reach back far enough. */
export function windowFromMemory(live: LiveView, slots: readonly number[], w: WindowSpec): Array<Array<number | null>> | undefined {
  if (!slots.every((s) => live.covers(s, w.fromUs))) return undefined
  const stepUs = 1e6 / w.rateHz
  return slots.map((s) => live.resample(s, w.fromUs, stepUs, w.points))
}

/**
 * The window from the store (the samples in it, and a lookback for each channel's last value
 * before it: the sample-and-hold at its start), resampled here.
 */
export async function windowFromStore(store: LiveStore, sessionKey: number, channelIds: readonly number[], w: WindowSpec): Promise<Array<Array<number | null>>> {
  const samples = await store.sampleWindow(sessionKey, channelIds, w.fromUs, w.toUs)
  const stepUs = 1e6 / w.rateHz
  const out = channelIds.map(() => new Array<number | null>(w.points).fill(null))
  const index = new Map(channelIds.map((id, i) => [id, i]))
  const held: Array<number | null> = channelIds.map(() => null)
  let p = 0
  const fill = (untilUs: number): void => {
    for (; p < w.points && w.fromUs + p * stepUs < untilUs; p++) for (let c = 0; c < held.length; c++) out[c]![p] = held[c]!
  }
  for (let i = 0; i < samples.length; i++) {
    fill(samples.timestampUs[i]!)
    const v = samples.value[i]!
    held[index.get(samples.channel[i]!)!] = Number.isFinite(v) ? v : null
  }
  fill(Infinity)
  return out
}
