import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {TermuxUsbSupervisor, checkCallback, pitwallCallback} from '../../src/lib/source/index.js'
import {ROOT, tempDir} from '../helpers.js'
import {ROAD_DBC, ROAD_LOG, startEmitter, stop, storedFrames, waitFor, waitForPath, killAll} from '../ingest/helpers.js'

const FAKE = join(ROOT, 'test', 'fixtures', 'termux', 'termux-usb')
const DEVICE = '/dev/bus/usb/001/002'

describe('the termux-usb supervisor (fake termux-usb)', () => {
  afterEach(killAll)
  const dir = tempDir('pitwall-termux-')
  afterAll(() => dir.cleanup())

  it('is absent without a device, waits for the permission tap, runs the callback with the fd last, and re-runs it after an unplug', async () => {
    const state = join(dir.path, 'phone')
    const data = join(dir.path, 'data')
    mkdirSync(state)
    const set = (file: string, text: string): void => writeFileSync(join(state, file), text)
    set('devices', '')
    set('calls', '')
    set('permission', 'pending')
    const link = join(dir.path, 'adapter.tty')
    set('fd-source', link)
    const lines: string[] = []
    const supervisor = new TermuxUsbSupervisor({
      callback: [process.execPath, join(ROOT, 'bin', 'run.js'), 'ingest', '--bitrate', '500k', '--can-fd'],
      env: {...process.env, FAKE_TERMUX_USB_STATE: state, PITWALL_CAR: ROAD_DBC, PITWALL_DATA_DIR: data},
      onCallbackLine: (line) => lines.push(line),
      reconnectDelaysMs: [100, 200],
      termuxUsb: FAKE,
    })
    supervisor.start()
    await waitFor(() => readFileSync(join(state, 'calls'), 'utf8').includes('-l'), 5000, 'a device listing')
    expect(supervisor.status()).toMatchObject({hints: [expect.stringContaining('no USB device attached')], runs: 0, state: 'absent'})

    // Plugged in: the permission dialog is up.
    const emitter = startEmitter(link, ['--mode', 'stock', '--log', ROAD_LOG, '--count', '1000', '--fps', '5000', '--exit-when-done'])
    await waitForPath(link)
    set('devices', `${DEVICE}\n`)
    await waitFor(() => supervisor.status().state === 'waiting_permission', 5000, 'waiting_permission')
    expect(supervisor.status().hints[0]).toContain('tap "OK"')

    // Tapped: termux-usb runs the callback; pitwall's first log line says it runs.
    set('permission', 'granted')
    await waitFor(() => supervisor.status().state === 'connected', 10_000, 'connected')
    expect(supervisor.status()).toMatchObject({callbacks: 1, device: DEVICE, runs: 1})
    const calls = readFileSync(join(state, 'calls'), 'utf8')
    expect(calls).toContain(`-r -e ${process.execPath} ${join(ROOT, 'bin', 'run.js')} ingest --bitrate 500k --can-fd ${DEVICE}`)

    // The adapter goes away: the callback ends (exit 69: its descriptor is dead) and is run again.
    await emitter.exit
    await waitFor(() => supervisor.status().runs >= 2, 15_000, 'a second run')
    expect(supervisor.status().lastExit?.code).toBe(69)
    await supervisor.stop()
    expect(supervisor.status().state).toBe('stopped')
    expect(lines.some((l) => l === 'committed 1000')).toBe(true)
    expect((await storedFrames(data)).frames.length).toBe(1000)
    await stop(emitter)
  }, 60_000)

  it('reports a denied permission as a failed run and keeps retrying', async () => {
    const state = join(dir.path, 'denied')
    mkdirSync(state)
    writeFileSync(join(state, 'devices'), `${DEVICE}\n`)
    writeFileSync(join(state, 'permission'), 'denied')
    writeFileSync(join(state, 'fd-source'), '/dev/null')
    const supervisor = new TermuxUsbSupervisor({callback: ['/bin/echo', '--can-fd'], env: {...process.env, FAKE_TERMUX_USB_STATE: state}, reconnectDelaysMs: [50], termuxUsb: FAKE})
    supervisor.start()
    await waitFor(() => supervisor.status().runs >= 2 && supervisor.status().lastExit !== undefined, 5000, 'two runs')
    expect(supervisor.status()).toMatchObject({callbacks: 0, lastExit: {code: 1, message: 'Permission denied.'}})
    await supervisor.stop()
  })

  it('refuses a callback termux-callback would split (a space in an argument) or one not ending in --can-fd', () => {
    expect(() => checkCallback(['/data/data/com.termux/files/usr/bin/node', '/home/my pitwall/bin/run.js', 'ingest', '--can-fd'])).toThrow(/splits it at every space/)
    expect(() => checkCallback(['node', 'run.js', 'ingest', '--can-fd', '--json'])).toThrow(/must end in --can-fd/)
    expect(checkCallback(pitwallCallback('/usr/bin/node', '/opt/pitwall/bin/run.js'))).toBe('/usr/bin/node /opt/pitwall/bin/run.js ingest --forward --can-fd')
    expect(() => new TermuxUsbSupervisor({callback: ['a b', '--can-fd']})).toThrow(expect.objectContaining({code: 'PW_TERMUX_CALLBACK', exit: 64}))
  })
})
