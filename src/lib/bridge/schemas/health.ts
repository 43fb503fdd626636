import {arr, bool, int, mapOf, nullable, num, numOrNull, obj, str, strOrNull} from '../schema-kit.js'

const status = {enum: ['ok', 'degraded', 'down'], type: 'string'}

export const healthSchema = obj({
  auth: {enum: ['on', 'off'], type: 'string'},
  can: obj({
    adapter_flags: nullable(mapOf(bool)),
    connected: bool,
    fps: num,
    frames_dropped: mapOf(int),
    frames_total: int,
    hints: arr(str),
    ids: arr(obj({expectedHz: numOrNull, frames: int, id: str, lastSeenS: numOrNull, message: strOrNull, missed: int, rateHz: num, stale: bool})),
    last_frame_age_s: numOrNull,
    reconnects: int,
    source: strOrNull,
    sources: arr(obj({fps: num, frames_total: int, kind: str, name: str, reconnects: int, state: str})),
    state: str,
  }),
  db: obj({
    committed_frames: int,
    committed_samples: int,
    disk_full: bool,
    driver: {enum: ['node-api', 'ffi'], type: 'string'},
    free_disk_bytes: numOrNull,
    in_flight_frames: int,
    invalidations: int,
    library_version: str,
    path: str,
    size_bytes: numOrNull,
    wal_bytes: numOrNull,
  }),
  litert: obj({configured: bool, up: bool}),
  process: obj({event_loop_max_ms: num, event_loop_p99_ms: num, heap_used_bytes: int, rss_bytes: int}),
  reasons: arr(str),
  recoveries: arr(obj({at: str, cause: str, moved_to: str, tables: arr(obj({of: numOrNull, rows: int, status: str, table: str}))})),
  session: nullable(obj({duration_s: num, id: str, started: str})),
  signals: arr(obj({name: str, out_of_range: int, stale_s: numOrNull, stuck: bool})),
  simulator: obj({running: bool}),
  status,
  tall_rows: obj({last_5min: int}),
  track: strOrNull,
  uptime_s: num,
  version: str,
  wide_rows: obj({last_5min: int}),
})

/** What `/health` tells a caller without the token. */
export const publicHealthSchema = obj({can: obj({fps: num}), litert: obj({up: bool}), status, version: str})
