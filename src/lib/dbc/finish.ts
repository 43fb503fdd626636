import type {FindingSink} from '../findings.js'
import type {DbcDraft, MessageDraft, RawAttribute, SignalDraft} from './draft.js'
import type {DbcDatabase, DbcMessage, DbcSignal, DbcSignalPositions} from './model.js'

type Mutable<T> = {-readonly [K in keyof T]: T[K]}

const EXTENDED_MARKER = 0x8000_0000

/**
 * Turns the drafts into the readonly model once the whole file is read: applies the statements
 * that refer to messages and signals (reporting `unknown-reference` for names nothing declares),
 * resolves ENUM attribute indices to their names, and settles each signal's multiplexer.
 */
export function finishDbc(draft: DbcDraft, sink: FindingSink): DbcDatabase {
  resolveReferences(draft, sink)
  const attributes = new Map<string, string | number>()
  for (const [name, raw] of draft.attributes) attributes.set(name, attributeValue(draft, name, raw))
  const db: Mutable<DbcDatabase> = {
    file: draft.file,
    text: draft.text,
    version: draft.version,
    nodes: draft.nodes,
    messages: draft.messages.map((m) => finishMessage(draft, m, sink)),
    valueTables: draft.valueTables,
    attributes,
  }
  if (draft.comment !== undefined) db.comment = draft.comment
  return db
}

function resolveReferences(draft: DbcDraft, sink: FindingSink): void {
  const unknownMessage = (statement: string, rawId: number): string =>
    `${statement} names message id ${rawId}${rawId >= EXTENDED_MARKER ? ` (extended 0x${(rawId - EXTENDED_MARKER).toString(16).toUpperCase()})` : ''}, which no BO_ declares`
  for (const ref of draft.messageRefs) {
    const message = draft.byRawId.get(ref.rawId)
    if (message) ref.apply(message)
    else if (!draft.brokenIds.has(ref.rawId)) sink.warning(ref.idPos, 'unknown-reference', unknownMessage(ref.statement, ref.rawId))
  }
  for (const ref of draft.signalRefs) {
    const message = draft.byRawId.get(ref.rawId)
    if (!message) {
      if (!draft.brokenIds.has(ref.rawId)) sink.warning(ref.idPos, 'unknown-reference', unknownMessage(ref.statement, ref.rawId))
      continue
    }
    const signal = message.signals.find((s) => s.name === ref.signal)
    if (signal) ref.apply(signal, message)
    else if (!message.brokenSignals.has(ref.signal)) {
      sink.warning(ref.signalPos, 'unknown-reference', `${ref.statement} names signal "${ref.signal}", which message "${message.name}" does not have`)
    }
  }
}

/** An ENUM attribute written as an index (`BA_ "VFrameFormat" BO_ 1 14;`) becomes its name (`StandardCAN_FD`). */
function attributeValue(draft: DbcDraft, name: string, raw: RawAttribute): string | number {
  const def = draft.definitions.get(name)
  const v = raw.value
  if (def?.type === 'ENUM' && typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < def.enumValues.length) return def.enumValues[v]!
  return v
}

function resolveAll(draft: DbcDraft, raw: ReadonlyMap<string, RawAttribute>): Map<string, string | number> {
  const out = new Map<string, string | number>()
  for (const [name, value] of raw) out.set(name, attributeValue(draft, name, value))
  return out
}

/** The explicit numeric value of an attribute, else its `BA_DEF_DEF_` default. */
function numericAttribute(draft: DbcDraft, raw: ReadonlyMap<string, RawAttribute>, name: string): number | undefined {
  const v = (raw.get(name) ?? draft.defaults.get(name))?.value
  return typeof v === 'number' ? v : undefined
}

function finishMessage(draft: DbcDraft, m: MessageDraft, sink: FindingSink): DbcMessage {
  const bit31 = m.rawId >= EXTENDED_MARKER
  const attributes = resolveAll(draft, m.attributes)
  // Only an explicit VFrameFormat counts: the id's bit 31 is the authority, and a default that
  // contradicts it (foobar.dbc defaults every message to ExtendedCAN_FD) is common noise.
  const formatRaw = m.attributes.get('VFrameFormat')
  const format = formatRaw ? String(attributes.get('VFrameFormat')) : ''
  if (formatRaw && bit31 && format.startsWith('Standard')) {
    sink.warning(formatRaw.pos, 'frame-format-mismatch', `VFrameFormat of "${m.name}" says ${format}, but its BO_ id has the extended bit (31) set; treated as extended`)
  } else if (formatRaw && !bit31 && format.startsWith('Extended')) {
    sink.warning(formatRaw.pos, 'frame-format-mismatch', `VFrameFormat of "${m.name}" says ${format}, but its BO_ id lacks the extended bit (31); treated as extended`)
  }
  const message: Mutable<DbcMessage> = {
    name: m.name,
    id: bit31 ? m.rawId - EXTENDED_MARKER : m.rawId,
    extended: bit31 || format.startsWith('Extended'),
    sizeBytes: m.sizeBytes,
    fd: format.endsWith('CAN_FD') || m.sizeBytes > 8,
    sender: m.sender,
    signals: finishSignals(draft, m),
    attributes,
    pos: m.pos,
    positions: m.positions,
  }
  const cycle = numericAttribute(draft, m.attributes, 'GenMsgCycleTime')
  if (cycle !== undefined && cycle > 0) message.cycleTimeMs = cycle
  if (m.comment !== undefined) message.comment = m.comment
  if (m.transmitters) message.transmitters = m.transmitters
  return message
}

function finishSignals(draft: DbcDraft, m: MessageDraft): DbcSignal[] {
  // `mN` without SG_MUL_VAL_ is selected by the message's plain `M` switch.
  const plainSwitch = m.signals.find((s) => s.isSwitch && s.muxValue === undefined)
  return m.signals.map((s: SignalDraft) => {
    const positions: Mutable<DbcSignalPositions> = {...s.positions}
    const signal: Mutable<DbcSignal> = {
      name: s.name,
      startBit: s.startBit,
      length: s.length,
      byteOrder: s.byteOrder,
      signed: s.signed,
      valueType: s.valueType,
      scale: s.scale,
      offset: s.offset,
      min: s.min,
      max: s.max,
      unit: s.unit,
      receivers: s.receivers,
      isMultiplexer: s.isSwitch,
      attributes: resolveAll(draft, s.attributes),
      pos: s.pos,
      positions,
    }
    if (s.muxOverride) {
      signal.multiplexerSwitch = s.muxOverride.switch
      signal.multiplexerValues = s.muxOverride.values
      positions.multiplexerSwitch = s.muxOverride.switchPos
    } else if (s.muxValue !== undefined) {
      signal.multiplexerValues = [s.muxValue]
      if (plainSwitch && plainSwitch !== s) signal.multiplexerSwitch = plainSwitch.name
    }
    if (s.choices) signal.choices = s.choices
    if (s.comment !== undefined) signal.comment = s.comment
    const initial = numericAttribute(draft, s.attributes, 'GenSigStartValue')
    if (initial !== undefined) signal.initialRaw = initial
    return signal
  })
}
