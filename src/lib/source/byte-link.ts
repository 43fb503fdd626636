/**
 * The hardware seam: a byte link to an adapter. Everything that speaks slcan (the probe, the open
 * sequence, parsing) works on this interface only, so the same code runs over a serial port, a
 * pty, a socket, a pipe, a file, or the USB pump's pipes, and tests can hand it anything.
 */
import type {Readable, Writable} from 'node:stream'

/** Why a link ended. */
export interface LinkEnd {
  /** `eof`: the other side closed; `hangup`: the device went away (HUP, EIO, ENXIO); `error`: any other read error. */
  readonly kind: 'eof' | 'hangup' | 'error'
  readonly message: string
  /** errno code, when there was one. */
  readonly code?: string
}

export interface LinkEvents {
  /**
   * Bytes read; the chunk is the receiver's until it returns (it may be reused afterwards).
   * `ageMs`: how long ago they were read, when a reader thread hands them over later.
   */
  data(chunk: Uint8Array, ageMs?: number): void
  /** The link ended; called once, and never before `open` resolved. */
  end(reason: LinkEnd): void
}

/** An open link. */
export interface ByteLink {
  /** Sends host commands (ASCII). Links that cannot write (a file, a read-only pipe) ignore it. */
  write(text: string): void
  /** Whether `write` reaches the adapter: a read-only input (a file, a pipe) cannot be probed or opened. */
  readonly writable: boolean
  /** Closes the link; no `end` event follows. Idempotent. */
  close(): Promise<void>
}

/** Opens links to one adapter, again and again (after an unplug, a watchdog restart). */
export interface LinkOpener {
  /** For logs and the source's name: `/dev/ttyACM0`, `fd 3 (tty)`. */
  readonly describe: string
  /**
   * Opens the link. Throws `LinkGoneError` when it can never be opened again (a descriptor whose
   * device went away); any other error is retried with backoff.
   */
  open(events: LinkEvents): Promise<ByteLink>
  /**
   * Resolves when trying again now is worthwhile (a device path that reappeared), so a replug
   * does not wait out the backoff. Optional; rejects or never resolves when aborted.
   */
  reappeared?(signal: AbortSignal): Promise<void>
  /** EOF means the input is over (a file, a pipe): end the source instead of reconnecting. */
  readonly endsAtEof?: boolean
  /**
   * False when a link cannot be closed and opened again (a descriptor): the watchdog then re-sends
   * the open sequence on the same link instead of reopening it. Default true.
   */
  readonly reopenable?: boolean
}

/** The link cannot be opened again: the source ends with state `absent`. */
export class LinkGoneError extends Error {
  override readonly name = 'LinkGoneError'
}

const HANGUP_CODES = new Set(['EIO', 'ENXIO', 'ENODEV', 'EBADF', 'EPIPE', 'ECONNRESET', 'ESHUTDOWN'])

/** Classifies a read error: device-gone errnos are a hangup, the rest an error. */
export function linkEndOf(error: unknown): LinkEnd {
  const code = (error as {code?: unknown})?.code
  const message = error instanceof Error ? error.message : String(error)
  const kind = typeof code === 'string' && HANGUP_CODES.has(code) ? 'hangup' : /disconnect|hang ?up|EIO|ENXIO/i.test(message) ? 'hangup' : 'error'
  return {kind, message, ...(typeof code === 'string' ? {code} : {})}
}

/**
 * A link over Node streams (tty.ReadStream, net.Socket, fs streams, a child's pipes). `destroy`
 * releases whatever the streams hold (the fd, the child).
 */
export function streamLink(input: Readable, output: Writable | undefined, events: LinkEvents, destroy: () => void | Promise<void> = () => undefined): ByteLink {
  let ended = false
  let closed = false
  const end = (reason: LinkEnd): void => {
    if (ended || closed) return
    ended = true
    events.end(reason)
  }
  input.on('data', (chunk: Buffer | string) => {
    if (!closed) events.data(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk)
  })
  input.on('end', () => end({kind: 'eof', message: 'end of input'}))
  input.on('error', (error) => end(linkEndOf(error)))
  input.on('close', () => end({kind: 'hangup', message: 'closed'}))
  // A write error (EPIPE, EIO) also means the adapter is gone; the read side usually says so first.
  output?.on('error', (error) => end(linkEndOf(error)))
  return {
    async close() {
      if (closed) return
      closed = true
      input.removeAllListeners('data')
      input.destroy()
      if (output && output !== (input as unknown)) output.destroy()
      await destroy()
    },
    write(text: string) {
      if (closed || ended || !output || output.destroyed) return
      output.write(Buffer.from(text, 'latin1'))
    },
    writable: output !== undefined,
  }
}
