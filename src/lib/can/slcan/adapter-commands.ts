/**
 * How each firmware family answers one command (a line without its `\r`), as read from its source
 * or manual. Used by SlcanAdapterEmulator; kept apart so each family reads as one switch.
 *
 * ```
 * command   canable-stock        lawicel              canable-2.5
 * C         (nothing)            \r  (BEL if closed)  (nothing, resets all modes)
 * S7        (nothing; 750k)      \r  (800k)           \r  (800k)
 * L         (nothing: unknown)   \r  listen-only      BEL (L<n> = bus-load report)
 * F         (nothing: unknown)   F00\r                \r  (F<filter> sets a filter!)
 * Z1        (nothing: unknown)   \r                   BEL (firmware lacks Z)
 * V         ba6b1dd https://…\r  V1013\r              +Board: …\t…\r
 * t1230     (nothing)            z\r                  \r
 * ```
 */
import {FrameBatch} from '../frame.js'
import {BEL} from './ascii.js'
import type {FirmwareFacts} from './firmware.js'
import {isFrameLetter, parseFrameLine} from './frame-line.js'
import {AdapterClock} from './clock.js'

/** An emulated adapter's settings, as the firmware keeps them. */
export interface AdapterState {
  open: boolean
  /** Effective while open: the controller never transmits (no ACK bits either). */
  listenOnly: boolean
  /** Stock and 2.5 `M1`: silent mode for the next `O`. */
  silent: boolean
  /** The `S` command in force (`S8`), or undefined when unset or set by `s` timing registers. */
  bitrateCommand: string | undefined
  /** 0 off, 1 = `Z1` ms, 2 = `Z2` µs (Lawicel family only). */
  timestampMode: number
  /** Lawicel `F` flags, cleared when read. */
  statusFlags: number
  /** Stock canable2-fw error register (`E`). */
  errorRegister: number
  autoRetransmit: boolean
  /** 2.5 `L<n>`: bus-load report interval, 0 = off. */
  busLoadIntervalMs: number
  /** 2.5 `F…` filters as sent. */
  filters: string[]
  /** 2.5 `MF`: answers `#\r` / `#<code>\r` instead of `\r` / BEL. */
  feedback: boolean
}

export function initialState(): AdapterState {
  return {
    autoRetransmit: true,
    bitrateCommand: undefined,
    busLoadIntervalMs: 0,
    errorRegister: 0,
    feedback: false,
    filters: [],
    listenOnly: false,
    open: false,
    silent: false,
    statusFlags: 0,
    timestampMode: 0,
  }
}

export interface CommandContext {
  readonly facts: FirmwareFacts
  readonly state: AdapterState
  readonly versionReply: string
  readonly serial: string
  /** Stock only: answer `\r`/BEL like canable2-fw builds since 2023 (b0ce665) do. */
  readonly stockAcks: boolean
  /** A frame the host asked to transmit that went onto the bus. */
  readonly transmit: (batch: FrameBatch) => void
}

const OK = '\r'
const ERROR = String.fromCharCode(BEL)
/** One-frame scratch batch and clock for decoding transmit commands. */
const scratch = new FrameBatch(1)
const scratchClock = new AdapterClock()

/** Decodes a `t…`/`T…`/… transmit command into `scratch`; false when malformed. */
function decodeTransmit(command: string): boolean {
  const bytes = new Uint8Array(command.length)
  for (let i = 0; i < command.length; i++) bytes[i] = command.charCodeAt(i) & 0xff
  scratch.clear()
  return parseFrameLine(bytes, 0, bytes.length, 0, scratch, scratchClock)
}

/** normaldotcom canable-fw / canable2-fw `slcan_parse_str`. */
export function stockCommand(context: CommandContext, command: string): string {
  const {facts, state} = context
  const ok = context.stockAcks ? OK : ''
  const error = context.stockAcks ? ERROR : ''
  const argument = command.charAt(1)
  switch (command.charAt(0)) {
    case 'O':
      state.open = true
      state.listenOnly = state.silent
      return ok
    case 'C':
      state.open = false
      return ok
    case 'S': {
      if (![...facts.bitrates.values()].includes(command.slice(0, 2))) return error
      // can_set_bitrate: "cannot set bitrate while on bus", silently.
      if (!state.open) state.bitrateCommand = command.slice(0, 2)
      return ok
    }
    case 'M':
    case 'm':
      if (!state.open) state.silent = argument === '1'
      return ok
    case 'A':
    case 'a':
      if (!state.open) state.autoRetransmit = argument === '1'
      return ok
    case 'V':
    case 'v':
      return `${context.versionReply}\r`
    case 'E':
      // snprintf "CANable Error Register: %X", sent without a terminator.
      return `CANable Error Register: ${state.errorRegister.toString(16).toUpperCase()}`
    case 'Y':
      return ok
    default:
      if (!isFrameLetter(command.charCodeAt(0))) return error
      if (!decodeTransmit(command)) return error
      if (state.open && !state.listenOnly) context.transmit(scratch)
      return ok
  }
}

