import type {IngestResult} from './run.js'

/** The one-paragraph summary ingest prints on stderr (`--json` prints the result itself). */
export function describeIngest(s: IngestResult): string[] {
  const head = `${s.sessions.join(', ') || 'no session'}: `
  if ('forward' in s) {
    const w = s.forward
    const sent = `${w.acknowledged} stored by the bridge at ${w.url} as ${w.source} (${w.requests} requests, retried ${w.retries.busy} busy, ${w.retries.unreachable} unreachable)`
    if (s.input === 'adapter') return [`${head}${s.source.framesTotal} frames read from ${s.adapter.link}, ${sent}; stopped by ${s.stoppedBy}`]
    if (s.input === 'stdin') return [`${head}${s.log.framesRead} frames read, ${sent}, ${s.log.badLines} bad lines; stopped by ${s.stoppedBy}`]
    return [`${head}${sent}; stopped by ${s.stoppedBy}`]
  }
  const d = s.store.dropped
  const storeDrops = `dropped ${d.queue_full + d.disk_full + d.write_error} (queue full ${d.queue_full}, disk full ${d.disk_full}, write error ${d.write_error})`
  const laps = s.track === null ? '' : `, ${s.laps} laps on ${s.track}`
  const archives = s.ended.flatMap((e) => [
    ...(e.archive ? [`${e.id}: archived to ${e.archive.path} (${e.archive.frames} frames, verified)`] : []),
    ...(e.archiveError ? [`warning: ${e.id} was not archived and stays in the live DB: ${e.archiveError}`] : []),
  ])
  if (s.input === 'udp') {
    const u = s.udp
    return [`${head}${u.datagrams} datagrams on ${u.listen}, ${u.points} points, ${u.samples} samples stored, ${u.malformed} malformed, ${u.implausibleTime} implausible time, ${Object.keys(u.unknownFields).length} unknown fields; ${storeDrops}; stopped by ${s.stoppedBy}`, ...archives]
  }
  if (s.input === 'adapter') {
    const src = s.source
    const sd = src.dropped
    const missed = Object.values(src.missedById).reduce((a, b) => a + b, 0)
    const fw = s.adapter.firmware ? ` (${s.adapter.firmware.family}, ${s.adapter.firmware.how})` : ''
    return [
      `${head}${src.framesTotal} frames read from ${s.adapter.link}${fw}, ${s.store.committedFrames} stored${laps}, ${storeDrops}; ` +
        `source dropped: adapter overflow ${sd.adapter_overflow ?? 0}, queue full ${sd.queue_full ?? 0}, bad lines ${sd.bad_line ?? 0}, implausible time ${sd.implausible_time ?? 0}; ` +
        `~${missed} missed (cycle times), ${src.reconnects} reconnect attempts, ${s.adapter.watchdogRestarts} watchdog restarts, ${s.decode.unknown} unknown id; stopped by ${s.stoppedBy}`,
      ...archives,
    ]
  }
  return [`${head}${s.log.framesRead} frames read, ${s.store.committedFrames} stored${laps}, ${storeDrops}, ${s.log.badLines} bad lines, ${s.decode.unknown} unknown id; stopped by ${s.stoppedBy}`, ...archives]
}
