import type {FrameBatch} from '../../can/frame.js'

/** What a sink did with what it was given; the summary prints it. */
export interface SinkStats {
  /** Frames (or UDP points) delivered. */
  delivered: number
  /** Garbage lines, bytes or datagrams injected (`--garbage-rate`). */
  garbageLines: number
  garbageBytes: number
  /** Frames not delivered, by reason: the emulated adapter was closed or unplugged, or its buffer overflowed. */
  notDelivered: Record<string, number>
  /** Datagrams not sent by `--drop-rate` (the UDP sink drops points itself: it sends no frames). */
  droppedPoints?: number
  /** slcan:pty only: how often the adapter was unplugged and came back. */
  unplugs?: number
  replugs?: number
  /** slcan:pty only: frames delivered since the adapter last came back (a reader checks it lost none after the return). */
  deliveredSinceReplug?: number
  /** Host commands the emulated adapter answered (slcan sinks). */
  hostCommands?: number
  /** db only: the session written, frames committed to it, and the laps recorded. */
  session?: string
  stored?: number
  laps?: number
}

/** Where simulated frames go. Each step's frames span sim time [fromS, toS). */
export interface SimSink {
  readonly kind: string
  /** Prepares the sink (opens files, sockets, ptys). */
  open(): Promise<void>
  /** Takes one step's frames; the batch is the sink's to keep. A promise means: wait (backpressure). */
  write(batch: FrameBatch, fromS: number, toS: number): void | Promise<void>
  /** Flushes and releases everything; `reason` is why the run ended. */
  close(reason: string): Promise<void>
  stats(): SinkStats
}

export function emptyStats(): SinkStats {
  return {delivered: 0, garbageBytes: 0, garbageLines: 0, notDelivered: {}}
}
