/**
 * Plain words for a silent adapter. A CAN adapter that is open but hears nothing cannot tell us
 * why; these are the usual reasons, worded for the crew with the car in front of them. `health`
 * shows them as they are.
 */
import {formatBitrate} from '../can/slcan/index.js'

export interface SilenceFacts {
  /** Seconds since the adapter was opened (this connection). */
  readonly sinceOpenS: number
  /** Frames received since it was opened. */
  readonly framesSinceOpen: number
  /** Seconds since the last frame, null before the first. */
  readonly lastFrameAgeS: number | null
  readonly listenOnly: boolean
  readonly bitrateBps?: number
}

/** After this long without a frame, a hint is shown. */
export const SILENT_HINT_AFTER_S = 5

export function silenceHints(facts: SilenceFacts, afterS = SILENT_HINT_AFTER_S): string[] {
  const rate = facts.bitrateBps === undefined ? '' : ` (opened at ${formatBitrate(facts.bitrateBps)})`
  if (facts.framesSinceOpen === 0) {
    if (facts.sinceOpenS < afterS) return []
    const ack = facts.listenOnly
      ? 'is the adapter the only receiver without ACK (listen_only on a sole-receiver bus: the sender retransmits its first frame forever; set bus.listen_only: false or --no-listen-only)?'
      : 'is the adapter the only node besides a sender that is off?'
    return [`no frame since the adapter opened ${Math.round(facts.sinceOpenS)} s ago: ${ack} wrong bitrate${rate}? termination (120 Ω at each end of the bus)? CAN-H/CAN-L swapped?`]
  }
  if (facts.lastFrameAgeS !== null && facts.lastFrameAgeS >= afterS) {
    return [`no frame for ${Math.round(facts.lastFrameAgeS)} s after ${facts.framesSinceOpen} frames: ignition off? adapter loose on the bus connector? the adapter reset itself (the open sequence is sent again)?`]
  }
  return []
}
