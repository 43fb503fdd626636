import {describe, expect, it} from 'vitest'

import type {FrameBatch} from '../../src/lib/can/frame.js'
import {type FirmwareFamily, SlcanAdapterEmulator, STATUS_FLAGS} from '../../src/lib/can/slcan/index.js'
import {type LinkEvents, type LinkOpener, SlcanAdapterSource} from '../../src/lib/source/index.js'

/** A LinkOpener onto pitwall's own adapter emulator: each open is a fresh plug-in. */
class EmulatedAdapter implements LinkOpener {
  readonly describe = 'emulated'
  emulator!: SlcanAdapterEmulator
  events: LinkEvents | undefined
  written = ''
  opens = 0
  constructor(
    private readonly family: FirmwareFamily | 'mute',
    private readonly versionReply?: string,
  ) {}

  async open(events: LinkEvents) {
    this.opens++
    this.events = events
    this.emulator = new SlcanAdapterEmulator(this.family === 'mute' ? 'canable-stock' : this.family, this.versionReply ? {versionReply: this.versionReply} : {})
    return {
      close: async () => {
        this.events = undefined
      },
      write: (text: string) => {
        this.written += text
        const reply = this.emulator.receive(Buffer.from(text, 'latin1'))
        if (reply.length > 0 && this.family !== 'mute') setImmediate(() => this.events?.data(reply))
      },
      writable: true,
    }
  }

  /** Sends frames as the adapter would, if it is open. */
  send(n: number, id = 0x123): void {
    if (!this.emulator.open) return
    const parts = Array.from({length: n}, (_, i) => this.emulator.emitFrame({data: [i & 0xff, 1, 2, 3, 4, 5, 6, 7], id}))
    this.events?.data(Buffer.concat(parts))
  }

  unplug(): void {
    this.events?.end({kind: 'hangup', message: 'EIO'})
  }
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function collect(source: SlcanAdapterSource, until: (frames: number) => boolean): Promise<number> {
  let frames = 0
  for await (const batch of source.batches() as AsyncIterable<FrameBatch>) {
    frames += batch.length
    if (until(frames)) break
  }
  return frames
}

describe('SlcanAdapterSource', () => {
  const cases: Array<[FirmwareFamily, boolean, string]> = [
    ['canable-stock', true, 'C\rV\rC\rS8\rM1\rO\r'],
    ['canable-stock', false, 'C\rV\rC\rS8\rM0\rO\r'],
    ['lawicel', true, 'C\rV\rC\rS8\rZ0\rL\r'],
    ['canable-2.5', true, 'C\rV\rC\rS8\rOS\r'],
  ]
  for (const [family, listenOnly, sent] of cases) {
    it(`probes, recognises ${family} and opens it ${listenOnly ? 'listen-only' : 'normally'}: ${JSON.stringify(sent)}`, async () => {
      const adapter = new EmulatedAdapter(family)
      const source = new SlcanAdapterSource({bitrateBps: 1_000_000, firmware: 'auto', listenOnly, opener: adapter, probeTimeoutMs: 100, timestamps: false})
      source.start()
      await wait(150)
      expect(adapter.written).toBe(sent)
      expect(adapter.emulator.open).toBe(true)
      expect(adapter.emulator.listenOnly).toBe(listenOnly)
      expect(source.status().state).toBe('connected')
      expect(source.details().firmware).toMatchObject({family, how: 'probe'})
      await source.stop()
      expect(source.status().state).toBe('stopped')
    })
  }

  it('refuses listen-only on firmware that does not answer V, unless told which firmware it is', async () => {
    const mute = new EmulatedAdapter('mute')
    const source = new SlcanAdapterSource({bitrateBps: 500_000, firmware: 'auto', listenOnly: true, opener: mute, probeTimeoutMs: 50, timestamps: false})
    await expect(collect(source, () => true)).rejects.toMatchObject({code: 'PW_SLCAN_FIRMWARE_UNKNOWN', exit: 64})
    expect(mute.written).toBe('C\rV\r')

    const forced = new EmulatedAdapter('mute')
    const ok = new SlcanAdapterSource({bitrateBps: 500_000, firmware: 'canable-stock', listenOnly: true, opener: forced, timestamps: false})
    ok.start()
    await wait(20)
    expect(forced.written).toBe('C\rS6\rM1\rO\r')
    await ok.stop()
  })

  it('never waits more than the probe window for an answer', async () => {
    const mute = new EmulatedAdapter('mute')
    const source = new SlcanAdapterSource({bitrateBps: 500_000, firmware: 'auto', listenOnly: false, opener: mute, timestamps: false})
    const start = performance.now()
    source.start()
    while (!mute.written.endsWith('O\r')) await wait(5)
    expect(performance.now() - start).toBeLessThan(450)
    expect(source.details().firmware?.how).toBe('fallback')
    await source.stop()
  })

  it('counts adapter overflow from the F status flags it polls (families that have F only)', async () => {
    const adapter = new EmulatedAdapter('lawicel')
    const source = new SlcanAdapterSource({bitrateBps: 500_000, firmware: 'auto', listenOnly: true, opener: adapter, probeTimeoutMs: 50, statusPollMs: 30, timestamps: false})
    source.start()
    await wait(100)
    adapter.emulator.raiseStatus(STATUS_FLAGS.dataOverrun)
    await wait(100)
    expect(source.status().dropped.adapter_overflow).toBe(1)
    expect(source.status().adapterFlags).toMatchObject({dataOverrun: false})
    await source.stop()
    const stock = new EmulatedAdapter('canable-stock')
    const quiet = new SlcanAdapterSource({bitrateBps: 500_000, firmware: 'auto', listenOnly: true, opener: stock, probeTimeoutMs: 50, statusPollMs: 30, timestamps: false})
    quiet.start()
    await wait(150)
    await quiet.stop()
    expect(stock.written).not.toContain('F')
  })

  it('reconnects after an unplug with the backoff, runs the reconnect hooks and counts the attempt', async () => {
    const adapter = new EmulatedAdapter('canable-stock')
    const source = new SlcanAdapterSource({bitrateBps: 500_000, firmware: 'auto', listenOnly: false, opener: adapter, probeTimeoutMs: 30, reconnectDelaysMs: [50], timestamps: false})
    let hooks = 0
    source.onReconnect(() => hooks++)
    const reading = collect(source, (n) => n >= 300)
    await wait(60)
    adapter.send(100)
    await wait(30)
    adapter.unplug()
    await wait(20)
    expect(source.status().state).toBe('reconnecting')
    expect(source.status().hints[0]).toMatch(/^lost the adapter \(EIO\)/)
    await wait(150)
    expect(source.status().state).toBe('connected')
    adapter.send(200)
    expect(await reading).toBe(300)
    expect(hooks).toBe(1)
    expect(adapter.opens).toBe(2)
    expect(source.status().reconnects).toBe(1)
    await source.stop()
  })
})
