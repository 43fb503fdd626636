/**
 * One shutdown path for long-running commands: SIGTERM, SIGINT, SIGHUP (Termux sends it when the
 * terminal session closes) and an uncaught error all run the same handler once
 * (stop sources, drain, flush, checkpoint, close). A second SIGINT while it runs exits at once:
 * the operator means it, and the WAL keeps what was committed.
 */
export interface ShutdownHandle {
  /** Resolves when a shutdown was requested, with its reason. */
  readonly requested: Promise<string>
  /** Removes the listeners (after a normal end). */
  dispose(): void
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const

/** The reader went away (`| head` closed its pipe; the terminal closed): nothing more can be written there. */
const GONE = new Set(['EPIPE', 'EIO'])

export function onShutdown(handler: (reason: string) => Promise<void>): ShutdownHandle {
  let running: Promise<void> | undefined
  let announce: (reason: string) => void = () => undefined
  const requested = new Promise<string>((resolve) => (announce = resolve))
  const run = (reason: string, exitCode: number): void => {
    if (running) {
      if (reason === 'SIGINT') process.exit(130)
      return
    }
    announce(reason)
    running = handler(reason).then(
      () => {
        process.exitCode ??= exitCode
      },
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`)
        process.exitCode = 70
      },
    )
  }
  const onSignal = (signal: NodeJS.Signals): void => run(signal, 0)
  const onError = (error: unknown): void => {
    // A reader going away is not a bug: stop cleanly, and write nothing more to where it was.
    const code = (error as NodeJS.ErrnoException | undefined)?.code
    if (code !== undefined && GONE.has(code)) return run(code, 0)
    try {
      process.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    } catch {}
    run('uncaught', 70)
  }
  const onPipeError = (error: NodeJS.ErrnoException): void => {
    if (error.code !== undefined && GONE.has(error.code)) run(error.code, 0)
  }
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal)
  process.on('uncaughtException', onError)
  process.on('unhandledRejection', onError)
  process.stdout.on('error', onPipeError)
  process.stderr.on('error', onPipeError)
  return {
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal)
      process.off('uncaughtException', onError)
      process.off('unhandledRejection', onError)
      process.stdout.off('error', onPipeError)
      process.stderr.off('error', onPipeError)
    },
    requested,
  }
}
