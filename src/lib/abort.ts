/**
 * Abort wiring in one place: a listener that runs once when a signal aborts (at once when it
 * already has, which a bare `addEventListener` silently misses), and a sleep that an abort cuts
 * short. Sources, the simulator's stepper and the ingest loops stop through these.
 */

/** Undoes a wiring (removes the listener); safe to call more than once. */
export interface AbortWiring {
  dispose(): void
}

/**
 * Runs `fn` once when `signal` aborts, or now when it already has (then nothing is listened to).
 * No signal: nothing ever runs.
 */
export function onAbort(signal: AbortSignal | undefined, fn: (reason: unknown) => void): AbortWiring {
  if (!signal) return {dispose: () => undefined}
  if (signal.aborted) {
    fn(signal.reason)
    return {dispose: () => undefined}
  }
  const listener = (): void => fn(signal.reason)
  signal.addEventListener('abort', listener, {once: true})
  return {dispose: () => signal.removeEventListener('abort', listener)}
}

/**
 * Waits `ms`, or less when `signal` aborts meanwhile (resolves, never rejects). `unref`: the wait
 * alone does not keep the process alive (a backoff between reconnects).
 */
export function sleep(ms: number, signal?: AbortSignal, options: {readonly unref?: boolean} = {}): Promise<void> {
  if (signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    if (options.unref) timer.unref()
    const wiring = onAbort(signal, done)
    function done(): void {
      clearTimeout(timer)
      wiring.dispose()
      resolve()
    }
  })
}
