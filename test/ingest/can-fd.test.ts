import {execFileSync, spawn} from 'node:child_process'
import {closeSync, existsSync, fstatSync, openSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {FrameBatch} from '../../src/lib/can/frame.js'
import {descriptorOpener} from '../../src/lib/source/index.js'
import {ROOT, tempDir, unwrapOclifError} from '../helpers.js'
import {ROAD_DBC, ROAD_LOG, type StoredFrame, logFrames, startEmitter, startIngest, stop, storedFrames, track, waitFor, waitForPath, killAll} from './helpers.js'

const FAKE_PUMP = join(ROOT, 'test', 'ingest', 'fake-usb-pump.py')
const PUMP_DIR = join(ROOT, 'native', 'usb-pump')
const CAR = ['--car', ROAD_DBC, '--bitrate', '500k']

/** slcan lines for frames, written here (not by pitwall's formatter). */
function slcanText(frames: readonly StoredFrame[]): string {
  return frames.map((f) => `${f.extended ? 'T' : 't'}${f.id.toString(16).toUpperCase().padStart(f.extended ? 8 : 3, '0')}${f.data.length / 2}${f.data}\r`).join('')
}

describe('ingest --can-fd: a descriptor handed over by the caller', () => {
  afterEach(killAll)
  const dir = tempDir('pitwall-canfd-')
  const frames = logFrames(ROAD_LOG).slice(0, 3000)
  afterAll(() => dir.cleanup())

  it('reads a pty passed as fd 3 (3<>PTY), and ends absent (exit 69) when its adapter goes away', async () => {
    const link = join(dir.path, 'pty.tty')
    const data = join(dir.path, 'pty-data')
    const emitter = startEmitter(link, ['--mode', 'stock', '--log', ROAD_LOG, '--count', '3000', '--fps', '5000', '--exit-when-done'])
    await waitForPath(link)
    const fd = openSync(link, 'r+')
    // The firmware is named: this test is about the descriptor, not the probe (which a loaded CI machine can make miss its 300 ms).
    const ingest = startIngest(data, [...CAR, '--firmware', 'canable-stock', '--can-fd', '3', '--json'], {stdio: ['ignore', 'pipe', 'pipe', fd]})
    closeSync(fd)
    const exit = await ingest.exit
    await stop(emitter)
    expect(exit.code, ingest.stderr).toBe(69)
    const summary = JSON.parse(ingest.stdout()) as {stoppedBy: string; source: {state: string; framesTotal: number}; adapter: {link: string}}
    expect(summary.stoppedBy).toBe('absent')
    expect(summary.source.state).toBe('absent')
    expect(summary.adapter.link).toBe('fd 3 (tty)')
    expect((await storedFrames(data)).frames).toEqual(frames)
  }, 30_000)

  it('reads a pipe as fd 3 to its end (read-only: nothing is sent), exit 0', async () => {
    const data = join(dir.path, 'pipe-data')
    const input = join(dir.path, 'frames.slcan')
    writeFileSync(input, slcanText(frames), 'latin1')
    const ingest = track(
      spawn('sh', ['-c', `cat "$1" | exec "$2" "$3" ingest --car "$4" --can-fd 3 --json 3<&0 </dev/null`, 'sh', input, process.execPath, join(ROOT, 'bin', 'run.js'), ROAD_DBC], {
        env: {...process.env, PITWALL_DATA_DIR: data},
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    )
    let stdout = ''
    ingest.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    expect((await ingest.exit).code).toBe(0)
    const summary = JSON.parse(stdout) as {stoppedBy: string; adapter: {link: string; firmware: {how: string}}}
    expect(summary.stoppedBy).toBe('eof')
    expect(summary.adapter.link).toBe('fd 3 (fifo)')
    expect(summary.adapter.firmware.how).toBe('read-only')
    expect((await storedFrames(data)).frames).toEqual(frames)
  }, 30_000)

  it('talks to an adapter on a socketpair as fd 3: probe, open, frames', async () => {
    const data = join(dir.path, 'socket-data')
    const ingest = startIngest(data, [...CAR, '--can-fd', '3', '--json'], {stdio: ['ignore', 'pipe', 'pipe', 'pipe']})
    // Our end of the socketpair plays a stock CANable: it answers V and streams once opened.
    const adapter = ingest.child.stdio[3] as import('node:stream').Duplex
    let heard = ''
    adapter.on('data', (d: Buffer) => {
      heard += d.toString('latin1')
      if (heard.includes('V\r') && !heard.includes('(answered)')) {
        heard += '(answered)'
        adapter.write('ba6b1dd https://github.com/normaldotcom/canable-fw.git\r')
      }
      if (/O\r$/.test(heard)) adapter.end(slcanText(frames), 'latin1')
    })
    await ingest.exit
    expect(heard.replace('(answered)', '')).toBe('C\rV\rC\rS6\rM1\rO\r')
    const summary = JSON.parse(ingest.stdout()) as {stoppedBy: string; adapter: {link: string}}
    expect(summary.adapter.link).toBe('fd 3 (socket)')
    expect(summary.stoppedBy).toBe('eof')
    expect((await storedFrames(data)).frames).toEqual(frames)
  }, 30_000)

  it('refuses a descriptor it cannot read (/dev/null) with exit 69 and what it is', async () => {
    const fd = openSync('/dev/null', 'r')
    const ingest = startIngest(join(dir.path, 'null-data'), [...CAR, '--can-fd', '3'], {stdio: ['ignore', 'pipe', 'pipe', fd]})
    closeSync(fd)
    expect((await ingest.exit).code).toBe(69)
    expect(unwrapOclifError(ingest.stderr)).toContain('--can-fd 3 is a character device (char 1:3) that is neither a tty nor a USB device node')
  })

  it('refuses a descriptor that is not open (exit 69)', async () => {
    const ingest = startIngest(join(dir.path, 'closed-data'), [...CAR, '--can-fd', '200'])
    expect((await ingest.exit).code).toBe(69)
    expect(unwrapOclifError(ingest.stderr)).toContain('descriptor 200 is not open in this process')
  })
})

describe('a usbfs descriptor goes through the usb-pump helper', () => {
  const dir = tempDir('pitwall-usbfs-')
  afterAll(() => dir.cleanup())
  // CI cannot open a real usbfs node (no USB device), so fstat is made to say major 189 for a pty.
  const asUsbfs = (fd: number): import('node:fs').Stats => Object.assign(fstatSync(fd), {isCharacterDevice: () => true, rdev: (189 << 8) | 7})

  it('spawns the helper with the descriptor as its fd 3 and speaks slcan through its pipes', async () => {
    const link = join(dir.path, 'usb.tty')
    const emitter = startEmitter(link, ['--mode', 'lawicel', '--log', ROAD_LOG, '--count', '500', '--fps', '5000'])
    await waitForPath(link)
    const fd = openSync(link, 'r+')
    const opener = descriptorOpener(fd, {stat: asUsbfs, tty: () => false, usbPump: {path: FAKE_PUMP}})
    expect(opener.info).toMatchObject({kind: 'usbfs', major: 189, minor: 7})
    const {SlcanAdapterSource} = await import('../../src/lib/source/index.js')
    // A generous probe window: the stand-in pump is a Python process on a possibly loaded machine.
    const source = new SlcanAdapterSource({bitrateBps: 500_000, firmware: 'auto', listenOnly: true, opener, probeTimeoutMs: 3000, timestamps: false})
    const got: FrameBatch[] = []
    const reading = (async () => {
      for await (const batch of source.batches()) got.push(batch)
    })()
    await waitFor(() => got.reduce((n, b) => n + b.length, 0) >= 500, 15_000, '500 frames through the pump')
    await source.stop()
    await reading
    closeSync(fd)
    await stop(emitter)
    expect(source.details().firmware).toMatchObject({family: 'lawicel', how: 'probe'})
    expect(emitter.stderr).toContain('emitter: open L')
    const ids = got.flatMap((b) => Array.from(b.id.subarray(0, b.length)))
    expect(ids).toEqual(logFrames(ROAD_LOG).slice(0, 500).map((f) => f.id))
  }, 30_000)

  it('without a built helper: a clear error naming it and how to build it', async () => {
    const fd = openSync('/dev/null', 'r')
    const opener = descriptorOpener(fd, {stat: asUsbfs, tty: () => false, usbPump: {path: join(dir.path, 'no-such-usb-pump')}})
    await expect(opener.open({data: () => undefined, end: () => undefined})).rejects.toThrow(/needs the usb-pump helper, which is not built: no executable at .*no-such-usb-pump/)
    await expect(descriptorOpener(fd, {stat: asUsbfs, tty: () => false, usbPump: {path: join(dir.path, 'x')}}).open({data: () => undefined, end: () => undefined})).rejects.toMatchObject({
      code: 'PW_USB_PUMP_MISSING',
      exit: 69,
      suggestions: expect.arrayContaining([expect.stringContaining('npm run build:usb-pump')]),
    })
    closeSync(fd)
  })

  describe('the real C helper', () => {
    beforeAll(() => {
      // CI builds it (npm run build:usb-pump); build it here too when a developer has not.
      if (!existsSync(join(PUMP_DIR, 'usb-pump'))) execFileSync('make', ['-C', PUMP_DIR], {stdio: 'ignore'})
    }, 60_000)

    const run = (fd3: number | 'ignore'): {status: number | null; stderr: string} => {
      try {
        execFileSync(join(PUMP_DIR, 'usb-pump'), [], {stdio: ['ignore', 'ignore', 'pipe', fd3]})
        return {status: 0, stderr: ''}
      } catch (error) {
        const e = error as {status: number | null; stderr: Buffer}
        return {status: e.status, stderr: e.stderr.toString()}
      }
    }

    it('builds against libusb and refuses a descriptor that is not a USB device node (exit 3)', () => {
      const nul = openSync('/dev/null', 'r')
      expect(run(nul)).toEqual({status: 3, stderr: 'usb-pump: fd 3 is not a USB device node: it is a character device 1:3, usbfs nodes are major 189\n'})
      closeSync(nul)
      const file = openSync(ROAD_LOG, 'r')
      expect(run(file)).toEqual({status: 3, stderr: 'usb-pump: fd 3 is not a USB device node: it is a regular file (usbfs nodes are character devices, major 189)\n'})
      closeSync(file)
      expect(run('ignore').stderr).toMatch(/^usb-pump: fd 3 is not open/)
    })
  })
})
