/**
 * The health screen as data: lines of text spans, each with a tone (green, amber, red, dim). The
 * ink screen (health-ui/) colours them, the plain text version (health-text.ts) prints them as
 * they are, so the terminal and a log say the same thing.
 */
import type {HealthReport, HealthStatus} from '../bridge/health-report.js'
import type {HealthReading, OfflineHealth, PublicHealth} from './health-read.js'

export type Tone = 'ok' | 'warn' | 'bad' | 'dim' | 'plain'

export interface Span {
  readonly text: string
  readonly tone: Tone
}

export interface ViewRow {
  readonly label: string
  readonly spans: readonly Span[]
}

export interface IdTableView {
  readonly header: readonly string[]
  /** Which columns are numbers (right-aligned). */
  readonly numeric: readonly boolean[]
  readonly rows: ReadonlyArray<{readonly cells: readonly string[]; readonly tone: Tone}>
  /** "… 40 more ids, all ok" when rows were left out. */
  readonly hidden: string | null
}

export interface Warning {
  readonly text: string
  /** What to do, when the reason itself does not say. */
  readonly advice: string | null
  readonly tone: Tone
}

export interface HealthView {
  readonly status: HealthStatus
  readonly title: readonly Span[]
  readonly rows: readonly ViewRow[]
  readonly ids: IdTableView | null
  readonly warnings: readonly Warning[]
}

/** Frames/s seen by successive reads (`--watch`), for the sparkline: one value per read, the last 5 minutes. */
export class FpsHistory {
  private readonly points: Array<{atMs: number; fps: number}> = []

  constructor(private readonly windowMs = 5 * 60_000) {}

  record(fps: number, atMs = Date.now()): void {
    this.points.push({atMs, fps})
    while (this.points.length > 0 && atMs - this.points[0]!.atMs > this.windowMs) this.points.shift()
  }

  /** At most `width` values: the newest reads, averaged in equal groups when there are more. */
  values(width: number): number[] {
    const fps = this.points.map((p) => p.fps)
    if (fps.length <= width) return fps
    const group = Math.ceil(fps.length / width)
    const out: number[] = []
    // Groups end at the newest read; the oldest group may be short.
    for (let end = fps.length; end > 0; end -= group) {
      const slice = fps.slice(Math.max(0, end - group), end)
      out.unshift(slice.reduce((x, y) => x + y, 0) / slice.length)
    }
    return out
  }

  /** How much time the kept reads span, in seconds. */
  get spanS(): number {
    return this.points.length < 2 ? 0 : (this.points.at(-1)!.atMs - this.points[0]!.atMs) / 1000
  }
}

const BLOCKS = '▁▂▃▄▅▆▇█'

/** One character per value, scaled to the largest; a gap (no frames) is a space. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values)
  return values.map((v) => (max === 0 ? BLOCKS[0] : v <= 0 ? ' ' : BLOCKS[Math.min(7, Math.round((v / max) * 7))])).join('')
}

export interface HealthViewOptions {
  /** Most rows of the per-id table (problems first). Default 40. */
  readonly maxIdRows?: number
  readonly sparkWidth?: number
}

export function healthView(reading: HealthReading, history: FpsHistory, options: HealthViewOptions = {}): HealthView {
  if (!reading.reachable) return offlineView(reading)
  if ('partial' in reading) return partialView(reading, history, options)
  return fullView(reading, history, options)
}

function title(status: HealthStatus, url: string, extra: string): Span[] {
  return [
    {text: status.toUpperCase(), tone: statusTone(status)},
    {text: `  ${url}`, tone: 'plain'},
    ...(extra ? [{text: `  ${extra}`, tone: 'dim' as const}] : []),
  ]
}

