/**
 * `pitwall replay` as one library call: the input (a log, or stored frames: a session id, an
 * archive file, a parquet folder), the printed output, and for `--to db` / `--to bridge` a frame
 * sink chosen once: the live DB through the live path (a new session, tagged `replay_of`, laps
 * timed), or a running serve's bridge. The coach runs only in serve: replaying into the store
 * writes no coaching notes.
 */
import {basename} from 'node:path'
import type {Writable} from 'node:stream'

import type {Car} from '../car/index.js'
import type {LogFormat} from '../can/log/index.js'
import {UsageError} from '../errors.js'
import {type FrameSink, openFrameSink, type SinkSpec} from '../live/index.js'
import type {Logger} from '../log.js'
import {openStoredFrames} from '../store/index.js'
import type {Track} from '../track/index.js'
import {type ReplayFormat, replayLog, type ReplaySummary} from './replay-log.js'

export interface ReplayRunOptions {
  /** A log path, `-` for stdin, a stored session id, an archive file or a parquet session folder. */
  readonly file: string
  readonly car: Car
  readonly dataDir: string
  readonly to: SinkSpec
  /** `--url`, token for the bridge. */
  readonly access: {readonly url?: string | undefined; readonly token?: string | undefined}
  readonly format: ReplayFormat | 'none'
  readonly inputFormat: LogFormat | 'auto'
  readonly speed: number
  readonly maxGapUs?: number
  readonly startTimeUs?: number
  readonly unknown: boolean
  /** `--to db`: run-sheet entries of the new session. */
  readonly runSheet?: Readonly<Record<string, string>>
  /** `--to db`: laps timed on it; `trackGiven` when named by `--track`. */
  readonly track?: Track
  readonly trackGiven?: boolean
  readonly stdin: NodeJS.ReadableStream
  readonly out: Writable
  readonly log: Logger
  readonly signal: AbortSignal
  readonly say: (line: string) => void
}

export type ReplayResult = ReplaySummary & {readonly stored?: {readonly session?: string; readonly stored: number; readonly dropped: number; readonly laps?: number}}

export async function runReplay(o: ReplayRunOptions): Promise<ReplayResult> {
  const to = o.to
  if (to.kind !== 'stdout' && to.kind !== 'candump' && to.kind !== 'db' && to.kind !== 'bridge') {
    throw new UsageError(`--to ${to.kind}: replay writes to stdout, candump:FILE, db or bridge[:URL]`, {code: 'PW_BAD_TARGET', suggestions: ['--to candump:out.log', '--to db']})
  }
  // A session id reads the live DB, which needs this process to be its only user (exit 69 otherwise).
  const stored = await openStoredFrames(o.file, o.dataDir)
  let sink: FrameSink | undefined
  try {
    if (to.kind === 'db' && stored?.format === 'live-db') {
      throw new UsageError(`session ${stored.sessionId} is still in the live DB, which replay --to db writes: archive it first, then replay the archive`, {
        code: 'PW_REPLAY_SAME_DB',
        suggestions: [`pitwall archive ${stored.sessionId}`, `pitwall replay ${stored.sessionId} --to db`],
      })
    }
    const origin = stored?.label ?? o.file
    if (to.kind === 'db' || to.kind === 'bridge') sink = await openSink(o, origin)
    const summary = await replayLog({
      car: o.car,
      ...(to.kind === 'candump' ? {candumpFile: to.path} : {}),
      format: to.kind === 'stdout' ? o.format : 'none',
      input: o.file === '-' ? o.stdin : o.file,
      inputFormat: o.inputFormat,
      ...(o.maxGapUs === undefined ? {} : {maxGapUs: o.maxGapUs}),
      out: o.out,
      signal: o.signal,
      speed: o.speed,
      ...(o.startTimeUs === undefined ? {} : {startTimeUs: o.startTimeUs}),
      unknown: o.unknown,
      ...(stored ? {stored} : {}),
      ...(sink ? {sink} : {}),
    })
    if (!sink) return summary
    const done = sink
    sink = undefined
    return {...summary, stored: await storedSummary(done)}
  } finally {
    await sink?.close('shutdown').catch(() => undefined)
    await stored?.close()
  }
}

function openSink(o: ReplayRunOptions, origin: string): Promise<FrameSink> {
  const to = o.to as Extract<SinkSpec, {kind: 'db' | 'bridge'}>
  const name = basename(origin)
  return openFrameSink({
    access: {...o.access, ...(to.kind === 'bridge' && to.url ? {url: to.url} : {})},
    car: o.car,
    dataDir: o.dataDir,
    forwardAs: `replay:${name}`,
    heldVerb: 'sending the frames',
    log: o.log,
    onMessage: o.say,
    probeAs: '--to bridge',
    session: {runSheet: {replay_of: origin, ...o.runSheet}},
    signal: o.signal,
    source: {kind: 'replay', name},
    to: to.kind === 'bridge' ? 'bridge' : 'auto',
    ...(o.track ? {track: o.track} : {}),
    ...(o.trackGiven ? {trackGiven: true} : {}),
  })
}

async function storedSummary(sink: FrameSink): Promise<NonNullable<ReplayResult['stored']>> {
  const r = await sink.close('sources_stopped')
  if (r.via === 'bridge') {
    const f = r.forward
    return {...(f.sessions.length > 0 ? {session: f.sessions.join(', ')} : {}), dropped: f.unacknowledged, stored: f.acknowledged}
  }
  const d = r.store.dropped
  return {...(r.sessions[0] ? {session: r.sessions[0].id} : {}), dropped: d.queue_full + d.disk_full + d.write_error, laps: r.laps, stored: r.store.committedFrames}
}