/** Lawicel CAN232 as implemented by Nakakiyo092/canable2-fw and can-utils slcanpty. */
export function lawicelCommand(context: CommandContext, command: string): string {
  const {facts, state} = context
  const closedOnly = (apply: () => void): string => {
    if (state.open) return ERROR
    apply()
    return OK
  }
  switch (command) {
    case 'O':
    case 'L':
      return closedOnly(() => {
        state.open = true
        state.listenOnly = command === 'L'
      })
    case 'C':
      if (!state.open) return ERROR
      state.open = false
      return OK
    case 'F': {
      if (!state.open) return ERROR
      const flags = state.statusFlags
      state.statusFlags = 0
      return `F${flags.toString(16).toUpperCase().padStart(2, '0')}\r`
    }
    case 'V':
      return `${context.versionReply}\r`
    case 'N':
      return `N${context.serial}\r`
    case 'Z0':
    case 'Z1':
    case 'Z2':
      return closedOnly(() => (state.timestampMode = Number(command.charAt(1))))
  }
  const letter = command.charAt(0)
  if (letter === 'S') {
    if (![...facts.bitrates.values()].includes(command)) return ERROR
    return closedOnly(() => (state.bitrateCommand = command))
  }
  if (letter === 's') return closedOnly(() => (state.bitrateCommand = undefined))
  if (letter === 'M' || letter === 'm') return closedOnly(() => undefined)
  if (isFrameLetter(command.charCodeAt(0))) {
    if (!state.open || state.listenOnly || !decodeTransmit(command)) return ERROR
    context.transmit(scratch)
    return letter === letter.toUpperCase() ? 'Z\r' : 'z\r'
  }
  return ERROR
}

/** 2.5 feedback codes (Slcan manual, "Feedback"). */
const FEEDBACK = {invalidCommand: '1', invalidParameter: '2', needsOpen: '3', needsClosed: '4', silent: '9', noBitrate: ':'} as const
const MODE_LETTERS = '01AaDdEeFfIiMmRrSs'

/** Elmue CANable 2.5 Slcan firmware (its manual's command tables). */
export function canable25Command(context: CommandContext, command: string): string {
  const {facts, state} = context
  const ok = (): string => (state.feedback ? '#\r' : OK)
  const error = (code: string): string => (state.feedback ? `#${code}\r` : ERROR)
  const letter = command.charAt(0)
  const rest = command.slice(1)
  switch (letter) {
    case 'C':
      // Resets every setting; "the only command that does not send a feedback".
      Object.assign(state, initialState())
      return ''
    case 'S':
      if (state.open) return error(FEEDBACK.needsClosed)
      if (![...facts.bitrates.values()].includes(command)) return error(FEEDBACK.invalidParameter)
      state.bitrateCommand = command
      return ok()
    case 'O': {
      if (state.open) return error(FEEDBACK.needsClosed)
      if (state.bitrateCommand === undefined) return error(FEEDBACK.noBitrate)
      if (!['', 'N', 'S', 'I', 'E'].includes(rest)) return error(FEEDBACK.invalidParameter)
      state.open = true
      state.listenOnly = rest === 'S' || (rest === '' && state.silent)
      return ok()
    }
    case 'M':
      if (rest === '' || [...rest].some((c) => !MODE_LETTERS.includes(c))) return error(FEEDBACK.invalidParameter)
      if (state.open && (rest.includes('0') || rest.includes('1'))) return error(FEEDBACK.needsClosed)
      for (const c of rest) {
        if (c === '0' || c === '1') state.silent = c === '1'
        if (c === 'F' || c === 'f') state.feedback = c === 'F'
        if (c === 'A' || c === 'a') state.autoRetransmit = c === 'A'
      }
      return ok()
    case 'A':
      if (state.open) return error(FEEDBACK.needsClosed)
      state.autoRetransmit = rest === '1'
      return ok()
    case 'L': {
      // Bus-load report every n × 100 ms (0 = off). Not listen-only.
      const interval = /^\d{1,3}$/.test(rest) ? Number(rest) : -1
      if (interval < 0 || interval > 100) return error(FEEDBACK.invalidParameter)
      state.busLoadIntervalMs = interval * 100
      return ok()
    }
    case 'F':
    case 'f':
      if (state.open) return error(FEEDBACK.needsClosed)
      state.filters = letter === 'F' ? [...state.filters, rest] : []
      return ok()
    case 'Y':
    case 's':
    case 'y':
      return state.open ? error(FEEDBACK.needsClosed) : ok()
    case 'V':
      return `${context.versionReply}\r`
  }
  if (!isFrameLetter(command.charCodeAt(0))) return error(FEEDBACK.invalidCommand)
  if (!state.open) return error(FEEDBACK.needsOpen)
  if (state.listenOnly) return error(FEEDBACK.silent)
  if (!decodeTransmit(command)) return error(FEEDBACK.invalidParameter)
  context.transmit(scratch)
  return ok()
}