function fullView(r: HealthReport & {url: string}, history: FpsHistory, o: HealthViewOptions): HealthView {
  const can = r.can
  const stateTone: Tone = can.state === 'connected' ? 'ok' : can.state === 'reconnecting' || can.state === 'waiting_permission' ? 'warn' : 'bad'
  const age = can.last_frame_age_s
  const ageTone: Tone = age === null ? 'bad' : age > 30 ? 'bad' : age > 5 ? 'warn' : 'ok'
  const drops = Object.entries(can.frames_dropped).filter(([, n]) => n > 0)
  const dropTotal = drops.reduce((a, [, n]) => a + n, 0)
  const free = r.db.free_disk_bytes
  const rows: ViewRow[] = [
    {
      label: 'source',
      spans: [
        {text: can.state.replaceAll('_', ' '), tone: stateTone},
        {text: `  ${can.source ?? 'none'}`, tone: 'plain'},
        ...(can.sources.length > 1 ? [{text: `  (+${can.sources.length - 1} more: ${can.sources.slice(1).map((s) => `${s.kind}:${s.name} ${s.state}`).join(', ')})`, tone: 'dim' as const}] : []),
      ],
    },
    {label: 'rate', spans: rateSpans(can.fps, history, o.sparkWidth ?? 60)},
    {
      label: 'frames',
      spans: [
        {text: `${can.frames_total} read, `, tone: 'plain'},
        {text: age === null ? 'no frame yet' : `last ${fmtAge(age)} ago`, tone: ageTone},
        {text: `, ${can.reconnects} reconnect${can.reconnects === 1 ? '' : 's'}`, tone: can.reconnects > 0 ? 'warn' : 'plain'},
      ],
    },
    {label: 'drops', spans: dropTotal === 0 ? [{text: 'none', tone: 'ok'}] : [{text: `${dropTotal}: ${drops.map(([k, n]) => `${k.replaceAll('_', ' ')} ${n}`).join(', ')}`, tone: 'warn'}]},
    {
      label: 'db',
      spans: [
        {text: `${bytes(r.db.size_bytes)}${r.db.wal_bytes ? ` + ${bytes(r.db.wal_bytes)} WAL` : ''}, `, tone: 'plain'},
        {text: `${bytes(free)} free`, tone: r.db.disk_full ? 'bad' : free !== null && free < 1e9 ? 'warn' : 'ok'},
        {text: `  ${r.db.committed_frames} frames stored since start`, tone: 'dim'},
        {text: `, DuckDB ${r.db.library_version} (${r.db.driver})`, tone: 'dim'},
      ],
    },
    {
      label: 'session',
      spans: r.session ? [{text: r.session.id, tone: 'plain'}, {text: `  ${clock(r.session.duration_s)}`, tone: 'ok'}] : [{text: 'none: starts with the first frame', tone: 'dim'}],
    },
    {label: 'coach', spans: [coachSpan(r.litert)]},
    {
      label: 'process',
      spans: [{text: `${bytes(r.process.rss_bytes)} RSS, event loop max ${Math.round(r.process.event_loop_max_ms)} ms, up ${clock(r.uptime_s)}, auth ${r.auth}`, tone: r.process.event_loop_max_ms > 1000 ? 'warn' : 'dim'}],
    },
  ]
  if (r.recoveries.length > 0) rows.push({label: 'recovery', spans: [{text: `${r.recoveries.length} unacknowledged: damaged file kept at ${r.recoveries.at(-1)!.moved_to}`, tone: 'bad'}]})
  return {ids: idTable(can.ids, can.connected, o.maxIdRows ?? 40), rows, status: r.status, title: title(r.status, r.url, `pitwall ${r.version}`), warnings: r.reasons.map(warning)}
}

function partialView(r: PublicHealth & {url: string}, history: FpsHistory, o: HealthViewOptions): HealthView {
  return {
    ids: null,
    rows: [{label: 'rate', spans: rateSpans(r.can.fps, history, o.sparkWidth ?? 60)}, {label: 'coach', spans: [{text: r.litert.up ? 'LLM up' : 'LLM not up', tone: r.litert.up ? 'ok' : 'dim'}]}],
    status: r.status,
    title: title(r.status, r.url, `pitwall ${r.version}`),
    warnings: [{advice: "set PITWALL_TOKEN, or run health as the user whose data dir holds serve's token file", text: 'the bridge gave only its public summary: the token is missing or wrong', tone: 'warn'}],
  }
}

