/**
 * The adapter side: a pure model of a CANable (or Lawicel adapter) that answers commands byte for
 * byte as its firmware family does and formats received frames as that firmware emits them. The
 * simulator uses it to *be* an adapter on a pty; the tests use it to check that what the host
 * sends is what each family understands.
 */
import type {Frame, FrameBatch, FrameInit} from '../frame.js'
import {canable25Command, lawicelCommand, stockCommand, type AdapterState, type CommandContext, initialState} from './adapter-commands.js'
import {CR, asciiBytes} from './ascii.js'
import {FIRMWARE, type FirmwareFacts, type FirmwareFamily} from './firmware.js'
import {formatFrameLine} from './frame-line.js'

/** The `V` replies the emulator gives unless told otherwise (shapes from each firmware's source). */
export const DEFAULT_VERSION_REPLIES: Readonly<Record<FirmwareFamily, string>> = {
  'canable-stock': 'ba6b1dd https://github.com/normaldotcom/canable2-fw.git',
  lawicel: 'V1013',
  'canable-2.5': '+Board: MksMakerbase\tMCU: STM32G431\tDevID: 1128\tFirmware: 2427156\tSlcan: 100\tClock: 160\tLimits: 512,256,128,128,32,32,16,16',
}

export interface SlcanAdapterEmulatorOptions {
  /** The `V` reply without its `\r`. */
  readonly versionReply?: string
  /** The `N` reply's four characters (Lawicel family). */
  readonly serial?: string
  /**
   * Stock family only: answer `\r` / BEL after each command, as canable2-fw builds since commit
   * b0ce665 do (canable-fw 1.x and older 2.0 builds answer nothing). Default false.
   */
  readonly stockAcks?: boolean
  /** A frame the host transmitted and the adapter put on the bus (not called in listen-only). */
  readonly onTransmit?: (frame: Frame) => void
}

/** Longest command kept; the firmware drops its buffer when a command overruns SLCAN_MTU. */
const MAX_COMMAND = 160
const MS_WINDOW = 60_000
const US_WINDOW = 3_600_000_000
const EMPTY = new Uint8Array(0)

export class SlcanAdapterEmulator {
  readonly facts: FirmwareFacts
  /** Frames the host transmitted onto the bus. */
  transmitted = 0
  private readonly state: AdapterState = initialState()
  private readonly context: CommandContext
  private readonly handle: (context: CommandContext, command: string) => string
  private pending = ''
  private lastTimeMs = 0

  constructor(
    readonly family: FirmwareFamily,
    options: SlcanAdapterEmulatorOptions = {},
  ) {
    this.facts = FIRMWARE[family]
    this.handle = family === 'canable-stock' ? stockCommand : family === 'lawicel' ? lawicelCommand : canable25Command
    const onTransmit = options.onTransmit
    this.context = {
      facts: this.facts,
      serial: options.serial ?? 'A123',
      state: this.state,
      stockAcks: options.stockAcks ?? false,
      transmit: (batch: FrameBatch) => {
        this.transmitted++
        onTransmit?.(batch.frame(0))
      },
      versionReply: options.versionReply ?? DEFAULT_VERSION_REPLIES[family],
    }
  }

  /** On the bus (after `O`, `L`, `OS` …). */
  get open(): boolean {
    return this.state.open
  }

  /** On the bus without ever transmitting. */
  get listenOnly(): boolean {
    return this.state.open && this.state.listenOnly
  }

  /** The nominal bit rate set by `S`, or undefined. */
  get bitrateBps(): number | undefined {
    for (const [bps, command] of this.facts.bitrates) if (command === this.state.bitrateCommand) return bps
    return undefined
  }

  /** Received frames carry `Z1` (ms) or `Z2` (µs) stamps. */
  get timestamps(): 'off' | 'ms' | 'us' {
    return this.state.timestampMode === 1 ? 'ms' : this.state.timestampMode === 2 ? 'us' : 'off'
  }

  /** A copy of the firmware's settings (filters, bus-load interval, feedback mode …). */
  settings(): Readonly<AdapterState> {
    return {...this.state, filters: [...this.state.filters]}
  }

  /** Raises Lawicel `F` status bits (see STATUS_FLAGS) for the next `F` to report. */
  raiseStatus(flags: number): void {
    this.state.statusFlags |= flags
  }

  /** Sets the stock canable2-fw error register the `E` command reports. */
  setErrorRegister(value: number): void {
    this.state.errorRegister = value
  }

  /**
   * Feeds bytes the host wrote; returns exactly the bytes the firmware answers (possibly none).
   * Commands split across writes are reassembled; each ends at `\r`.
   */
  receive(bytes: Uint8Array): Uint8Array {
    let reply = ''
    for (const byte of bytes) {
      if (byte !== CR) {
        this.pending = this.pending.length < MAX_COMMAND ? this.pending + String.fromCharCode(byte) : ''
        continue
      }
      const command = this.pending
      this.pending = ''
      reply += this.handle(this.context, command)
    }
    return reply === '' ? EMPTY : asciiBytes(reply)
  }

  /**
   * The bytes the adapter sends the host for a frame it received from the bus: nothing while
   * closed, else the frame line with a `Z1` (`adapterTimeMs` mod 60000, 4 digits) or `Z2`
   * (µs mod 3.6e9, 8 digits) stamp when those are on. Without `adapterTimeMs` the last given
   * time is used.
   */
  emitFrame(frame: FrameInit, adapterTimeMs?: number): Uint8Array {
    if (!this.state.open) return EMPTY
    if (adapterTimeMs !== undefined) this.lastTimeMs = adapterTimeMs
    const mode = this.facts.timestamps ? this.state.timestampMode : 0
    if (mode === 1) return asciiBytes(formatFrameLine(frame, Math.floor(this.lastTimeMs) % MS_WINDOW, 4))
    if (mode === 2) return asciiBytes(formatFrameLine(frame, Math.floor(this.lastTimeMs * 1000) % US_WINDOW, 8))
    return asciiBytes(formatFrameLine(frame))
  }
}
