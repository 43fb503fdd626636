import type {SourcePos} from '../findings.js'

/**
 * The DBC model: plain readonly data, knowing nothing about files beyond source positions.
 *
 * Bit numbering, as DBC defines it (the hardest part of the format). Bits are numbered
 * byte × 8 + bit-in-byte, bit 0 being the least significant bit of byte 0:
 *
 * ```
 *            bit in byte:  7  6  5  4  3  2  1  0
 *   byte 0               | 7| 6| 5| 4| 3| 2| 1| 0|
 *   byte 1               |15|14|13|12|11|10| 9| 8|
 * ```
 * - Intel (`@1`, little endian): `startBit` is the signal's least significant bit; the signal grows
 *   towards higher bit numbers, continuing into the next byte. `0|16@1+` is bytes 0..1, LSB first.
 * - Motorola (`@0`, big endian): `startBit` is the signal's most significant bit; the signal grows
 *   towards lower bits in that byte, then continues at bit 7 of the *next* byte (the "sawtooth").
 *   `7|16@0+` is byte 0 (MSB) then byte 1.
 */
export type ByteOrder = 'little_endian' | 'big_endian'

export type SignalValueType = 'integer' | 'float32' | 'float64'

/** Where a signal's fields sit in the file, so a finding can point at the one field it is about. */
export interface DbcSignalPositions {
  readonly startBit: SourcePos
  readonly length: SourcePos
  readonly min: SourcePos
  readonly max: SourcePos
  /** The opening quote of the unit string. */
  readonly unit: SourcePos
  /** The `M` / `mN` / `mNM` indicator, when the signal has one. */
  readonly multiplexer?: SourcePos
  /** The switch name in the `SG_MUL_VAL_` line that placed this signal, if any. */
  readonly multiplexerSwitch?: SourcePos
  /** The value (`1` or `2`) of the `SIG_VALTYPE_` line that made this signal a float. */
  readonly valueType?: SourcePos
}

/** Where a message's fields sit in the file. */
export interface DbcMessagePositions {
  /** The numeric id in `BO_`. */
  readonly id: SourcePos
  /** The payload size in `BO_`. */
  readonly size: SourcePos
}

export interface DbcSignal {
  readonly name: string
  /** DBC start bit as written (see the numbering above). */
  readonly startBit: number
  readonly length: number
  readonly byteOrder: ByteOrder
  readonly signed: boolean
  /** From `SIG_VALTYPE_` (1 = float32, 2 = float64); `integer` otherwise. */
  readonly valueType: SignalValueType
  readonly scale: number
  readonly offset: number
  /** Declared range; `[0|0]` (no range) is kept as min = max = 0. */
  readonly min: number
  readonly max: number
  readonly unit: string
  /** Receiving nodes; `Vector__XXX` (Vector's "no node") is left out. */
  readonly receivers: readonly string[]
  /** This signal is a multiplexer switch (`M`, or the `M` of `mNM`). */
  readonly isMultiplexer: boolean
  /**
   * The multiplexer values that select this signal (`mN` gives one; `SG_MUL_VAL_` ranges give
   * more), or undefined when it is always present.
   */
  readonly multiplexerValues?: readonly number[]
  /** The name of the switch that selects this signal (the message's `M` unless `SG_MUL_VAL_` says otherwise). */
  readonly multiplexerSwitch?: string
  /** Value-table labels from `VAL_` (or a `VAL_TABLE_` it names). Keys are raw integer values. */
  readonly choices?: ReadonlyMap<bigint, string>
  readonly comment?: string
  /** `GenSigStartValue` or similar, raw. */
  readonly initialRaw?: number
  readonly attributes: ReadonlyMap<string, string | number>
  /** Position of the signal name in its `SG_` line. */
  readonly pos: SourcePos
  /** Field positions (set by the parser; hand-built signals may omit them). */
  readonly positions?: DbcSignalPositions
}

export interface DbcMessage {
  readonly name: string
  /** Numeric CAN ID, without the DBC's bit-31 extended marker. */
  readonly id: number
  /** 29-bit ID (bit 31 set in `BO_`, or `VFrameFormat` says extended). */
  readonly extended: boolean
  /** Payload size in bytes as declared in `BO_` (0..64). */
  readonly sizeBytes: number
  /** CAN FD frame format (`VFrameFormat` = StandardCAN_FD / ExtendedCAN_FD, or size > 8). */
  readonly fd: boolean
  readonly sender: string
  readonly signals: readonly DbcSignal[]
  /** `GenMsgCycleTime` in ms when declared (by `BA_`, else the `BA_DEF_DEF_` default) and > 0. */
  readonly cycleTimeMs?: number
  readonly comment?: string
  /** Extra senders from `BO_TX_BU_`, when declared. */
  readonly transmitters?: readonly string[]
  readonly attributes: ReadonlyMap<string, string | number>
  /** Position of the message name in its `BO_` line. */
  readonly pos: SourcePos
  /** Field positions (set by the parser; hand-built messages may omit them). */
  readonly positions?: DbcMessagePositions
}

export interface DbcDatabase {
  /** The path the findings name. */
  readonly file: string
  /** The decoded text (UTF-8, or cp1252 when the bytes are not valid UTF-8), CRLF kept. */
  readonly text: string
  readonly version: string
  readonly nodes: readonly string[]
  readonly messages: readonly DbcMessage[]
  readonly valueTables: ReadonlyMap<string, ReadonlyMap<bigint, string>>
  /** Database-level attributes (`BA_ "X" value;`), e.g. `BusType`, `ProtocolType`. */
  readonly attributes: ReadonlyMap<string, string | number>
  /** The database comment (`CM_ "text";`), when there is one. */
  readonly comment?: string
}
