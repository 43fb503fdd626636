/**
 * The Termux adapter supervisor. On a stock phone only the Termux:API app may open the USB
 * adapter; `termux-usb -r -e CMD DEVICE` asks the user for permission (a tap on a dialog), opens
 * the device and runs CMD with the open descriptor's number appended as its last argument. So
 * `serve` does not read the adapter itself: it runs
 *
 *     termux-usb -r -e '<node> <pitwall> ingest --forward --can-fd' /dev/bus/usb/001/002
 *
 * as a child, and the callback (`ingest --forward --can-fd 7`) reads the descriptor and forwards
 * frames to the bridge. When the callback ends (unplug: the descriptor dies with the device) the
 * supervisor lists the devices again and re-runs it with backoff (1 s, 2 s, 5 s, 10 s, …).
 *
 * States, as SourceState: `absent` while `termux-usb -l` lists no device (or not the one asked
 * for); `waiting_permission` from starting `termux-usb -r` until the callback shows it runs (its
 * first JSON log line: pitwall logs pino lines on stderr); `connected` while it runs;
 * `reconnecting` between runs; `stopped` after stop().
 *
 * termux-callback runs `$TERMUX_CALLBACK "$@"` unquoted, so the shell splits CMD at whitespace and
 * nothing can be quoted: no word of the callback may contain a space. That is checked up front.
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {createInterface} from 'node:readline'

import {sleep} from '../abort.js'
import {UsageError} from '../errors.js'
import {ReconnectPolicy} from './reconnect-policy.js'
import type {SourceLog, SourceState} from './source.js'

export interface TermuxUsbSupervisorOptions {
  /** The callback's words; the descriptor number is appended by termux-usb. Must end in `--can-fd`. */
  readonly callback: readonly string[]
  /** The device to open (`/dev/bus/usb/001/002`); default: the first one `termux-usb -l` lists. */
  readonly device?: string
  /** The termux-usb executable. Default `termux-usb` on PATH. */
  readonly termuxUsb?: string
  /** Environment for termux-usb and so for the callback. Default process.env. */
  readonly env?: NodeJS.ProcessEnv
  readonly reconnectDelaysMs?: readonly number[]
  readonly log?: SourceLog
  /** Each line the callback writes to stderr (its logs), for the caller to pass on. */
  readonly onCallbackLine?: (line: string) => void
}

export interface SupervisorStatus {
  readonly state: SourceState
  readonly device?: string
  /** Times `termux-usb -r` was started. */
  readonly runs: number
  /** Runs whose callback started (permission granted, descriptor handed over). */
  readonly callbacks: number
  readonly lastExit?: {readonly code: number | null; readonly signal: string | null; readonly message?: string}
  readonly hints: readonly string[]
}

/** The words of `pitwall ingest --forward --can-fd`, with node and the CLI given as absolute paths. */
export function pitwallCallback(node: string, bin: string, extra: readonly string[] = []): string[] {
  return [node, bin, 'ingest', '--forward', ...extra, '--can-fd']
}

/**
 * Refuses a callback termux-usb would mangle: a word with whitespace (termux-callback splits it),
 * or a command that does not end in `--can-fd` (the descriptor is appended as the last argument).
 * @throws UsageError `PW_TERMUX_CALLBACK`
 */
export function checkCallback(words: readonly string[], device?: string): string {
  const bad = words.find((w) => w === '' || /\s/.test(w))
  if (bad !== undefined) {
    throw new UsageError(`termux-usb cannot run a callback with the argument ${JSON.stringify(bad)}: termux-callback runs $TERMUX_CALLBACK unquoted, so the shell splits it at every space and quotes do not help`, {
      code: 'PW_TERMUX_CALLBACK',
      suggestions: ['install pitwall (and node) under a path without spaces', 'pass settings through the environment (PITWALL_DATA_DIR, PITWALL_CAR) instead of flags with spaces'],
    })
  }
  if (words.at(-1) !== '--can-fd') {
    throw new UsageError(`the termux-usb callback must end in --can-fd (termux-usb appends the descriptor number as the last argument): ${words.join(' ')}`, {code: 'PW_TERMUX_CALLBACK'})
  }
  if (device !== undefined && /\s/.test(device)) throw new UsageError(`USB device path with a space: ${JSON.stringify(device)}`, {code: 'PW_TERMUX_CALLBACK'})
  return words.join(' ')
}

