import {setTimeout as sleep} from 'node:timers/promises'

import type {BridgeAccess} from '../client/index.js'
import {type HealthReading, readHealth} from './health-read.js'
import {healthLine, healthText} from './health-text.js'
import {FpsHistory, type HealthView, healthView} from './health-view.js'

export interface HealthRunOptions {
  readonly access: BridgeAccess
  /** Read again every `intervalMs` (default 1 s) until `signal` aborts. */
  readonly watch: boolean
  readonly intervalMs?: number
  readonly signal?: AbortSignal
  /** Draw nothing: the caller prints the reading as JSON. */
  readonly quiet: boolean
  /** Where plain text goes (the command's stdout). */
  readonly print: (text: string) => void
  /** Draw with ink (a terminal); false: plain text. Default: stdout is a TTY. */
  readonly terminal?: boolean
}

/**
 * `pitwall health`: one reading, drawn once; or under `--watch` a reading every second, redrawn
 * in place on a terminal (with the frame rate's sparkline growing from the successive reads), or
 * one line per reading into a pipe. Returns the last reading (its status is the exit code).
 */
export async function runHealth(o: HealthRunOptions): Promise<HealthReading> {
  const history = new FpsHistory()
  const read = async (): Promise<{reading: HealthReading; view: HealthView}> => {
    const reading = await readHealth(o.access)
    history.record(reading.reachable ? reading.can.fps : 0)
    return {reading, view: healthView(reading, history, layout())}
  }
  let {reading, view} = await read()
  if (o.quiet) return reading
  // A terminal that reports no width (a pty nobody sized) cannot be laid out: plain text then.
  const useInk = o.terminal ?? (process.stdout.isTTY === true && process.stdout.columns > 0)
  // ink and react load only when they draw.
  const screen = useInk ? (await import('./health-ui/render.js')).openHealthTerminal(view, {watching: o.watch}) : undefined
  if (!screen) o.print(healthText(view))
  // Warnings are printed again only when they change, not when only their figures do ("last frame 31 s ago").
  const gist = (v: HealthView): string => v.warnings.map((w) => w.text.replace(/\d+(\.\d+)?/g, '#')).join('\n')
  let warnings = gist(view)
  try {
    while (o.watch && !o.signal?.aborted) {
      try {
        await sleep(o.intervalMs ?? 1000, undefined, o.signal ? {signal: o.signal} : {})
      } catch {
        break
      }
      ;({reading, view} = await read())
      if (screen) {
        screen.update(view)
        continue
      }
      o.print(healthLine(view))
      const now = gist(view)
      if (now !== warnings) for (const w of view.warnings) o.print(`  ! ${w.text}${w.advice ? ` → ${w.advice}` : ''}`)
      warnings = now
    }
  } finally {
    await screen?.close()
  }
  return reading
}

/** Fit the id table and the sparkline to the terminal. */
function layout(): {maxIdRows: number; sparkWidth: number} {
  const rows = process.stdout.isTTY ? process.stdout.rows : undefined
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined
  return {maxIdRows: rows ? Math.max(5, rows - 24) : 40, sparkWidth: columns ? Math.max(10, Math.min(60, columns - 40)) : 60}
}