function offlineView(r: OfflineHealth): HealthView {
  const d = r.db
  const rows: ViewRow[] = [{label: 'bridge', spans: [{text: `not answering: ${r.bridge_error}`, tone: 'bad'}]}]
  const held = d.held_by ? [{text: `  held by process ${d.held_by.pid ?? '?'}${d.held_by.command ? ` (${d.held_by.command})` : ''}`, tone: 'warn' as const}] : []
  rows.push({
    label: 'db',
    spans: d.exists
      ? [{text: `${bytes(d.size_bytes)}${d.wal_bytes ? ` + ${bytes(d.wal_bytes)} WAL` : ''}, `, tone: 'plain'}, {text: `${bytes(d.free_disk_bytes)} free`, tone: d.free_disk_bytes !== null && d.free_disk_bytes < 1e9 ? 'warn' : 'ok'}, {text: `  ${d.path}`, tone: 'dim'}, ...held]
      : [{text: `none yet at ${d.path}`, tone: 'dim'}],
  })
  rows.push({label: 'duckdb', spans: 'error' in d.driver ? [{text: `no driver loads: ${d.driver.error}`, tone: 'bad'}] : [{text: `${d.driver.library_version} (${d.driver.driver})`, tone: 'plain'}, {text: `  ${d.driver.origin}`, tone: 'dim'}]})
  if (r.sessions) rows.push({label: 'sessions', spans: [{text: `${r.sessions.total}: ${r.sessions.live} live, ${r.sessions.ended} ended, ${r.sessions.archived} archived`, tone: 'plain'}]})
  const last = r.last_session
  if (last) {
    const when = last.ended ? `ended ${last.ended.replace('T', ' ').slice(0, 19)} (${last.end_reason ?? '?'})` : `started ${last.started.replace('T', ' ').slice(0, 19)}`
    rows.push({
      label: 'last',
      spans: [
        {text: `${last.id} `, tone: 'plain'},
        {text: last.state, tone: last.state === 'live' ? 'warn' : 'plain'},
        {text: `, ${last.frames} frames, ${when}${last.last_frame ? `, last frame ${last.last_frame.replace('T', ' ').slice(0, 19)}` : ''}`, tone: 'dim'},
      ],
    })
  }
  if (r.recoveries.length > 0) rows.push({label: 'recovery', spans: [{text: `${r.recoveries.length} unacknowledged: damaged file kept at ${r.recoveries.at(-1)!.moved_to}`, tone: 'bad'}]})
  return {ids: null, rows, status: 'down', title: title('down', r.url, 'bridge not reachable: read from the live DB directly'), warnings: r.reasons.map((text) => ({advice: null, text, tone: 'bad' as const}))}
}

function rateSpans(fps: number, history: FpsHistory, width: number): Span[] {
  const values = history.values(width)
  const span = history.spanS
  return [
    {text: `${fps.toFixed(fps >= 100 ? 0 : 1)} frames/s  `, tone: fps > 0 ? 'ok' : 'bad'},
    {text: sparkline(values.length > 0 ? values : [fps]), tone: fps > 0 ? 'ok' : 'bad'},
    {text: span > 0 ? `  last ${clock(span)}` : '', tone: 'dim'},
  ]
}

function coachSpan(litert: {configured: boolean; up: boolean}): Span {
  if (!litert.configured) return {text: 'rules (no local LLM configured)', tone: 'dim'}
  return litert.up ? {text: 'local LLM up', tone: 'ok'} : {text: 'local LLM not answering: rules only', tone: 'warn'}
}

