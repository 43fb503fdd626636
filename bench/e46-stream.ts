import type {Car} from '../src/lib/car/index.js'
import {FrameBatch, MAX_BATCH_FRAMES} from '../src/lib/can/index.js'
import {encodeMessage} from '../src/lib/decode/index.js'

/**
 * A synthetic E46 stream for benches: every MXP frame at its cycle time, values moving smoothly
 * (laps of speed, rpm, g) so consecutive frames differ, encoded with the car's own DBC.
 */
export function e46Stream(car: Car, frameCount: number): FrameBatch[] {
  const schedule = car.dbc.messages.map((m) => ({message: m, periodUs: (car.cycleTimesMs.get(m.name) ?? 100) * 1000, nextUs: 0}))
  const batches: FrameBatch[] = []
  let batch = new FrameBatch(MAX_BATCH_FRAMES)
  const startUs = Date.UTC(2026, 10, 22, 9, 14, 3) * 1000
  for (let n = 0; n < frameCount; n++) {
    let next = schedule[0]!
    for (const s of schedule) if (s.nextUs < next.nextUs) next = s
    const t = next.nextUs / 1e6
    const values: Record<string, number> = {}
    for (const s of next.message.signals) {
      const span = s.max > s.min ? s.max - s.min : 100
      const phase = (s.startBit + next.message.id) % 17
      values[s.name] = Math.max(s.min, Math.min(s.max, s.min + (span * (1 + Math.sin(t * 0.7 + phase))) / 2.2))
    }
    if (batch.full) {
      batches.push(batch)
      batch = new FrameBatch(MAX_BATCH_FRAMES)
    }
    batch.push({data: encodeMessage(next.message, values), id: next.message.id, timestampUs: startUs + next.nextUs})
    next.nextUs += next.periodUs
  }
  batches.push(batch)
  return batches
}
