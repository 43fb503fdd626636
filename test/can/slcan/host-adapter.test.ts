/**
 * The host side against the emulator of each family: probe, identify, open, receive, transmit,
 * close, exactly as ingest will do it over a real serial line.
 */
import {describe, expect, it} from 'vitest'

import {type Frame, FrameBatch, type FrameInit} from '../../../src/lib/can/frame.js'
import {asciiBytes} from '../../../src/lib/can/slcan/ascii.js'
import {PROBE_SEQUENCE, closeSequence, openSequence, transmitCommand, versionReplyOf} from '../../../src/lib/can/slcan/commands.js'
import {SlcanAdapterEmulator} from '../../../src/lib/can/slcan/emulator.js'
import {FIRMWARE_FAMILIES, type FirmwareFamily, identifyFirmware} from '../../../src/lib/can/slcan/firmware.js'
import {SlcanParser} from '../../../src/lib/can/slcan/parser.js'
import type {SlcanEvent} from '../../../src/lib/can/slcan/reply-line.js'
import {HOST_US, brief} from './helpers.js'

/** A host wired to an emulated adapter: what the host writes goes to the adapter, replies to the parser. */
class Bench {
  readonly events: SlcanEvent[] = []
  readonly sent: Frame[] = []
  readonly received: Frame[] = []
  readonly adapter: SlcanAdapterEmulator
  readonly parser = new SlcanParser({onEvent: (event) => this.events.push(event)})
  private readonly batch = new FrameBatch(8)

  constructor(family: FirmwareFamily) {
    this.adapter = new SlcanAdapterEmulator(family, {onTransmit: (frame) => this.sent.push(frame)})
  }

  write(commands: readonly string[], hostTimeUs = HOST_US): void {
    for (const command of commands) this.read(this.adapter.receive(asciiBytes(command)), hostTimeUs)
  }

  read(bytes: Uint8Array, hostTimeUs: number): void {
    let offset = 0
    while (offset < bytes.length) {
      offset = this.parser.feed(bytes, hostTimeUs, this.batch, offset)
      this.drain()
    }
  }

  drain(): void {
    this.received.push(...this.batch.frames())
    this.batch.clear()
  }
}

const TRAFFIC: readonly FrameInit[] = [
  {data: [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77], id: 0x420},
  {data: [0xde, 0xad], extended: true, id: 0x18daf110},
  {id: 0x7df, length: 3, remote: true},
  {brs: true, data: Array.from({length: 12}, (_, i) => i), fd: true, id: 0x7e0},
]

describe.each(FIRMWARE_FAMILIES)('host ↔ %s adapter', (family) => {
  for (const listenOnly of [false, true]) {
    it(`${listenOnly ? 'listen-only' : 'normal'}: probe identifies it, the open sequence is accepted, frames flow, transmits obey the mode`, () => {
      const bench = new Bench(family)

      bench.write(PROBE_SEQUENCE)
      const reply = bench.events.map(versionReplyOf).find((text) => text !== undefined)
      expect(identifyFirmware(reply)).toBe(family)

      bench.write(openSequence(family, {bitrateBps: 500_000, listenOnly, timestamps: true}))
      expect(bench.adapter.open).toBe(true)
      expect(bench.adapter.listenOnly).toBe(listenOnly)
      expect(bench.adapter.bitrateBps).toBe(500_000)
      expect(bench.adapter.timestamps).toBe(family === 'lawicel' ? 'ms' : 'off')
      // Only a closed Lawicel adapter refuses anything: the two C (probe, open) while closed.
      expect(bench.parser.stats.nacks).toBe(family === 'lawicel' ? 2 : 0)
      expect(bench.parser.stats.acks).toBe({'canable-stock': 0, 'canable-2.5': 2, lawicel: 3}[family])

      // Frames from the bus, 10 ms apart in adapter time, read 0..3 ms late by the host.
      TRAFFIC.forEach((frame, n) => bench.read(bench.adapter.emitFrame(frame, 59_985 + 10 * n), HOST_US + n * 10_000 + (n % 2) * 3000))
      expect(bench.received.map(brief)).toEqual(['std data 420 [8] 0011223344556677', 'ext data 18DAF110 [2] DEAD', 'std rtr 7DF [3]', 'std fd+brs 7E0 [12] 000102030405060708090A0B'])
      const offsets = bench.received.map((f) => f.timestampUs - HOST_US)
      // With Z1 the adapter's 10 ms spacing survives its wrap at 60000; without, host read times.
      expect(offsets).toEqual(family === 'lawicel' ? [0, 10_000, 20_000, 30_000] : [0, 13_000, 20_000, 33_000])

      const nacksBefore = bench.parser.stats.nacks
      bench.write([transmitCommand({data: [1, 2], id: 0x123})])
      if (listenOnly) {
        expect(bench.sent).toEqual([])
        expect(bench.parser.stats.nacks - nacksBefore).toBe(family === 'canable-stock' ? 0 : 1)
      } else {
        expect(bench.sent.map(brief)).toEqual(['std data 123 [2] 0102'])
        expect(bench.parser.stats.txAcks).toBe(family === 'lawicel' ? 1 : 0)
      }

      bench.write(closeSequence(family))
      expect(bench.adapter.open).toBe(false)
      expect(bench.adapter.emitFrame(TRAFFIC[0]!)).toHaveLength(0)
      expect(bench.parser.stats).toMatchObject({badLines: 0, garbageBytes: 0, overlongLines: 0})
    })
  }
})

describe('listen-only commands are per family', () => {
  it("another family's listen-only command does not put the adapter on the bus silently", () => {
    // canable-2.5 given Lawicel's L: a bus-load command (BEL without its interval), adapter stays closed.
    const a25 = new Bench('canable-2.5')
    a25.write(['C\r', 'S8\r', 'L\r'])
    expect([a25.adapter.open, a25.adapter.listenOnly]).toEqual([false, false])
    // stock given L: unknown, ignored, adapter stays closed.
    const stock = new Bench('canable-stock')
    stock.write(['C\r', 'S8\r', 'L\r'])
    expect(stock.adapter.open).toBe(false)
    // The host never does this: each family's listen-only sequence ends in its own open command.
    expect(FIRMWARE_FAMILIES.map((family) => openSequence(family, {bitrateBps: 1_000_000, listenOnly: true, timestamps: false}).at(-1))).toEqual(['O\r', 'L\r', 'OS\r'])
  })
})
