import type {LogReadStats} from './types.js'

/** Bad lines kept with their message; the rest are only counted. */
export const MAX_PROBLEMS = 100

export function createReadStats(): LogReadStats {
  return {badLines: 0, framesRead: 0, linesRead: 0, problems: [], skippedLines: 0, timeBase: undefined}
}

/** Counts a bad line and keeps its message while fewer than `MAX_PROBLEMS` are kept. */
export function noteBadLine(stats: LogReadStats, line: number, message: string): void {
  stats.badLines++
  if (stats.problems.length < MAX_PROBLEMS) stats.problems.push({line, message})
}
