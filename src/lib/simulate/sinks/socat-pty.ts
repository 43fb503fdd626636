/**
 * A pty pair made by socat (Node cannot create a pty by itself): one end linked at the path the
 * reader opens (`LINK`), the other at a private path the simulator opens. socat relays bytes
 * between the two masters. Stopping it closes both: the reader's descriptor reads EIO/HUP, as a
 * USB adapter's does when it is unplugged, and socat removes both links.
 *
 * socat runs under a small shell that also waits on a pipe from us: if this process dies (even
 * by SIGKILL), the pipe closes and the shell stops socat, so no orphan keeps LINK alive.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, unlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'

import {UnavailableError, UsageError} from '../../errors.js'

/** How long socat gets to create its ptys. */
const START_TIMEOUT_MS = 5000

// $1 and $2 are the socat addresses, $3 our private dir. The subshell stops socat when our end of
// stdin closes (an asynchronous list reads /dev/null unless told otherwise, hence fd 3); once
// socat is gone (and has unlinked its links), the empty dir goes too, even after a SIGKILL of ours.
const SCRIPT = 'exec 3<&0; socat -d -d "$1" "$2" & pid=$!; (read _ <&3; kill $pid 2>/dev/null) & wait $pid; rmdir "$3" 2>/dev/null'

export class SocatPty {
  /** The reader's end (absolute). */
  readonly link: string
  private dir: string | undefined
  private child: ChildProcess | undefined
  private stderr = ''

  constructor(link: string) {
    this.link = resolve(link)
  }

  /** Our end, inside a private temp dir (made by the first start). */
  get inner(): string {
    if (!this.dir) throw new Error('the pty pair has not been started')
    return join(this.dir, 'adapter')
  }

  /** Creates the pair; resolves once both links exist. */
  async start(): Promise<void> {
    this.clearStaleLink()
    if (!existsSync(dirname(this.link))) {
      throw new UsageError(`slcan:pty:${this.link}: the directory ${dirname(this.link)} does not exist`, {code: 'PW_BAD_TARGET'})
    }
    this.dir ??= mkdtempSync(join(tmpdir(), 'pitwall-sim-'))
    // The shell removes the dir when socat stops (an unplug); a replug makes it again.
    mkdirSync(this.dir, {mode: 0o700, recursive: true})
    this.stderr = ''
    const child = spawn('sh', ['-c', SCRIPT, 'sh', `pty,raw,echo=0,link=${this.link}`, `pty,raw,echo=0,link=${this.inner}`, this.dir], {
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    this.child = child
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-4000)))
    child.stdin!.on('error', () => undefined)
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
    const deadline = Date.now() + START_TIMEOUT_MS
    while (!(existsSync(this.link) && existsSync(this.inner))) {
      const code = await Promise.race([exited, sleep(20).then(() => undefined)])
      if (code !== undefined || Date.now() > deadline) {
        await this.dispose()
        const why = /socat: (command )?not found/.test(this.stderr) ? 'socat is not installed' : `socat did not create the pty: ${lastLine(this.stderr) || 'no message'}`
        throw new UnavailableError(`slcan:pty:${this.link}: ${why}`, {
          code: 'PW_SOCAT',
          suggestions: ['Debian/Ubuntu: apt-get install socat', 'Termux: pkg install socat'],
        })
      }
    }
  }

  /** Stops socat (both ptys close, both links go); resolves when it has exited. */
  async stop(): Promise<void> {
    const child = this.child
    this.child = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    child.stdin!.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
    await exited
    clearTimeout(timer)
    // socat unlinks on a clean exit; after a SIGKILL we do it.
    for (const path of this.dir ? [this.link, this.inner] : [this.link]) if (isOurLink(path)) rmSync(path, {force: true})
  }

  /** Stops socat and removes the private dir. */
  async dispose(): Promise<void> {
    await this.stop()
    if (this.dir) rmSync(this.dir, {force: true, recursive: true})
    this.dir = undefined
  }

  // A link left by a simulator that was killed points to a pty that is gone: remove it. A live
  // one (another simulator) or a file of some other kind is refused.
  private clearStaleLink(): void {
    let stat
    try {
      stat = lstatSync(this.link)
    } catch {
      return
    }
    if (!stat.isSymbolicLink()) throw new UsageError(`slcan:pty:${this.link}: a file is in the way (not a pty link); remove it or pick another path`, {code: 'PW_BAD_TARGET'})
    if (existsSync(this.link)) {
      throw new UnavailableError(`slcan:pty:${this.link}: already links to ${readlinkSync(this.link)}: another simulator may be running`, {code: 'PW_PTY_BUSY'})
    }
    unlinkSync(this.link)
  }
}

function isOurLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && readlinkSync(path).startsWith('/dev/pts/')
  } catch {
    return false
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.replace(/^\S+ \S+ socat\[\d+\] /, '') ?? ''
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))
