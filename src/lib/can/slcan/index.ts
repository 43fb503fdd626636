/**
 * The slcan (Lawicel ASCII) codec, both sides: what pitwall sends to an adapter and parses from
 * it (host), and what each firmware family answers and emits (adapter emulator). See docs/slcan.md.
 */
export {AdapterClock} from './clock.js'
export {PROBE_SEQUENCE, closeSequence, openSequence, transmitCommand, versionReplyOf} from './commands.js'
export type {OpenOptions} from './commands.js'
export {DEFAULT_VERSION_REPLIES, SlcanAdapterEmulator} from './emulator.js'
export type {SlcanAdapterEmulatorOptions} from './emulator.js'
export type {AdapterState} from './adapter-commands.js'
export {FIRMWARE, FIRMWARE_CHOICES, FIRMWARE_FAMILIES, bitrateCommand, formatBitrate, identifyFirmware} from './firmware.js'
export type {FirmwareChoice, FirmwareFacts, FirmwareFamily, ListenOnlyMethod} from './firmware.js'
export {MAX_FRAME_LINE, formatFrameLine, isFrameLetter, parseFrameLine} from './frame-line.js'
export {MAX_LINE, SlcanParser} from './parser.js'
export type {SlcanParserOptions, SlcanParserStats} from './parser.js'
export {BUS_ERROR_CODES, STATUS_FLAGS, statusFlagNames} from './reply-line.js'
export type {BusState, SlcanEvent, StatusFlagName} from './reply-line.js'
export {SlcanDecoderStream} from './stream.js'
export type {SlcanDecoderStreamOptions} from './stream.js'
