/**
 * The error tree every part of pitwall throws, and the one exit-code table.
 *
 * ```
 * PitwallError (code, exit, suggestions)
 *  ├─ UsageError        64  flags or arguments that cannot work together
 *  ├─ InputDataError    65  a file or payload we were given is malformed
 *  ├─ UnavailableError  69  a device, a lock or the bridge is not there
 *  └─ InternalError     70  a bug: please report it
 * ```
 * Commands never pick exit numbers themselves: they throw one of these (or return findings) and
 * `src/lib/cli/base-command.ts` maps it once.
 */

/** Exit codes, documented in docs/conventions.md. */
export const ExitCode = {
  ok: 0,
  /** validate-car found errors; health is degraded. */
  findings: 1,
  /** health only: the bridge is down. */
  down: 2,
  usage: 64,
  dataError: 65,
  unavailable: 69,
  internal: 70,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface PitwallErrorOptions {
  /** Stable machine-readable code, `PW_*`. */
  readonly code: string
  /** What the user can do about it, one line each. */
  readonly suggestions?: readonly string[]
  readonly cause?: unknown
}

export class PitwallError extends Error {
  readonly code: string
  readonly exit: ExitCodeValue = ExitCode.internal
  readonly suggestions: readonly string[]

  constructor(message: string, options: PitwallErrorOptions) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.code = options.code
    this.suggestions = options.suggestions ?? []
  }
}

export class UsageError extends PitwallError {
  override readonly exit = ExitCode.usage
}

export class InputDataError extends PitwallError {
  override readonly exit = ExitCode.dataError
}

export class UnavailableError extends PitwallError {
  override readonly exit = ExitCode.unavailable
}

export class InternalError extends PitwallError {
  override readonly exit = ExitCode.internal
}

/** The exit code for anything thrown: typed errors carry theirs, anything else is a bug. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  return error instanceof PitwallError ? error.exit : ExitCode.internal
}
