import {spawn} from 'node:child_process'
import {constants, existsSync, lstatSync, openSync, readlinkSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'
import {ReadStream} from 'node:tty'
import {describe, expect, it} from 'vitest'

import {FrameBatch} from '../../src/lib/can/frame.js'
import {SlcanParser} from '../../src/lib/can/slcan/index.js'
import {runSimulation, SocatPty} from '../../src/lib/simulate/index.js'
import {ROOT, tempDir} from '../helpers.js'
import {e46, park, START_US} from './helpers.js'

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

describe('slcan:PATH: the simulator as an adapter on a tty someone else made', () => {
  it('answers a Lawicel host byte for byte and sends Z1-stamped frames once opened', async () => {
    const dir = tempDir()
    const pair = new SocatPty(join(dir.path, 'host'))
    try {
      await pair.start()
      const run = runSimulation({
        car: await e46(),
        dataDir: dir.path,
        durationS: 3,
        firmware: 'lawicel',
        seed: 1,
        sink: {kind: 'slcan', path: pair.inner},
        startUs: START_US,
        track: await park(),
      })
      const host = new ReadStream(openSync(pair.link, constants.O_RDWR | constants.O_NOCTTY))
      host.setRawMode(true)
      const parser = new SlcanParser()
      let frames = 0
      const stamps: number[] = []
      host.on('data', (bytes: Buffer) => {
        let at = 0
        while (at < bytes.length) {
          const batch = new FrameBatch()
          at = parser.feed(bytes, Date.now() * 1000, batch, at)
          frames += batch.length
          for (let i = 0; i < batch.length; i++) stamps.push(batch.timestampUs[i]!)
        }
      })
      // Lawicel-correct open: close, 1 Mbit/s, millisecond stamps on, open.
      host.write('C\rS8\rZ1\rO\r')
      const summary = await run
      await new Promise((r) => setTimeout(r, 300))
      host.destroy()
      // A closed adapter answers the leading C with a BEL; the rest with CR.
      expect(parser.stats.nacks).toBe(1)
      expect(parser.stats.acks).toBe(3)
      expect(summary.sink.hostCommands).toBe(4)
      expect(frames).toBe(summary.sink.delivered)
      expect(frames).toBeGreaterThan(300)
      // The Z1 stamps keep the adapter's spacing: 3 s of frames span about 3 s less the time to open.
      const span = (stamps.at(-1)! - stamps[0]!) / 1e6
      expect(span).toBeGreaterThan(1)
      expect(span).toBeLessThan(3.1)
    } finally {
      await pair.dispose()
      dir.cleanup()
    }
  }, 30_000)
})
