/**
 * The one duration grammar for every flag and setting that takes a duration:
 * a non-negative number followed by a unit, e.g. `500ms`, `5s`, `1.5m`, `10m`, `2h`, `7d`.
 * A bare number is refused: "5" could be seconds or milliseconds, and guessing wrong at 7 a.m.
 * in a paddock costs a session.
 */
const UNIT_MS = {d: 86_400_000, h: 3_600_000, m: 60_000, ms: 1, s: 1000} as const

//                    1.5          ms|s|m|h|d
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/

/** What to write instead of a value that is not a duration. */
export const DURATION_HINT = 'write a number and a unit, e.g. 500ms, 5s, 10m, 2h, 7d'

export class DurationSyntaxError extends Error {
  readonly code = 'PW_BAD_DURATION'
}

/** Parses `500ms`, `5s`, `10m`, `2h`, `7d` into milliseconds (rounded to whole ms). */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text)
  if (!match) {
    throw new DurationSyntaxError(`"${text}" is not a duration: ${DURATION_HINT}`)
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS])
}

/** Formats milliseconds with the largest unit that keeps it exact: 90000 → `90s`, 7200000 → `2h`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
  }
  return `${ms}ms`
}
