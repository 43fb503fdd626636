import type {SourcePos} from '../findings.js'
import type {ByteOrder, SignalValueType} from './model.js'

/** An attribute value as written in `BA_`/`BA_DEF_DEF_`, before ENUM indices are resolved. */
export interface RawAttribute {
  readonly value: string | number
  readonly pos: SourcePos
}

/** `BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN";` */
export interface AttributeDefinition {
  readonly type: 'INT' | 'HEX' | 'FLOAT' | 'STRING' | 'ENUM'
  readonly enumValues: readonly string[]
}

/** A signal while the file is being read: mutable, and keeping what later statements refine. */
export interface SignalDraft {
  name: string
  startBit: number
  length: number
  byteOrder: ByteOrder
  signed: boolean
  valueType: SignalValueType
  scale: number
  offset: number
  min: number
  max: number
  unit: string
  receivers: string[]
  /** `M` → switch; `m3` → value 3; `m3M` → both. */
  isSwitch: boolean
  muxValue?: number
  /** From `SG_MUL_VAL_`: the switch and the values that select this signal. */
  muxOverride?: {switch: string; switchPos: SourcePos; values: number[]}
  choices?: Map<bigint, string>
  comment?: string
  attributes: Map<string, RawAttribute>
  pos: SourcePos
  positions: {startBit: SourcePos; length: SourcePos; min: SourcePos; max: SourcePos; unit: SourcePos; multiplexer?: SourcePos; valueType?: SourcePos}
}

export interface MessageDraft {
  name: string
  /** The id as written, bit 31 included: later statements refer to messages by it. */
  rawId: number
  sizeBytes: number
  sender: string
  signals: SignalDraft[]
  /** Names of signals whose `SG_` line failed to parse: references to them are not reported again. */
  brokenSignals: Set<string>
  comment?: string
  transmitters?: string[]
  attributes: Map<string, RawAttribute>
  pos: SourcePos
  positions: {id: SourcePos; size: SourcePos}
}

/** A later statement (`VAL_`, `CM_`, `BA_`, …) that names a message, resolved once the file is read. */
export interface MessageRef {
  readonly statement: string
  readonly rawId: number
  readonly idPos: SourcePos
  readonly apply: (message: MessageDraft) => void
}

/** A later statement that names a signal of a message. */
export interface SignalRef {
  readonly statement: string
  readonly rawId: number
  readonly idPos: SourcePos
  readonly signal: string
  readonly signalPos: SourcePos
  readonly apply: (signal: SignalDraft, message: MessageDraft) => void
}

/** Everything the statement parsers collect; `finishDbc` turns it into the readonly model. */
export class DbcDraft {
  version = ''
  comment?: string
  nodes: string[] = []
  messages: MessageDraft[] = []
  readonly byRawId = new Map<number, MessageDraft>()
  /** Ids of `BO_` lines that failed to parse. */
  readonly brokenIds = new Set<number>()
  /** The message that `SG_` lines attach to: undefined outside a `BO_` block, 'broken' after a bad `BO_`. */
  current: MessageDraft | 'broken' | undefined
  readonly valueTables = new Map<string, Map<bigint, string>>()
  readonly definitions = new Map<string, AttributeDefinition>()
  readonly defaults = new Map<string, RawAttribute>()
  readonly attributes = new Map<string, RawAttribute>()
  readonly messageRefs: MessageRef[] = []
  readonly signalRefs: SignalRef[] = []

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  addMessage(message: MessageDraft): void {
    this.messages.push(message)
    // The first BO_ with an id wins references; a second one is a duplicate-message error in lint.
    if (!this.byRawId.has(message.rawId)) this.byRawId.set(message.rawId, message)
    this.brokenIds.delete(message.rawId)
  }
}
