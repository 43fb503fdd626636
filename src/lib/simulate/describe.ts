import type {SimulateSummary} from './run.js'

/** The summary `simulate` prints on stderr: what ran, what arrived, what was lost and why, the laps. */
export function describeSimulation(s: SimulateSummary): string {
  const sink = s.sink
  const lost = Object.entries(sink.notDelivered).map(([why, n]) => `${n} ${why}`)
  const laps = s.laps.map((l) => `${l.lap}: ${(l.timeMs / 1000).toFixed(3)} s`).join(', ')
  return [
    `${s.car} on ${s.track} (seed ${s.seed}) to ${s.to}: ${s.simulatedS.toFixed(1)} s simulated in ${(s.wallMs / 1000).toFixed(1)} s, ${s.fps.toFixed(0)} ${s.to.startsWith('udp') ? 'points' : 'frames'}/s; stopped by ${s.stoppedBy}`,
    `frames: ${s.frames.generated} generated, ${s.frames.dropped} dropped by --drop-rate, ${sink.delivered} delivered${lost.length ? `, not delivered: ${lost.join(', ')}` : ''}`,
    ...(sink.garbageLines > 0 ? [`garbage: ${sink.garbageLines} lines, ${sink.garbageBytes} bytes`] : []),
    ...(sink.droppedPoints ? [`points dropped by --drop-rate: ${sink.droppedPoints}`] : []),
    ...(sink.unplugs ? [`unplugged ${sink.unplugs}×, back ${sink.replugs}×`] : []),
    ...(sink.session ? [`session ${sink.session}: ${sink.stored} frames stored${sink.laps === undefined ? '' : `, ${sink.laps} laps recorded`}`] : []),
    ...(s.driverFaults.length > 0 ? [`driver faults: ${s.driverFaults.join('; ')}`] : []),
    `laps: ${laps || 'none completed'}`,
  ].join('\n')
}
