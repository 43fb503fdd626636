import {type Cursor, posOf} from './cursor.js'
import type {AttributeDefinition, DbcDraft, RawAttribute} from './draft.js'

const VALUE_TYPES = new Set(['INT', 'HEX', 'FLOAT', 'STRING', 'ENUM'])

/**
 * `BA_DEF_ BO_  "GenMsgCycleTime" INT 0 65535;`, `BA_DEF_ "BusType" STRING ;`,
 * `BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN";` and the `BA_DEF_REL_` form
 * (`BA_DEF_REL_ BU_SG_REL_ "GenSigTimeoutTime" INT 0 65535;`).
 */
export function parseAttributeDefinition(cur: Cursor, draft: DbcDraft, keyword: 'BA_DEF_' | 'BA_DEF_REL_'): void {
  const objects = keyword === 'BA_DEF_' ? ['BU_', 'BO_', 'SG_', 'EV_'] : ['BU_SG_REL_', 'BU_BO_REL_', 'BU_EV_REL_']
  const t = cur.peek()
  if (t.kind === 'ident' && objects.includes(t.text)) cur.next()
  else if (t.kind !== 'string') cur.fail(`the attribute name or one of ${objects.join(', ')}`, `after ${keyword}`)
  const name = cur.string('the attribute name', `after ${keyword}`).text
  const typeTok = cur.peek()
  if (typeTok.kind !== 'ident' || !VALUE_TYPES.has(typeTok.text)) cur.fail('INT, HEX, FLOAT, STRING or ENUM', 'after the attribute name')
  cur.next()
  const type = typeTok.text as AttributeDefinition['type']
  const enumValues: string[] = []
  if (type === 'INT' || type === 'HEX' || type === 'FLOAT') {
    cur.number('the minimum', `after ${type}`)
    cur.number('the maximum', 'after the minimum')
  } else if (type === 'ENUM') {
    while (cur.peek().kind === 'string') {
      enumValues.push(cur.string('an enum value', 'in the ENUM list').text)
      if (!cur.accept(',')) break
    }
  }
  cur.expect(';', `at the end of the ${keyword} statement`)
  draft.definitions.set(name, {type, enumValues})
}

/** `BA_DEF_DEF_  "GenMsgCycleTime" 100;` (also `BA_DEF_DEF_REL_`): the value an object has unless a `BA_` says otherwise. */
export function parseAttributeDefault(cur: Cursor, draft: DbcDraft, keyword: string): void {
  const name = cur.string('the attribute name', `after ${keyword}`).text
  const value = parseAttributeValue(cur, 'after the attribute name')
  cur.expect(';', 'after the attribute value')
  draft.defaults.set(name, value)
}

/**
 * ```
 * BA_ "BusType" "CAN FD";
 * BA_ "FOO" BU_ FIE 1;
 * BA_ "GenMsgCycleTime" BO_ 2147558193 1;
 * BA_ "GenSigStartValue" SG_ 496 Temperature 4094;
 * BA_ "X" EV_ EnvVar 1;
 * ```
 */
export function parseAttribute(cur: Cursor, draft: DbcDraft): void {
  const name = cur.string('the attribute name', 'after BA_').text
  const t = cur.peek()
  if (t.kind === 'ident' && (t.text === 'BU_' || t.text === 'EV_')) {
    cur.next()
    cur.ident(t.text === 'BU_' ? 'the node name' : 'the environment variable name', `after ${t.text}`)
    parseAttributeValue(cur, 'after the name')
  } else if (t.kind === 'ident' && t.text === 'BO_') {
    cur.next()
    const id = cur.integer('the message id', 'after BO_', 0, 0xffff_ffff)
    const value = parseAttributeValue(cur, 'after the message id')
    draft.messageRefs.push({statement: 'BA_', rawId: id.value, idPos: id.pos, apply: (m) => m.attributes.set(name, value)})
  } else if (t.kind === 'ident' && t.text === 'SG_') {
    cur.next()
    const id = cur.integer('the message id', 'after SG_', 0, 0xffff_ffff)
    const signal = cur.ident('the signal name', 'after the message id')
    const value = parseAttributeValue(cur, 'after the signal name')
    draft.signalRefs.push({
      statement: 'BA_',
      rawId: id.value,
      idPos: id.pos,
      signal: signal.text,
      signalPos: posOf(signal),
      apply: (s) => s.attributes.set(name, value),
    })
  } else {
    draft.attributes.set(name, parseAttributeValue(cur, 'after the attribute name', 'a value or one of BU_, BO_, SG_, EV_'))
  }
  cur.expect(';', 'after the attribute value')
}

/**
 * `BA_REL_ "GenSigTimeoutTime" BU_SG_REL_ FOO SG_ 2147558192 Bar 200;`, also `BU_BO_REL_ node id`
 * and `BU_EV_REL_ node envvar`. Values of node relations are not kept; the message and signal
 * they name are still checked.
 */
export function parseRelationAttribute(cur: Cursor, draft: DbcDraft): void {
  cur.string('the attribute name', 'after BA_REL_')
  const kind = cur.peek()
  if (kind.kind !== 'ident' || !['BU_SG_REL_', 'BU_BO_REL_', 'BU_EV_REL_'].includes(kind.text)) {
    cur.fail('BU_SG_REL_, BU_BO_REL_ or BU_EV_REL_', 'after the attribute name')
  }
  cur.next()
  cur.ident('the node name', `after ${kind.text}`)
  if (kind.text === 'BU_EV_REL_') {
    cur.ident('the environment variable name', 'after the node name')
  } else if (kind.text === 'BU_BO_REL_') {
    const id = cur.integer('the message id', 'after the node name', 0, 0xffff_ffff)
    draft.messageRefs.push({statement: 'BA_REL_', rawId: id.value, idPos: id.pos, apply: () => undefined})
  } else {
    cur.expect('SG_', 'after the node name')
    const id = cur.integer('the message id', 'after SG_', 0, 0xffff_ffff)
    const signal = cur.ident('the signal name', 'after the message id')
    draft.signalRefs.push({statement: 'BA_REL_', rawId: id.value, idPos: id.pos, signal: signal.text, signalPos: posOf(signal), apply: () => undefined})
  }
  parseAttributeValue(cur, kind.text === 'BU_EV_REL_' ? 'after the environment variable name' : kind.text === 'BU_BO_REL_' ? 'after the message id' : 'after the signal name')
  cur.expect(';', 'after the attribute value')
}

/** A number (`1`, `-30000`, `33.5`) or a string (`"CAN FD"`). */
function parseAttributeValue(cur: Cursor, context: string, expected = 'the attribute value (a number or a string)'): RawAttribute {
  const t = cur.peek()
  if (t.kind === 'string') return {value: cur.string(expected, context).text, pos: posOf(t)}
  const n = cur.number(expected, context)
  return {value: n.value, pos: n.pos}
}
