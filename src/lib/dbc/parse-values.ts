import type {Cursor, NumberToken} from './cursor.js'
import type {DbcDraft} from './draft.js'

/** `VAL_TABLE_ Bar 1 "On" 0 "Off" -5 "A negative value" ;` — a named table VAL_ lines may share. */
export function parseValueTable(cur: Cursor, draft: DbcDraft): void {
  const name = cur.ident('the value table name', 'after VAL_TABLE_').text
  draft.valueTables.set(name, parseLabels(cur, 'VAL_TABLE_'))
}

/**
 * `VAL_ 496 Enable 0 "Disabled" 1 "Enabled" ;` (signal labels), `VAL_ 496 Enable TableName ;`
 * (labels from a VAL_TABLE_), or `VAL_ EnvVar 0 "Off" ;` (environment variable, not kept).
 */
export function parseValueLabels(cur: Cursor, draft: DbcDraft): void {
  if (cur.peek().kind === 'ident') {
    cur.next()
    parseLabels(cur, 'VAL_')
    return
  }
  const id = cur.integer('a message id or an environment variable name', 'after VAL_', 0, 0xffff_ffff)
  const signal = cur.ident('the signal name', 'after the message id')
  let labels: Map<bigint, string> | undefined
  const tableTok = cur.peek()
  if (tableTok.kind === 'ident' && !tableTok.lineStart) {
    cur.next()
    cur.expect(';', 'after the value table name')
    labels = draft.valueTables.get(tableTok.text)
    if (!labels) cur.sink.warning({line: tableTok.line, column: tableTok.column}, 'unknown-reference', `VAL_ names value table "${tableTok.text}", which no VAL_TABLE_ declares`)
  } else labels = parseLabels(cur, 'VAL_')
  const choices = labels
  draft.signalRefs.push({
    statement: 'VAL_',
    rawId: id.value,
    idPos: id.pos,
    signal: signal.text,
    signalPos: {line: signal.line, column: signal.column},
    apply: (s) => {
      if (choices) s.choices = new Map(choices)
    },
  })
}

/** `SIG_VALTYPE_ 1024 Signal1 : 2;` — 0 integer, 1 IEEE float32, 2 IEEE float64. */
export function parseSignalValueType(cur: Cursor, draft: DbcDraft): void {
  const id = cur.integer('the message id', 'after SIG_VALTYPE_', 0, 0xffff_ffff)
  const signal = cur.ident('the signal name', 'after the message id')
  cur.accept(':')
  const type = cur.integer('the value type', 'after the signal name', 0, 2)
  cur.expect(';', 'after the value type')
  draft.signalRefs.push({
    statement: 'SIG_VALTYPE_',
    rawId: id.value,
    idPos: id.pos,
    signal: signal.text,
    signalPos: {line: signal.line, column: signal.column},
    apply: (s) => {
      s.valueType = type.value === 1 ? 'float32' : type.value === 2 ? 'float64' : 'integer'
      s.positions.valueType = type.pos
    },
  })
}

/** `6 "reserved" 5 "reserved" ;` up to and including the `;`. Values are whole numbers, possibly negative. */
export function parseLabels(cur: Cursor, keyword: string): Map<bigint, string> {
  const labels = new Map<bigint, string>()
  while (!cur.accept(';')) {
    const start = cur.peek()
    const n = cur.number(labels.size > 0 ? 'a value or ";"' : 'a value', `in the ${keyword} list`)
    const key = wholeNumber(n)
    if (key === undefined) cur.fail('a whole number', `in the ${keyword} list`, JSON.stringify(n.text), start)
    labels.set(key, cur.string(`the label for value ${n.text}`, `in the ${keyword} list`).text)
  }
  return labels
}

/** `-5` → -5n exactly, also beyond 2^53; `1.0` → 1n; `1.5` → undefined. */
function wholeNumber(n: NumberToken): bigint | undefined {
  // `123`, `-5`
  if (/^-?\d+$/.test(n.text)) return BigInt(n.text)
  return Number.isSafeInteger(n.value) ? BigInt(n.value) : undefined
}
