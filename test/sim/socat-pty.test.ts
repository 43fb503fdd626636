import {spawn} from 'node:child_process'
import {existsSync, lstatSync, readlinkSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {SocatPty} from '../../src/lib/sim/sinks/socat-pty.js'
import {ROOT, tempDir} from '../helpers.js'

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('the socat pty pair', () => {
  it('links both ends, refuses a LINK another pair holds, and removes its links when stopped', async () => {
    const dir = tempDir()
    const pty = new SocatPty(join(dir.path, 'canable'))
    try {
      await pty.start()
      expect(readlinkSync(pty.link)).toMatch(/^\/dev\/pts\/\d+$/)
      expect(readlinkSync(pty.inner)).toMatch(/^\/dev\/pts\/\d+$/)
      await expect(new SocatPty(pty.link).start()).rejects.toMatchObject({code: 'PW_PTY_BUSY', exit: 69})
      await pty.stop()
      expect(existsSync(pty.link)).toBe(false)
      expect(existsSync(pty.inner)).toBe(false)
    } finally {
      await pty.dispose()
      dir.cleanup()
    }
  })

  it('replaces a dangling link a killed run left behind', async () => {
    const dir = tempDir()
    const link = join(dir.path, 'canable')
    symlinkSync('/dev/pts/999999', link)
    const pty = new SocatPty(link)
    try {
      await pty.start()
      expect(lstatSync(link).isSymbolicLink()).toBe(true)
      expect(existsSync(link)).toBe(true)
    } finally {
      await pty.dispose()
      dir.cleanup()
    }
  })

  it('leaves no socat behind when the simulator is SIGKILLed: the link goes', async () => {
    const dir = tempDir()
    try {
      const link = join(dir.path, 'canable')
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'simulate', '--to', `slcan:pty:${link}`, '--duration', '60s'], {stdio: 'ignore'})
      await until(() => existsSync(link), 20_000, 'the link')
      child.kill('SIGKILL')
      await until(() => !existsSync(link), 5000, 'the link to go after SIGKILL')
    } finally {
      dir.cleanup()
    }
  }, 40_000)
})
