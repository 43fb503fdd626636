/**
 * One shutdown path for long-running commands: SIGTERM, SIGINT, `beforeExit` and an uncaught
 * error all run the same handler once (stop sources, drain, flush, checkpoint, close). A second
 * SIGINT while it runs exits at once: the operator means it, and the WAL keeps what was committed.
 */
export interface ShutdownHandle {
  /** Resolves when a shutdown was requested, with its reason. */
  readonly requested: Promise<string>
  /** Removes the listeners (after a normal end). */
  dispose(): void
}

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
  const onTerm = (): void => run('SIGTERM', 0)
  const onInt = (): void => run('SIGINT', 0)
  const onError = (error: unknown): void => {
    // A closed stdout or stderr (`| head`) is the reader going away, not a bug: stop cleanly,
    // and write nothing more to a pipe that would only fail again.
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return run('EPIPE', 0)
    try {
      process.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    } catch {}
    run('uncaught', 70)
  }
  const onPipeError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') run('EPIPE', 0)
  }
  process.on('SIGTERM', onTerm)
  process.on('SIGINT', onInt)
  process.on('uncaughtException', onError)
  process.on('unhandledRejection', onError)
  process.stdout.on('error', onPipeError)
  process.stderr.on('error', onPipeError)
  return {
    dispose: () => {
      process.off('SIGTERM', onTerm)
      process.off('SIGINT', onInt)
      process.off('uncaughtException', onError)
      process.off('unhandledRejection', onError)
      process.stdout.off('error', onPipeError)
      process.stderr.off('error', onPipeError)
    },
    requested,
  }
}
