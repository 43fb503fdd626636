/**
 * The clock for sources that the host stamps (an adapter without hardware timestamps, the
 * simulator): a monotonic clock anchored once to wall time, so a frame's stamp never goes
 * backwards. The wall clock is watched: a jump forward (NTP syncing a phone that booted with the
 * wrong time) re-anchors forward; a jump backwards is logged and never applied.
 */
export interface ClockJump {
  readonly jumpMs: number
  readonly applied: boolean
}

/** 2020-01-01T00:00:00Z in µs: no frame of ours is older. */
export const EARLIEST_PLAUSIBLE_US = Date.UTC(2020, 0, 1) * 1000
/** Stamps further ahead of the host clock than this are rejected. */
export const MAX_FUTURE_US = 2 * 86_400 * 1e6

export class HostClock {
  private anchorWallUs: number
  private anchorMonoUs: number
  /** Jumps seen, for the ingest log and health. */
  readonly jumps: ClockJump[] = []

  constructor(
    private readonly wallMs: () => number = Date.now,
    private readonly monoMs: () => number = () => performance.now(),
    /** A wall clock that strays further than this from the monotonic one has jumped. */
    private readonly jumpThresholdMs = 1000,
  ) {
    this.anchorWallUs = wallMs() * 1000
    this.anchorMonoUs = monoMs() * 1000
  }

  /** Now, in µs since the epoch, monotonic. */
  nowUs(): number {
    return Math.round(this.anchorWallUs + (this.monoMs() * 1000 - this.anchorMonoUs))
  }

  /**
   * Compares the wall clock with ours; call it now and then (e.g. once a second). A forward jump
   * re-anchors and is returned as applied; a backward jump is returned as not applied.
   */
  check(): ClockJump | undefined {
    const ours = this.nowUs()
    const wall = this.wallMs() * 1000
    const jumpMs = (wall - ours) / 1000
    if (Math.abs(jumpMs) < this.jumpThresholdMs) return undefined
    const applied = jumpMs > 0
    if (applied) {
      this.anchorWallUs = wall
      this.anchorMonoUs = this.monoMs() * 1000
    }
    const jump = {applied, jumpMs: Math.round(jumpMs)}
    this.jumps.push(jump)
    return jump
  }
}

/** Why a host-stamped frame's time is not believable, or undefined when it is. */
export function implausibleStamp(stampUs: number, hostNowUs: number): 'before_2020' | 'future' | undefined {
  if (stampUs < EARLIEST_PLAUSIBLE_US) return 'before_2020'
  if (stampUs > hostNowUs + MAX_FUTURE_US) return 'future'
  return undefined
}
