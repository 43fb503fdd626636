import {execa} from 'execa'

import type {Logger} from '../log.js'
import type {Bridge} from './bridge.js'

const RSS_EVERY_MS = 60_000
const RSS_GROWTH_WARN_BYTES_PER_MIN = 10 * 1024 * 1024
const VACUUM_HOUR = 3

export interface UpkeepOptions {
  readonly bridge: Bridge
  readonly dataDir: string
  readonly log: Logger
  /** Take `termux-wake-lock` when it exists (and release it at stop). */
  readonly wakeLock: boolean
  readonly nowMs?: () => number
}

/**
 * What runs beside the bridge for as long as it lives: an RSS line every minute (with a warning
 * when it grows faster than 10 MB/min), the daily vacuum at 03:00 local time when the bus is
 * quiet (< 1 frame/s), and the Termux wake-lock (released by whoever took it: us, here).
 */
export function upkeep(o: UpkeepOptions): {stop(): Promise<void>} {
  const now = o.nowMs ?? (() => Date.now())
  let lastRss = process.memoryUsage().rss
  let lastAt = now()
  let lastVacuumDay = ''
  let vacuuming = false
  const tick = (): void => {
    const rss = process.memoryUsage().rss
    const minutes = Math.max(1e-3, (now() - lastAt) / 60_000)
    const growth = (rss - lastRss) / minutes
    o.log.info({growthBytesPerMin: Math.round(growth), rssBytes: rss}, 'rss')
    if (growth > RSS_GROWTH_WARN_BYTES_PER_MIN) o.log.warn({growthBytesPerMin: Math.round(growth), rssBytes: rss}, 'memory is growing faster than 10 MB/min')
    lastRss = rss
    lastAt = now()
    const date = new Date(now())
    const day = date.toDateString()
    const fps = o.bridge.sourceStatuses().reduce((a, s) => a + s.fps, 0)
    if (date.getHours() === VACUUM_HOUR && day !== lastVacuumDay && fps < 1 && !vacuuming) {
      lastVacuumDay = day
      vacuuming = true
      o.bridge.store
        .vacuum({dryRun: false, force: false, minFreeFraction: 0.25, retentionMs: 90 * 86_400_000})
        .then((r) => o.log.info({shrunk: r.shrink.done, reason: r.shrink.reason}, 'daily vacuum'))
        .catch((error: unknown) => o.log.warn({err: error}, 'daily vacuum failed'))
        .finally(() => (vacuuming = false))
    }
  }
  const timer = setInterval(tick, RSS_EVERY_MS)
  timer.unref()
  const locked = o.wakeLock ? wake('termux-wake-lock', o.log) : Promise.resolve(false)
  return {
    async stop() {
      clearInterval(timer)
      if (await locked) await wake('termux-wake-unlock', o.log)
    },
  }
}

/** Runs a Termux wake-lock command; false (quietly) where it does not exist (not on a phone). */
async function wake(command: 'termux-wake-lock' | 'termux-wake-unlock', log: Logger): Promise<boolean> {
  try {
    await execa(command, [], {timeout: 5000})
    log.info({command}, 'wake-lock')
    return true
  } catch (error) {
    if ((error as {code?: string}).code !== 'ENOENT') log.warn({command, err: error}, 'wake-lock command failed')
    return false
  }
}
