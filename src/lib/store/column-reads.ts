/**
 * Reads answered as typed columns rather than row objects: a window of samples for the signal
 * routes, and keyset pages of a stored session's frames for replay. They run in the store worker.
 */
import type {DuckConnection} from './driver/index.js'

import {DATA_STRIDE} from '../can/frame.js'
import {joinSql, readSqlRows, sql} from './sql.js'
import type {FrameColumns, FrameCursor, SampleColumns} from './types.js'

/** How far before a window the samples reach: each channel's last value before it is held at its start. */
export const WINDOW_LOOKBACK_US = 10_000_000

/**
 * Samples of `channelIds` from `WINDOW_LOOKBACK_US` before `fromUs` to `toUs`, in time order.
 * Time-range predicates DuckDB prunes on: samples are appended in time order, so zone maps skip the rest.
 */
export async function sampleWindow(c: DuckConnection, sessionKey: number, channelIds: readonly number[], fromUs: number, toUs: number): Promise<SampleColumns> {
  const ids = joinSql(channelIds.map((id) => sql`${id}`))
  const q = sql`SELECT ts_us, channel_id, value FROM samples
                WHERE session_key = ${sessionKey} AND channel_id IN (${ids}) AND ts_us BETWEEN ${Math.floor(fromUs - WINDOW_LOOKBACK_US)} AND ${Math.ceil(toUs)}
                ORDER BY ts_us`
  const rows = await readSqlRows(c, q)
  const out = {channel: new Uint16Array(rows.length), length: rows.length, timestampUs: new Float64Array(rows.length), value: new Float64Array(rows.length)}
  rows.forEach(([ts, channel, value], i) => {
    out.timestampUs[i] = Number(ts)
    out.channel[i] = Number(channel)
    out.value[i] = typeof value === 'number' ? value : NaN
  })
  return out
}

/**
 * Up to `limit` frames of a session after `after` (null: from the start), ordered by
 * (ts_us, sub_ns, rowid): ties keep the order they were stored in, and each page starts where the
 * last one ended. `last` is where this page ended (null when it is empty).
 */
export async function framesPage(c: DuckConnection, sessionKey: number, after: FrameCursor | null, limit: number): Promise<{frames: FrameColumns; last: FrameCursor | null}> {
  const from = after
    ? sql`AND (ts_us > ${after.tsUs} OR (ts_us = ${after.tsUs} AND (sub_ns > ${after.subNs} OR (sub_ns = ${after.subNs} AND rowid > ${after.rowid}))))`
    : sql``
  const q = sql`SELECT ts_us, sub_ns, can_id, flags, len, raw_dlc, data, rowid FROM frames WHERE session_key = ${sessionKey} ${from} ORDER BY ts_us, sub_ns, rowid LIMIT ${limit}`
  const rows = await readSqlRows(c, q)
  const n = rows.length
  const frames = {
    data: new Uint8Array(n * DATA_STRIDE),
    dataLength: new Uint8Array(n),
    flags: new Uint8Array(n),
    id: new Uint32Array(n),
    length: n,
    rawDlc: new Uint8Array(n),
    subMicroNs: new Uint16Array(n),
    timestampUs: new Float64Array(n),
  }
  rows.forEach(([ts, sub, id, flags, len, rawDlc, data], i) => {
    frames.timestampUs[i] = Number(ts)
    frames.subMicroNs[i] = Number(sub)
    frames.id[i] = Number(id)
    frames.flags[i] = Number(flags)
    frames.dataLength[i] = Number(len)
    frames.rawDlc[i] = Number(rawDlc)
    frames.data.set((data as Uint8Array).subarray(0, DATA_STRIDE), i * DATA_STRIDE)
  })
  const end = rows.at(-1)
  return {frames, last: end ? {rowid: Number(end[7]), subNs: Number(end[1]), tsUs: Number(end[0])} : null}
}
