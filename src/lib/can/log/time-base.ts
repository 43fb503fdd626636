/**
 * Telling absolute from relative stamps, and turning wall-clock dates into epoch time.
 */

/**
 * Stamps below this many seconds are relative (since the first frame), at or above it epoch time:
 * 1991-01-01, cantools' rule ("the Mercedes W140, 1991, was the first car with CAN").
 */
export const RELATIVE_BEFORE_SECONDS = 662_688_000

/** Largest stamp a Float64 holds exactly as integer µs (year 2255). */
export const MAX_TIMESTAMP_US = Number.MAX_SAFE_INTEGER

/** Powers of ten for scaling a fraction of n digits to nanoseconds: `frac * NS_SCALE[n]`. */
export const NS_SCALE = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 10, 1] as const

/**
 * Epoch milliseconds of a wall-clock time that carries no zone. `utcOffsetMinutes` undefined means
 * this machine's zone, which is what candump `-tA` and CANoe used when they printed it.
 */
export function wallClockToEpochMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  utcOffsetMinutes: number | undefined,
): number {
  if (utcOffsetMinutes === undefined) return new Date(year, month - 1, day, hour, minute, second).getTime()
  return Date.UTC(year, month - 1, day, hour, minute, second) - utcOffsetMinutes * 60_000
}

/**
 * Integer µs and sub-µs ns of a decimal seconds string (`0.001234`, `12.5`, `000.123456789`), or
 * undefined when it is not one. Integer arithmetic: `parseFloat` would round 9-digit fractions.
 */
export function parseDecimalSeconds(text: string): {us: number; ns: number} | undefined {
  const dot = text.indexOf('.')
  const whole = dot < 0 ? text : text.slice(0, dot)
  const frac = dot < 0 ? '' : text.slice(dot + 1)
  if (!/^\d+$/.test(whole) || !/^\d{0,9}$/.test(frac) || whole.length > 10) return undefined
  const fracNs = frac === '' ? 0 : Number(frac) * NS_SCALE[frac.length]!
  const us = Number(whole) * 1e6 + Math.floor(fracNs / 1000)
  return us > MAX_TIMESTAMP_US ? undefined : {ns: fracNs % 1000, us}
}
