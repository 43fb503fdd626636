/**
 * One connection to an slcan adapter, from opening its link to closing it: the probe, the open
 * sequence for the bus, parsing what arrives, the `F` status flags, and the open sequence sent
 * once more when no frame comes within `reopenIfSilentMs` (a reset or replugged adapter forgot
 * it). Nothing else is ever sent. Reconnecting is the loop's business (connection-loop.ts).
 */
import {FIRMWARE, type FirmwareChoice, type SlcanEvent, SlcanParser, type SlcanParserStats, STATUS_FLAGS, openSequence} from '../can/slcan/index.js'
import type {ByteLink, LinkEnd, LinkOpener} from './byte-link.js'
import {type ChosenFirmware, FirmwareProbe, readOnlyFirmware} from './firmware-probe.js'
import type {FrameAccumulator} from './frame-accumulator.js'
import type {HostClock} from './host-clock.js'
import type {SourceLog} from './source.js'

/** Why a connection ended. */
export type ConnectionEnd = LinkEnd | {readonly kind: 'restart'; readonly message: string} | {readonly kind: 'stop'; readonly message: string}

/** What every connection of one source is opened with. */
export interface ConnectionSettings {
  readonly opener: LinkOpener
  readonly bitrateBps: number
  readonly listenOnly: boolean
  readonly firmware: FirmwareChoice
  /** Ask for `Z1` stamps where the family has them. */
  readonly timestamps: boolean
  /** Longest wait for the answer to `V`. Default 300 ms. */
  readonly probeTimeoutMs?: number
  /** No frame this long after opening: send the open sequence again. Default 2000 ms. */
  readonly reopenIfSilentMs?: number
  readonly log: SourceLog
}

/** What a connection reports to its source. */
export interface ConnectionHooks {
  readonly accumulator: FrameAccumulator
  readonly clock: HostClock
  /** Frames were parsed from a read. */
  framesArrived(): void
  /** The adapter says it lost frames (we learn that it happened, not how many). */
  adapterOverflow(): void
  /** The open sequence was sent again on a live link. */
  reopenSent(): void
}

export class SlcanConnection {
  /** Resolves once, with why the connection ended. */
  readonly ended: Promise<ConnectionEnd>
  firmware: ChosenFirmware | undefined
  /** The adapter's last `F` flags on this connection. */
  statusFlags: number | undefined
  openedAtMs = Number.NaN
  private resolveEnd!: (end: ConnectionEnd) => void
  private pendingEnd: ConnectionEnd | undefined
  private link: ByteLink | undefined
  private readonly parser: SlcanParser
  private readonly probe: FirmwareProbe
  private framesAtOpen = 0
  private reopenTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly hooks: ConnectionHooks,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnd = resolve))
    this.parser = new SlcanParser({onEvent: (event) => this.onEvent(event)})
    this.probe = new FirmwareProbe({describe: settings.opener.describe, firmware: settings.firmware, listenOnly: settings.listenOnly, log: settings.log, ...(settings.probeTimeoutMs === undefined ? {} : {probeTimeoutMs: settings.probeTimeoutMs})})
  }

  /** True once the connection was told to end (the link went away, stop, restart). */
  get ending(): boolean {
    return this.pendingEnd !== undefined
  }

  get hasLink(): boolean {
    return this.link !== undefined
  }

  get parserStats(): SlcanParserStats {
    return this.parser.stats
  }

  get framesSinceOpen(): number {
    return this.parser.stats.frames - this.framesAtOpen
  }

  /**
   * Opens the link, chooses the firmware and sends the open sequence. Throws what the opener
   * throws (`LinkGoneError`, a failed open) and a refusal (`PitwallError`); the link is then closed.
   */
  async open(): Promise<void> {
    const link = await this.settings.opener.open({data: (chunk, ageMs) => this.onData(chunk, ageMs), end: (reason) => this.finish(reason)})
    this.link = link
    try {
      this.firmware = link.writable ? await this.probe.choose(link) : readOnlyFirmware(this.settings.firmware)
      if (this.pendingEnd) return
      if (link.writable) this.sendOpen()
    } catch (error) {
      this.close()
      throw error
    }
    this.openedAtMs = performance.now()
    this.framesAtOpen = this.parser.stats.frames
    if (link.writable) this.scheduleReopen(link)
  }

  /** Ends the connection (once): `ended` resolves with `end`. */
  finish(end: ConnectionEnd): void {
    if (this.pendingEnd) return
    this.pendingEnd = end
    this.probe.cancel()
    this.resolveEnd(end)
  }

  /** Hands on what was read, closes the link. Idempotent. */
  close(): void {
    clearTimeout(this.reopenTimer)
    const link = this.link
    this.link = undefined
    if (!link) return
    this.hooks.accumulator.finish(this.parser, this.hooks.clock.nowUs())
    void link.close().catch(() => undefined)
  }

  /** Sends the open sequence again on this link (a watchdog restart of a link that cannot be reopened). */
  resendOpen(): void {
    if (!this.link?.writable) return
    this.hooks.reopenSent()
    this.sendOpen()
  }

  /** Asks for the status flags, where the family answers `F`. */
  pollStatus(): void {
    if (this.link?.writable && this.firmware && FIRMWARE[this.firmware.family].statusFlags) this.link.write('F\r')
  }

  private sendOpen(): void {
    const link = this.link!
    const s = this.settings
    const sequence = openSequence(this.firmware!.family, {bitrateBps: s.bitrateBps, listenOnly: s.listenOnly, timestamps: s.timestamps})
    for (const command of sequence) link.write(command)
    s.log.info({family: this.firmware!.family, link: s.opener.describe, sent: sequence.join('').replaceAll('\r', ' ').trim()}, 'adapter opened')
  }

  private scheduleReopen(link: ByteLink): void {
    const silentMs = this.settings.reopenIfSilentMs ?? 2000
    this.reopenTimer = setTimeout(() => {
      if (this.link !== link || this.framesSinceOpen > 0) return
      this.settings.log.warn({link: this.settings.opener.describe, silentMs}, 'no frame since opening: sending the open sequence again')
      this.resendOpen()
    }, silentMs)
    this.reopenTimer.unref()
  }

  private onData(chunk: Uint8Array, ageMs = 0): void {
    // Stamped when read: a reader thread may hand bytes over a little later.
    const hostUs = Math.round(this.hooks.clock.nowUs() - ageMs * 1000)
    const before = this.parser.stats.frames
    this.hooks.accumulator.feed(this.parser, chunk, hostUs)
    if (this.parser.stats.frames !== before) this.hooks.framesArrived()
  }

  private onEvent(event: SlcanEvent): void {
    this.probe.hear(event)
    if (event.kind === 'status') {
      this.statusFlags = event.flags
      if (event.flags & (STATUS_FLAGS.rxFifoFull | STATUS_FLAGS.dataOverrun)) this.hooks.adapterOverflow()
    } else if (event.kind === 'bus-error' && event.errors.includes('rx-overrun')) {
      this.hooks.adapterOverflow()
    }
  }
}