export class TermuxUsbSupervisor {
  private state: SourceState = 'absent'
  private device: string | undefined
  private runs = 0
  private callbacks = 0
  private lastExit: SupervisorStatus['lastExit']
  private child: ChildProcess | undefined
  private readonly abort = new AbortController()
  private readonly policy: ReconnectPolicy
  private readonly command: string
  private running: Promise<void> | undefined

  constructor(private readonly options: TermuxUsbSupervisorOptions) {
    this.command = checkCallback(options.callback, options.device)
    this.policy = new ReconnectPolicy(options.reconnectDelaysMs)
  }

  start(): void {
    this.running ??= this.loop()
  }

  async stop(): Promise<void> {
    this.abort.abort()
    this.child?.kill('SIGTERM')
    await this.running
    this.state = 'stopped'
  }

  status(): SupervisorStatus {
    const hints =
      this.state === 'waiting_permission'
        ? ['tap "OK" on the USB permission dialog on the phone (Android asks again after every replug and reboot)']
        : this.state === 'absent'
          ? [this.options.device ? `${this.options.device} is not attached: plug in the adapter (termux-usb -l lists what is)` : 'no USB device attached: plug in the adapter (termux-usb -l lists what is)']
          : []
    return {
      callbacks: this.callbacks,
      hints,
      runs: this.runs,
      state: this.state,
      ...(this.device ? {device: this.device} : {}),
      ...(this.lastExit ? {lastExit: this.lastExit} : {}),
    }
  }

  /** Lists the attached devices (`termux-usb -l` prints a JSON array of paths). */
  async list(): Promise<string[]> {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(this.options.termuxUsb ?? 'termux-usb', ['-l'], {env: this.options.env ?? process.env, timeout: 30_000}, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    )
    const parsed: unknown = JSON.parse(out.trim() || '[]')
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : []
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      let devices: string[]
      try {
        devices = await this.list()
      } catch (error) {
        this.options.log?.error({err: (error as Error).message}, 'termux-usb -l failed (is the Termux:API app installed, and pkg install termux-api?)')
        devices = []
      }
      const device = this.options.device ?? devices[0]
      if (device === undefined || !devices.includes(device)) {
        this.state = 'absent'
        this.device = undefined
        await sleep(this.policy.next(), this.abort.signal)
        continue
      }
      this.device = device
      const ranCallback = await this.runOnce(device)
      if (ranCallback) this.policy.succeeded()
      if (this.abort.signal.aborted) break
      this.state = 'reconnecting'
      const delay = this.policy.next()
      this.options.log?.warn({attempt: this.policy.attempts, device, exit: this.lastExit, inMs: delay}, 'termux-usb callback ended: running it again')
      await sleep(delay, this.abort.signal)
    }
  }

  /** One `termux-usb -r -e CMD DEVICE`; resolves when it exits, true when its callback ran. */
  private runOnce(device: string): Promise<boolean> {
    this.runs++
    this.state = 'waiting_permission'
    this.options.log?.info({command: this.command, device}, 'asking termux-usb for the adapter (tap the permission dialog)')
    const child = spawn(this.options.termuxUsb ?? 'termux-usb', ['-r', '-e', this.command, device], {env: this.options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']})
    this.child = child
    let ran = false
    let lastText = ''
    const onLine = (line: string): void => {
      // termux-usb's own messages are text; the callback (pitwall) logs JSON lines.
      if (!ran && line.startsWith('{') && line.includes('"msg"')) {
        ran = true
        this.callbacks++
        this.state = 'connected'
      }
      if (!line.startsWith('{')) lastText = line
      this.options.onCallbackLine?.(line)
    }
    createInterface({input: child.stderr!}).on('line', onLine)
    createInterface({input: child.stdout!}).on('line', onLine)
    return new Promise((resolve) => {
      child.on('error', (error) => {
        lastText = error.message
      })
      child.on('close', (code, signal) => {
        this.child = undefined
        this.lastExit = {code, signal, ...(lastText ? {message: lastText} : {})}
        resolve(ran)
      })
    })
  }
}
