/**
 * When to try an adapter again after it went away: 1 s, 2 s, 5 s, 10 s, then every 10 s. Quick
 * enough that a replug resumes logging within seconds, slow enough that an adapter that is gone
 * for good costs one open attempt per 10 s (and one log line each). A connection that delivered
 * frames resets the ladder, so the next loss starts at 1 s again.
 */
export const RECONNECT_DELAYS_MS: readonly number[] = [1000, 2000, 5000, 10_000]

export class ReconnectPolicy {
  /** Attempts since the last success (the index into the ladder). */
  private step = 0
  /** Attempts ever made: the `reconnects` a source reports. */
  attempts = 0

  constructor(private readonly delaysMs: readonly number[] = RECONNECT_DELAYS_MS) {}

  /** The wait before the next attempt; counts the attempt. */
  next(): number {
    const delay = this.delaysMs[Math.min(this.step, this.delaysMs.length - 1)]!
    this.step++
    this.attempts++
    return delay
  }

  /** The link works again: the next loss starts the ladder from the top. */
  succeeded(): void {
    this.step = 0
  }
}
