import {UsageError} from '../errors.js'

/** `--speed`: `max` (as fast as possible) or a positive factor of real time (`1`, `0.5`, `10`). */
export function parseSpeed(text: string, flag = '--speed'): number {
  if (text === 'max') return Number.POSITIVE_INFINITY
  const speed = Number(text)
  if (!/^\d+(\.\d+)?$/.test(text) || !(speed > 0)) {
    throw new UsageError(`${flag} ${text}: give "max" or a positive factor of real time`, {code: 'PW_BAD_SPEED', suggestions: [`${flag} max`, `${flag} 1 (real time)`, `${flag} 10`]})
  }
  return speed
}

/**
 * `--start-time`: when a relative log began, as an ISO 8601 date-time (`2026-11-22T09:14:03Z`)
 * or epoch seconds (`1763802843.5`). Returns epoch µs.
 */
export function parseStartTime(text: string, flag = '--start-time'): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1e6)
  const ms = Date.parse(text)
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
    throw new UsageError(`${flag} ${text}: give an ISO date-time with a zone or epoch seconds`, {
      code: 'PW_BAD_START_TIME',
      suggestions: [`${flag} 2026-11-22T09:14:03Z`, `${flag} 1763802843.5`],
    })
  }
  return ms * 1000
}
