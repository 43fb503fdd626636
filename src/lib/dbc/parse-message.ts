import {type Cursor, posOf} from './cursor.js'
import type {DbcDraft, SignalDraft} from './draft.js'
import type {Token} from './lexer.js'

/** `BO_ 2147558192 Foo: 8 FOO` — a message; the `SG_` lines that follow belong to it. */
export function parseMessage(cur: Cursor, draft: DbcDraft): void {
  const idTok = cur.peek()
  const rawId = cur.integer('the message id', 'after BO_', 0, 0xffff_ffff).value
  draft.current = 'broken'
  draft.brokenIds.add(rawId)
  const name = cur.ident('the message name', 'after the message id')
  cur.expect(':', 'after the message name')
  const sizeTok = cur.peek()
  const size = cur.integer('the payload size in bytes', 'after ":"').value
  // The sender is optional in practice; `Vector__XXX` is what Vector writes for "none".
  const sender = cur.atLineEnd() ? 'Vector__XXX' : cur.ident('the sending node', 'after the payload size').text
  cur.endOfLine('after the sending node')
  const message = {
    name: name.text,
    rawId,
    sizeBytes: size,
    sender,
    signals: [],
    brokenSignals: new Set<string>(),
    attributes: new Map(),
    pos: posOf(name),
    positions: {id: posOf(idTok), size: posOf(sizeTok)},
  }
  draft.addMessage(message)
  draft.current = message
}

// `M`, `m0`, `m12M`
const MUX_INDICATOR = /^(?:M|m(\d+)(M?))$/

/** ` SG_ Temperature m1 : 0|12@0- (0.01,250) [229.52|270.47] "degK"  PCM1,FOO` */
export function parseSignal(cur: Cursor, draft: DbcDraft, keyword: Token): void {
  const message = draft.current
  if (message === undefined) cur.abort(keyword, 'SG_ must follow a BO_ line or another SG_ line')
  const name = cur.ident('the signal name', 'after SG_')
  // Until the line parses, references to this name are not reported as unknown.
  if (message !== 'broken') message.brokenSignals.add(name.text)

  let isSwitch = false
  let muxValue: number | undefined
  let muxTok: Token | undefined
  if (cur.peek().kind === 'ident') {
    muxTok = cur.next()
    const m = MUX_INDICATOR.exec(muxTok.text)
    if (!m) cur.fail('":" or a multiplexer indicator (M, mN or mNM)', 'after the signal name', undefined, muxTok)
    isSwitch = muxTok.text === 'M' || m[2] === 'M'
    if (m[1] !== undefined) muxValue = Number(m[1])
  }
  cur.expect(':', muxTok ? 'after the multiplexer indicator' : 'after the signal name')

  const startTok = cur.peek()
  const startBit = cur.integer('the start bit', 'after ":"').value
  cur.expect('|', 'after the start bit')
  const lengthTok = cur.peek()
  const length = cur.integer('the signal length', 'after "|"').value
  const byteOrder = parseByteOrder(cur)
  const signTok = cur.peek()
  if (signTok.text !== '+' && signTok.text !== '-') cur.fail('"+" (unsigned) or "-" (signed)', 'after the byte order')
  cur.next()

  cur.expect('(', 'before the scale')
  const scale = cur.number('the scale', 'after "("').value
  cur.expect(',', 'after the scale')
  const offset = cur.number('the offset', 'after ","').value
  cur.expect(')', 'after the offset')
  cur.expect('[', 'before the minimum')
  const min = cur.number('the minimum', 'after "["')
  cur.expect('|', 'after the minimum')
  const max = cur.number('the maximum', 'after "|"')
  cur.expect(']', 'after the maximum')
  const unitTok = cur.peek()
  const unit = cur.string('the unit string', 'after the range').text

  const receivers: string[] = []
  while (!cur.atLineEnd()) {
    if (receivers.length > 0) cur.accept(',')
    receivers.push(cur.ident('a receiving node', receivers.length > 0 ? 'after the previous receiver' : 'after the unit').text)
  }

  if (message === 'broken') return
  const signal: SignalDraft = {
    name: name.text,
    startBit,
    length,
    byteOrder,
    signed: signTok.text === '-',
    valueType: 'integer',
    scale,
    offset,
    min: min.value,
    max: max.value,
    unit,
    receivers: receivers.filter((r) => r !== 'Vector__XXX'),
    isSwitch,
    attributes: new Map(),
    pos: posOf(name),
    positions: {startBit: posOf(startTok), length: posOf(lengthTok), min: min.pos, max: max.pos, unit: posOf(unitTok)},
  }
  if (muxValue !== undefined) signal.muxValue = muxValue
  if (muxTok) signal.positions.multiplexer = posOf(muxTok)
  message.signals.push(signal)
  message.brokenSignals.delete(name.text)
}

/** `@0` (big endian, Motorola) or `@1` (little endian, Intel). */
function parseByteOrder(cur: Cursor): 'big_endian' | 'little_endian' {
  const at = cur.peek()
  const context = 'after the signal length'
  if (!cur.is('@')) cur.fail('"@0" or "@1"', context)
  const digit = cur.peek(1)
  if (digit.kind !== 'number' || digit.spaced || (digit.text !== '0' && digit.text !== '1')) {
    const found = digit.kind === 'number' && !digit.spaced ? JSON.stringify(`@${digit.text}`) : '"@"'
    cur.fail('"@0" or "@1"', context, found, at)
  }
  cur.next()
  cur.next()
  return digit.text === '0' ? 'big_endian' : 'little_endian'
}

/** `BO_TX_BU_ 2147558194 : FOO,BAR;` — further nodes that send a message. */
export function parseTransmitters(cur: Cursor, draft: DbcDraft): void {
  const id = cur.integer('the message id', 'after BO_TX_BU_', 0, 0xffff_ffff)
  cur.expect(':', 'after the message id')
  const nodes: string[] = []
  while (!cur.accept(';')) {
    if (nodes.length > 0) cur.accept(',')
    nodes.push(cur.ident(nodes.length > 0 ? 'a node name or ";"' : 'a node name', 'in the BO_TX_BU_ list').text)
  }
  draft.messageRefs.push({statement: 'BO_TX_BU_', rawId: id.value, idPos: id.pos, apply: (m) => (m.transmitters = nodes)})
}
