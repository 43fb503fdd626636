/**
 * The USB side of `--can-fd` on a phone: `termux-usb` hands over a usbfs descriptor, which is not
 * a byte stream (no write(), data moves only through ioctls). A small C helper
 * (`native/usb-pump/usb-pump.c`, against libusb) takes the descriptor as its fd 3, finds the
 * adapter's bulk endpoints and pumps bytes: USB IN → its stdout, its stdin → USB OUT. All protocol
 * code stays here, in TypeScript, where CI can test it.
 *
 * Helper exit codes: 0 stdin closed, 2 the device went away (unplug), 3 fd 3 is not a USB
 * device, 4 no bulk endpoints, 1 anything else; its stderr says which, in one line.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {UnavailableError} from '../errors.js'
import {type ByteLink, type LinkEnd, type LinkEvents, linkEndOf} from './byte-link.js'

export interface UsbPumpOptions {
  /** The helper; default `PITWALL_USB_PUMP`, else `native/usb-pump/usb-pump` in the package. */
  readonly path?: string
}

/** Where the helper is looked for: `PITWALL_USB_PUMP`, else next to the package's sources. */
export function usbPumpPath(env: NodeJS.ProcessEnv = process.env): string {
  // src/lib/source/usb-pump.ts and dist/lib/source/usb-pump.js are both three levels below the package.
  return env['PITWALL_USB_PUMP'] || fileURLToPath(new URL('../../../native/usb-pump/usb-pump', import.meta.url))
}

export const USB_PUMP_EXIT = {stdinClosed: 0, failed: 1, deviceGone: 2, notUsb: 3, noEndpoints: 4} as const

/** Spawns the helper with `fd` as its fd 3 and links to its pipes. */
export async function openUsbPump(fd: number, events: LinkEvents, options: UsbPumpOptions = {}): Promise<ByteLink> {
  const helper = options.path ?? usbPumpPath()
  try {
    accessSync(helper, constants.X_OK)
  } catch {
    throw new UnavailableError(`fd ${fd} is a USB device node (usbfs, from termux-usb); reading it needs the usb-pump helper, which is not built: no executable at ${helper}`, {
      code: 'PW_USB_PUMP_MISSING',
      suggestions: [
        'build it: npm run build:usb-pump (needs libusb, pkg-config and a C compiler)',
        'on Termux: pkg install libusb clang make pkg-config, then npm run build:usb-pump (see docs/termux.md)',
        'or point PITWALL_USB_PUMP at a built helper',
      ],
    })
  }
  const child = spawn(helper, [], {stdio: ['pipe', 'pipe', 'pipe', fd]})
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject)
  }).catch((error: unknown) => {
    throw new UnavailableError(`the usb-pump helper ${helper} did not start: ${(error as Error).message}`, {cause: error, code: 'PW_USB_PUMP_START'})
  })
  return pumpLink(child, events)
}

function pumpLink(child: ChildProcess, events: LinkEvents): ByteLink {
  let stderr = ''
  let closed = false
  let ended = false
  const end = (reason: LinkEnd): void => {
    if (ended || closed) return
    ended = true
    events.end(reason)
  }
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (text: string) => {
    if (stderr.length < 4096) stderr += text
  })
  child.stdout!.on('data', (chunk: Buffer) => {
    if (!closed) events.data(chunk)
  })
  child.stdin!.on('error', () => undefined) // EPIPE once the helper is gone; its exit says why
  child.on('error', (error) => end(linkEndOf(error)))
  child.on('close', (code, signal) => {
    const said = stderr.trim().split('\n').at(-1) ?? ''
    const message = `usb-pump exited (${signal ?? `code ${code}`})${said ? `: ${said}` : ''}`
    // Exit 0 is stdin closed (we did that); 2 is the device gone; the rest are failures.
    end({kind: code === USB_PUMP_EXIT.stdinClosed || code === USB_PUMP_EXIT.deviceGone ? 'hangup' : 'error', message})
  })
  return {
    async close() {
      if (closed) return
      closed = true
      child.stdin!.end()
      const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('close', () => resolve())))
      const timer = setTimeout(() => child.kill('SIGTERM'), 500)
      await exited
      clearTimeout(timer)
    },
    write(text) {
      if (!closed && !ended && child.stdin!.writable) child.stdin!.write(Buffer.from(text, 'latin1'))
    },
    writable: true,
  }
}
