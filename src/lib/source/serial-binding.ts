/**
 * Serial ports (`--device /dev/ttyACM0`) behind an interface: the default binding is the
 * `serialport` package (native, with prebuilds for Linux, macOS, Windows and android-arm64; it
 * compiles on Termux), loaded only when a device is opened, so every other command works where
 * its native part does not. Tests use it on real ptys; a phone's USB stack could be swapped in.
 */
import {closeSync, constants, existsSync, openSync, watch} from 'node:fs'
import {isatty} from 'node:tty'
import {basename, dirname} from 'node:path'

import {type AbortWiring, onAbort} from '../abort.js'
import {UnavailableError} from '../errors.js'
import {type ByteLink, type LinkEvents, type LinkOpener, streamLink} from './byte-link.js'
import {threadedTtyLink} from './tty-reader.js'

export interface SerialBinding {
  /** Opens `path` at `baudRate` (slcan CDC adapters ignore it; real UARTs do not). */
  open(path: string, options: {readonly baudRate: number}, events: LinkEvents): Promise<ByteLink>
}

/**
 * The `serialport` package as a SerialBinding. serialport opens the device and configures it (raw
 * termios, the line speed, DTR); the bytes are then read through a second descriptor of the same
 * tty by a reader thread (tty-reader.ts: libuv's tty handle, off the main thread). serialport's
 * own reader goes through the thread pool twice per chunk (a read that finds nothing, a poll, a
 * read), and on a pty that alone lost frames at 20,000 frames/s on a loaded 2-core machine where
 * the tty handle lost none (docs/perf-baseline.md). serialport's exclusive lock (TIOCEXCL) is off so
 * the second open works without root. Not a tty (a Windows COM port, a socket path): serialport reads.
 */
export const serialportBinding: SerialBinding = {
  async open(path, options, events) {
    let SerialPort: typeof import('serialport').SerialPort
    try {
      ;({SerialPort} = await import('serialport'))
    } catch (error) {
      throw new UnavailableError(`the serialport package cannot load its native binding: ${(error as Error).message}`, {
        cause: error,
        code: 'PW_SERIALPORT_BINDING',
        suggestions: ['npm rebuild @serialport/bindings-cpp', 'on Termux without root, use the termux-usb hand-off (--can-fd) instead: see docs/termux.md'],
      })
    }
    const port = new SerialPort({autoOpen: false, baudRate: options.baudRate, lock: false, path})
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())))
    const closePort = (): Promise<void> => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()))
    let fd: number | undefined
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK)
    } catch {
      fd = undefined
    }
    if (fd === undefined || !isatty(fd)) {
      if (fd !== undefined) closeSync(fd)
      return streamLink(port, port, events, closePort)
    }
    // serialport is not reading, so its stream reports nothing; a device gone is seen by our reader.
    port.on('error', () => undefined)
    return threadedTtyLink(fd, events, {onClosed: closePort, write: (bytes) => port.isOpen && port.write(bytes)})
  },
}

/**
 * Resolves when `path` exists again after having been missing (a replugged adapter, a pty link
 * recreated): watches its directory and polls as a fallback, because inotify on `/dev` and on
 * symlinks is not reliable everywhere.
 */
export function whenPathReappears(path: string, signal: AbortSignal, pollMs = 100): Promise<void> {
  return new Promise((resolve, reject) => {
    let missing = !existsSync(path)
    let watcher: ReturnType<typeof watch> | undefined
    let wiring: AbortWiring | undefined
    const done = (): void => {
      clearInterval(timer)
      watcher?.close()
      wiring?.dispose()
    }
    const look = (): void => {
      const present = existsSync(path)
      if (present && missing) {
        done()
        resolve()
      }
      if (!present) missing = true
    }
    const timer = setInterval(look, pollMs)
    timer.unref()
    try {
      watcher = watch(dirname(path), {persistent: false}, (_event, name) => {
        if (name === null || name === basename(path)) look()
      })
      watcher.on('error', () => undefined)
    } catch {
      // no inotify here (or the directory is gone too): polling alone
    }
    wiring = onAbort(signal, (reason) => {
      done()
      reject(reason)
    })
  })
}

/** `--device PATH`: reopenable, and a replug is noticed as soon as the path comes back. */
export function deviceOpener(path: string, baudRate: number, binding: SerialBinding = serialportBinding): LinkOpener {
  return {
    describe: path,
    async open(events) {
      // serialport's own error has no errno code; ENOENT is what tells `absent` from a failed open.
      if (!existsSync(path)) throw Object.assign(new Error(`${path} does not exist (adapter not plugged in?)`), {code: 'ENOENT'})
      return binding.open(path, {baudRate}, events)
    },
    reappeared: (signal) => whenPathReappears(path, signal),
  }
}