function idTable(ids: HealthReport['can']['ids'], connected: boolean, maxRows: number): IdTableView | null {
  if (ids.length === 0) return null
  // Never seen is "missing" when the car says it is sent (and the bus is up), else "not seen"; seen and then quiet is "stale".
  const rank = (i: (typeof ids)[number]): number => (i.frames === 0 ? (i.expectedHz !== null && connected ? 1 : 4) : i.stale ? 0 : i.missed > 0 ? 2 : 3)
  const sorted = [...ids].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id))
  const shown = sorted.slice(0, maxRows)
  const rows = shown.map((i) => {
    const state = i.frames === 0 ? (i.expectedHz !== null && connected ? 'missing' : 'not seen') : i.stale ? 'stale' : i.missed > 0 ? 'gaps' : 'ok'
    const tone: Tone = state === 'stale' || state === 'missing' ? (state === 'missing' ? 'bad' : 'warn') : state === 'gaps' ? 'warn' : state === 'not seen' ? 'dim' : 'plain'
    return {
      cells: [i.id, i.message ?? '?', i.rateHz.toFixed(1), i.expectedHz === null ? '-' : String(i.expectedHz), i.lastSeenS === null ? '-' : fmtAge(i.lastSeenS), String(i.frames), String(i.missed), state],
      tone,
    }
  })
  const rest = sorted.length - shown.length
  return {
    header: ['ID', 'MESSAGE', 'HZ', 'EXPECTED', 'LAST', 'FRAMES', 'MISSED', 'STATE'],
    hidden: rest > 0 ? `… ${rest} more id${rest > 1 ? 's' : ''}${sorted.slice(maxRows).every((i) => rank(i) >= 3) ? ', none stale or missing' : ''}` : null,
    numeric: [false, false, true, true, true, true, true, false],
    rows,
  }
}

/** Lines of a table: columns padded to their widest cell. */
export function tableLines(t: IdTableView): string[] {
  const all = [t.header, ...t.rows.map((r) => r.cells)]
  const widths = t.header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)))
  return all.map((r) => r.map((cell, c) => (t.numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
}

/** What to do about a reason `/health` gives, when the reason does not say it itself. */
const ADVICE: ReadonlyArray<readonly [RegExp, string]> = [
  [/waiting.permission/, "tap OK in Android's USB permission dialog (it comes back after every replug and reboot)"],
  [/lost its adapter|reconnecting/, 'check the USB cable and the OTG adapter, and that the CANable is powered'],
  [/no CAN data/, 'nothing arrives: check the adapter, its cable and the car (ignition on? right bitrate?), or the process that forwards frames'],
  [/frames dropped/, 'the phone is not keeping up: close other apps; if drops say disk full, free space'],
  [/CAN ids gone quiet/, 'an ECU or sensor stopped sending: check its connector and fuse'],
  [/event loop stalled/, 'the phone was overloaded for a moment: close other apps, keep it cool'],
  [/local LLM/, 'restart the LLM app on the phone, or carry on: rule coaching still works'],
  [/salvaged/, 'the damaged file is kept beside the live DB: copy it off the phone for a look'],
  [/auth is off/, 'restart serve without --insecure-no-auth'],
]

function warning(text: string): Warning {
  const known = ADVICE.find(([pattern]) => pattern.test(text))
  // A reason that already says what to do ("…: start serve with …") needs no second hint.
  const saysWhat = /: (start|free|check|tap|run|give|restart|stop|set)\b/i.test(text)
  return {advice: known && !saysWhat ? known[1] : null, text, tone: /no CAN|disk full|salvaged/.test(text) ? 'bad' : 'warn'}
}

export function statusTone(status: HealthStatus): Tone {
  return status === 'ok' ? 'ok' : status === 'degraded' ? 'warn' : 'bad'
}

function bytes(n: number | null): string {
  if (n === null) return '?'
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`
  return `${Math.round(n / 1e3)} kB`
}

function fmtAge(s: number): string {
  return s < 60 ? `${s.toFixed(1)} s` : clock(s)
}

/** h:mm:ss or m:ss. */
export function clock(seconds: number): string {
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`
}
