/**
 * `--can-fd N`: what a pre-opened descriptor is, and how to read it. `fstat` decides:
 *
 * | fstat says | it is | read through |
 * |---|---|---|
 * | char device, major 189 | a usbfs node (what `termux-usb` hands over) | the usb-pump helper (usb-pump.ts) |
 * | a tty (`isatty`) | a pty, `/dev/ttyACM0` opened by a parent | `tty.ReadStream` in raw mode, in a reader thread |
 * | socket | one end of a socketpair, a connected socket | `net.Socket({fd})` |
 * | FIFO | a pipe | `net.Socket({fd})`, read-only |
 * | regular file | a capture | `fs` read stream |
 * | anything else | `/dev/null`, a block device, a directory | refused with what it is |
 *
 * A descriptor is opened once: it cannot be reopened when its device goes away, so a second
 * `open()` throws `LinkGoneError` and the source ends `absent` (the termux-usb supervisor gets a
 * new descriptor). A pipe, a socket or a file ends at EOF like stdin does.
 */
import {type Stats, fstatSync, createReadStream} from 'node:fs'
import {Socket} from 'node:net'
import {isatty} from 'node:tty'

import {UnavailableError} from '../errors.js'
import {type ByteLink, type LinkEvents, LinkGoneError, type LinkOpener, streamLink} from './byte-link.js'
import {threadedTtyLink} from './tty-reader.js'
import {openUsbPump, type UsbPumpOptions} from './usb-pump.js'

export type DescriptorKind = 'usbfs' | 'tty' | 'socket' | 'fifo' | 'file' | 'other'

export interface DescriptorInfo {
  readonly fd: number
  readonly kind: DescriptorKind
  /** Device numbers, for character devices. */
  readonly major?: number
  readonly minor?: number
  /** What it is, in words (`a pty (char 136:3)`, `a pipe`). */
  readonly what: string
}

/** usbfs device nodes (`/dev/bus/usb/BBB/DDD`): USB_DEVICE_MAJOR in the Linux kernel. */
export const USB_DEVICE_MAJOR = 189

/** Linux `major()`/`minor()` of an `st_rdev` (glibc's gnu_dev_major/minor, in float-safe arithmetic). */
export function deviceNumbers(rdev: number): {major: number; minor: number} {
  const high = Math.floor(rdev / 2 ** 32)
  const low = rdev >>> 0
  return {major: ((low >>> 8) & 0xfff) | (high & ~0xfff), minor: (low & 0xff) | ((low >>> 12) & ~0xff)}
}

/**
 * Classifies `fd`. `stat` and `tty` are injectable so a test can present a pipe as a usbfs node
 * (CI has no USB device to open one from).
 * @throws UnavailableError `PW_FD_CLOSED` when `fd` is not open.
 */
export function classifyDescriptor(fd: number, stat: (fd: number) => Stats = fstatSync, tty: (fd: number) => boolean = isatty): DescriptorInfo {
  let s: Stats
  try {
    s = stat(fd)
  } catch (error) {
    throw new UnavailableError(`--can-fd ${fd}: descriptor ${fd} is not open in this process (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      code: 'PW_FD_CLOSED',
      suggestions: [`open it for pitwall: pitwall ingest --can-fd ${fd} ${fd}<>/dev/ttyACM0`, 'or let termux-usb hand one over: termux-usb -r -e "pitwall ingest --can-fd" /dev/bus/usb/001/002'],
    })
  }
  if (s.isCharacterDevice()) {
    const {major, minor} = deviceNumbers(s.rdev)
    if (major === USB_DEVICE_MAJOR) return {fd, kind: 'usbfs', major, minor, what: `a USB device node (usbfs, char ${major}:${minor})`}
    if (tty(fd)) return {fd, kind: 'tty', major, minor, what: `a tty (char ${major}:${minor})`}
    return {fd, kind: 'other', major, minor, what: `a character device (char ${major}:${minor}) that is neither a tty nor a USB device node`}
  }
  if (tty(fd)) return {fd, kind: 'tty', what: 'a tty'}
  if (s.isSocket()) return {fd, kind: 'socket', what: 'a socket'}
  if (s.isFIFO()) return {fd, kind: 'fifo', what: 'a pipe'}
  if (s.isFile()) return {fd, kind: 'file', what: 'a regular file'}
  return {fd, kind: 'other', what: s.isDirectory() ? 'a directory' : s.isBlockDevice() ? 'a block device' : 'of an unknown type'}
}

export interface DescriptorOpenerOptions {
  readonly stat?: (fd: number) => Stats
  readonly tty?: (fd: number) => boolean
  readonly usbPump?: UsbPumpOptions
}

/** A LinkOpener for `fd`; throws at once for a descriptor pitwall cannot read. */
export function descriptorOpener(fd: number, options: DescriptorOpenerOptions = {}): LinkOpener & {readonly info: DescriptorInfo} {
  const info = classifyDescriptor(fd, options.stat, options.tty)
  if (info.kind === 'other') {
    throw new UnavailableError(`--can-fd ${fd} is ${info.what}: pitwall reads a tty, a socket, a pipe, a regular file or a USB device node (usbfs, char major 189)`, {
      code: 'PW_FD_UNSUPPORTED',
      suggestions: ['pass the adapter itself: --device /dev/ttyACM0, or the descriptor termux-usb hands to its callback'],
    })
  }
  let used = false
  return {
    describe: `fd ${fd} (${info.kind})`,
    endsAtEof: info.kind === 'fifo' || info.kind === 'file' || info.kind === 'socket',
    info,
    reopenable: false,
    async open(events) {
      if (used) throw new LinkGoneError(`fd ${fd} cannot be reopened: its device went away (a new descriptor is needed)`)
      used = true
      return openDescriptor(info, events, options)
    },
  }
}

async function openDescriptor(info: DescriptorInfo, events: LinkEvents, options: DescriptorOpenerOptions): Promise<ByteLink> {
  const {fd} = info
  switch (info.kind) {
    case 'usbfs':
      return openUsbPump(fd, events, options.usbPump)
    case 'tty':
      // Raw mode, read in its own thread (tty-reader.ts): no echo, no CR→NL, never starved by the main thread.
      return threadedTtyLink(fd, events)
    case 'socket': {
      const socket = new Socket({fd, readable: true, writable: true})
      return streamLink(socket, socket, events)
    }
    case 'fifo':
      return streamLink(new Socket({fd, readable: true, writable: false}), undefined, events)
    case 'file':
      return streamLink(createReadStream('', {fd}), undefined, events)
    default:
      throw new Error(`unreachable: ${info.kind}`)
  }
}
