import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {ROOT, tempDir} from '../helpers.js'
import {killAll, ROAD_LOG, startEmitter, waitForPath} from '../ingest/helpers.js'
import {startServeProcess} from './serve-process.js'

const FAKE = join(ROOT, 'test', 'fixtures', 'termux', 'termux-usb')
const DEVICE = '/dev/bus/usb/001/002'

describe('serve --usb (Termux, with a fake termux-usb)', () => {
  afterEach(killAll)
  const dir = tempDir('pitwall-serve-usb-')
  afterAll(() => dir.cleanup())

  it('reports waiting_permission, then stores every frame the callback forwards, and re-runs it after an unplug', async () => {
    const phone = join(dir.path, 'phone')
    const data = join(dir.path, 'data')
    mkdirSync(phone)
    const set = (file: string, text: string): void => writeFileSync(join(phone, file), text)
    const link = join(dir.path, 'adapter.tty')
    set('devices', `${DEVICE}\n`)
    set('calls', '')
    set('permission', 'pending')
    set('fd-source', link)
    const emitter = startEmitter(link, ['--mode', 'stock', '--log', ROAD_LOG, '--count', '1000', '--fps', '2000', '--exit-when-done'])
    await waitForPath(link)

    const serve = await startServeProcess(data, ['--usb', DEVICE, '--termux-usb', FAKE], {FAKE_TERMUX_USB_STATE: phone})
    const health = async (): Promise<any> => (await serve.request('GET', '/health')).body
    let h = await health()
    for (let i = 0; i < 100 && h.can.state !== 'waiting_permission'; i++) h = (await new Promise((r) => setTimeout(r, 100)), await health())
    expect(h.can.state).toBe('waiting_permission')
    expect(h.can.source).toBe(`termux-usb:${DEVICE}`)
    expect(h.status).toBe('down')

    set('permission', 'granted')
    // The callback (ingest --forward --can-fd N) forwards all 1000 frames to the bridge.
    for (let i = 0; i < 600 && h.can.frames_total < 1000; i++) h = (await new Promise((r) => setTimeout(r, 100)), await health())
    expect(h.can.frames_total).toBe(1000)
    await emitter.exit
    // Unplugged: the descriptor dies, the callback exits 69, the supervisor runs termux-usb again.
    for (let i = 0; i < 300 && h.can.reconnects < 1; i++) h = (await new Promise((r) => setTimeout(r, 100)), await health())
    expect(h.can.reconnects).toBeGreaterThanOrEqual(1)
    const list = await serve.request('GET', '/sessions')
    expect(list.body.sessions.at(-1).frames).toBe(1000)
    expect((await serve.stop()).code).toBe(0)
  }, 120_000)
})
