/**
 * The simulator as a USB CAN adapter: on a tty (an existing one, `slcan:PATH`, or a socat pty,
 * `slcan:pty:LINK`), it answers the host's commands byte for byte as the chosen firmware family
 * does (SlcanAdapterEmulator) and, once the host has opened it, sends every frame as that
 * firmware would (with `Z1` stamps where the family has them and the host asked). Frames while
 * the adapter is closed, unplugged, or its output is backed up are not delivered, and counted:
 * `closed`, `unplugged`, `overflow` (a CANable drops what it cannot send over USB).
 *
 * `--unplug-after`/`--unplug-for` (pty only): socat is stopped, so the reader's descriptor gets
 * EIO/HUP and LINK disappears; then a new pty comes up at the same LINK with a fresh adapter that
 * has forgotten it was open, as a replugged CANable has.
 */
import {constants, openSync} from 'node:fs'
import {ReadStream} from 'node:tty'

import {DATA_STRIDE, type FrameBatch} from '../../can/frame.js'
import {type FirmwareFamily, SlcanAdapterEmulator} from '../../can/slcan/index.js'
import {UnavailableError} from '../../errors.js'
import type {GarbageInjector} from './garbage.js'
import {emptyStats, type SimSink, type SinkStats} from './sink.js'
import type {SocatPty} from './socat-pty.js'

/** Bytes queued towards the host before frames are dropped as overflow (a CANable's USB side keeps little more). */
const MAX_PENDING = 64 * 1024
/** At the end of a run, how long the pty stays up for the host to read what is in flight. */
const LINGER_MS = 300

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))

export interface SlcanSinkOptions {
  /** An existing tty, or the pty pair to create. */
  readonly target: {readonly path: string} | {readonly pty: SocatPty}
  readonly family: FirmwareFamily
  readonly garbage: GarbageInjector
  /** Epoch µs of sim time 0: the adapter's `Z1` clock counts from its power-up. */
  readonly startUs: number
  /** Sim time (s) of the unplug, and how long it lasts. */
  readonly unplugAtS?: number
  readonly unplugForS?: number
  /** Said when the adapter is unplugged or back. */
  readonly onEvent?: (message: string) => void
}

export class SlcanSink implements SimSink {
  readonly kind: string
  private port: ReadStream | undefined
  private emulator: SlcanAdapterEmulator
  private powerOnUs: number
  private readonly counters: SinkStats = {...emptyStats(), hostCommands: 0, replugs: 0, unplugs: 0}
  private state: 'idle' | 'plugged' | 'unplugged' | 'replugged' = 'idle'
  private readonly frame: {data: Uint8Array; id: number} = {data: new Uint8Array(8), id: 0}

  constructor(private readonly options: SlcanSinkOptions) {
    this.kind = 'pty' in options.target ? 'slcan-pty' : 'slcan'
    if ('pty' in options.target) this.counters.deliveredSinceReplug = 0
    this.emulator = new SlcanAdapterEmulator(options.family)
    this.powerOnUs = options.startUs
  }

  /** The path the host opens. */
  get hostPath(): string {
    const t = this.options.target
    return 'pty' in t ? t.pty.link : t.path
  }

  async open(): Promise<void> {
    const t = this.options.target
    if ('pty' in t) await t.pty.start()
    this.attach('pty' in t ? t.pty.inner : t.path)
    this.state = 'plugged'
  }

  async write(batch: FrameBatch, _fromS: number, toS: number): Promise<void> {
    await this.followUnplugSchedule(toS)
    if (batch.length === 0) return
    if (this.state === 'unplugged' || !this.port) return this.notDelivered('unplugged', batch.length)
    if (!this.emulator.open) return this.notDelivered('closed', batch.length)
    if (this.port.writableLength > MAX_PENDING) return this.notDelivered('overflow', batch.length)
    const chunks: Uint8Array[] = []
    for (let i = 0; i < batch.length; i++) {
      if (this.options.garbage.due()) {
        const noise = this.options.garbage.slcanNoise()
        chunks.push(noise)
        this.counters.garbageLines++
        this.counters.garbageBytes += noise.length - 1
      }
      this.frame.id = batch.id[i]!
      this.frame.data = batch.data.subarray(i * DATA_STRIDE, i * DATA_STRIDE + batch.dataLength[i]!)
      chunks.push(this.emulator.emitFrame(this.frame, (batch.timestampUs[i]! - this.powerOnUs) / 1000))
    }
    this.port.write(Buffer.concat(chunks))
    this.counters.delivered += batch.length
    if (this.state === 'replugged') this.counters.deliveredSinceReplug! += batch.length
  }

  async close(): Promise<void> {
    // A clean end (not an unplug): let what was written reach the host before the pty goes.
    const port = this.port
    const deadline = Date.now() + 1000
    while (port && this.port === port && port.writableLength > 0 && Date.now() < deadline) await sleep(10)
    if (port && 'pty' in this.options.target) await sleep(LINGER_MS)
    this.detach()
    const t = this.options.target
    if ('pty' in t) await t.pty.dispose()
  }

  stats(): SinkStats {
    return {...this.counters, notDelivered: {...this.counters.notDelivered}}
  }

  private async followUnplugSchedule(nowS: number): Promise<void> {
    const {unplugAtS, unplugForS} = this.options
    const t = this.options.target
    if (unplugAtS === undefined || !('pty' in t)) return
    if (this.state === 'plugged' && nowS >= unplugAtS) {
      this.detach()
      await t.pty.stop()
      this.state = 'unplugged'
      this.counters.unplugs!++
      this.options.onEvent?.(`adapter unplugged: ${t.pty.link} removed`)
    } else if (this.state === 'unplugged' && nowS >= unplugAtS + (unplugForS ?? 0)) {
      await t.pty.start()
      // A replugged adapter has powered up afresh: closed, default settings, its clock at zero.
      this.emulator = new SlcanAdapterEmulator(this.options.family)
      this.powerOnUs = this.options.startUs + nowS * 1e6
      this.attach(t.pty.inner)
      this.state = 'replugged'
      this.counters.replugs!++
      this.counters.deliveredSinceReplug = 0
      this.options.onEvent?.(`adapter plugged back in at ${t.pty.link}`)
    }
  }

  private attach(path: string): void {
    let fd: number
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY)
    } catch (error) {
      throw new UnavailableError(`slcan:${path}: cannot open: ${(error as Error).message}`, {code: 'PW_TTY_OPEN'})
    }
    const port = new ReadStream(fd)
    if (!port.isTTY) throw new UnavailableError(`slcan:${path} is not a tty`, {code: 'PW_NOT_A_TTY'})
    port.setRawMode(true)
    port.on('data', (bytes: Buffer) => {
      for (const b of bytes) if (b === 0x0d) this.counters.hostCommands!++
      const reply = this.emulator.receive(bytes)
      if (reply.length > 0) port.write(reply)
    })
    // The far end went away (socat stopped, the tty hung up): nothing more can be delivered.
    const gone = (): void => {
      if (this.port === port) this.port = undefined
    }
    port.on('error', gone)
    port.on('close', gone)
    port.on('end', gone)
    this.port = port
  }

  private detach(): void {
    const port = this.port
    this.port = undefined
    port?.destroy()
  }

  private notDelivered(reason: string, n: number): void {
    this.counters.notDelivered[reason] = (this.counters.notDelivered[reason] ?? 0) + n
  }
}
