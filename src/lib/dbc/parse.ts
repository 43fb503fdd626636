import type {FindingSink} from '../findings.js'
import {Cursor, posOf, SyntaxAbort} from './cursor.js'
import {DbcDraft} from './draft.js'
import {finishDbc} from './finish.js'
import {Lexer, STATEMENT_KEYWORDS, type Token} from './lexer.js'
import type {DbcDatabase} from './model.js'
import {parseAttribute, parseAttributeDefault, parseAttributeDefinition, parseRelationAttribute} from './parse-attribute.js'
import {parseComment} from './parse-comment.js'
import {parseBitTiming, parseNewSymbols, parseNodes, parseVersion} from './parse-header.js'
import {parseMessage, parseSignal, parseTransmitters} from './parse-message.js'
import {parseMultiplexValues} from './parse-multiplex.js'
import {parseSignalValueType, parseValueLabels, parseValueTable} from './parse-values.js'
import {decodeDbcText} from './text.js'

type StatementParser = (cur: Cursor, draft: DbcDraft, keyword: Token) => void

const skip: StatementParser = (cur, _draft, keyword) => cur.skipStatement(keyword.text)

const MODELLED = new Map<string, StatementParser>([
  ['VERSION', parseVersion],
  ['NS_', parseNewSymbols],
  ['BS_', parseBitTiming],
  ['BU_', parseNodes],
  ['VAL_TABLE_', parseValueTable],
  ['BO_', parseMessage],
  ['SG_', parseSignal],
  ['BO_TX_BU_', parseTransmitters],
  ['SG_MUL_VAL_', parseMultiplexValues],
  ['VAL_', parseValueLabels],
  ['SIG_VALTYPE_', parseSignalValueType],
  ['CM_', parseComment],
  ['BA_DEF_', (cur, draft) => parseAttributeDefinition(cur, draft, 'BA_DEF_')],
  ['BA_DEF_REL_', (cur, draft) => parseAttributeDefinition(cur, draft, 'BA_DEF_REL_')],
  ['BA_DEF_DEF_', (cur, draft, k) => parseAttributeDefault(cur, draft, k.text)],
  ['BA_DEF_DEF_REL_', (cur, draft, k) => parseAttributeDefault(cur, draft, k.text)],
  ['BA_', parseAttribute],
  ['BA_REL_', parseRelationAttribute],
])

/** What each statement keyword does. Keywords pitwall has no use for (EV_, SIG_GROUP_, …) are checked up to their `;` and dropped. */
const STATEMENTS: ReadonlyMap<string, StatementParser> = new Map([
  ...MODELLED,
  ...[...STATEMENT_KEYWORDS].filter((k) => !MODELLED.has(k)).map((k): [string, StatementParser] => [k, skip]),
])

/**
 * Parses DBC bytes or text. Never throws on bad input: each problem becomes a finding with the
 * line and column of the offending token, and parsing resumes at the next statement so that one
 * run reports every problem in the file.
 */
export function parseDbc(input: Uint8Array | string, file: string, sink: FindingSink): DbcDatabase {
  const text = decodeDbcText(input)
  const cur = new Cursor(new Lexer(text), sink)
  const draft = new DbcDraft(file, text)
  while (!cur.eof) {
    const start = cur.index
    const keyword = cur.peek()
    const parse = keyword.kind === 'ident' ? STATEMENTS.get(keyword.text) : undefined
    try {
      if (parse) {
        // SG_ lines belong to the BO_ right above them; any other statement ends that block.
        if (keyword.text !== 'SG_') draft.current = undefined
        cur.next()
        parse(cur, draft, keyword)
      } else if (keyword.kind === 'ident') {
        draft.current = undefined
        sink.warning(posOf(keyword), 'dbc-syntax', `unknown statement keyword ${JSON.stringify(keyword.text)}; the statement is skipped`)
        skipUnknown(cur)
      } else {
        cur.fail('a statement keyword such as BO_ or SG_', 'at the start of a statement', undefined, keyword)
      }
    } catch (e) {
      if (!(e instanceof SyntaxAbort)) throw e
      if (keyword.text === 'BO_') draft.current = 'broken'
      cur.recover(start)
    }
  }
  return finishDbc(draft, sink)
}

/** Skips an unknown statement: through its `;`, or up to the next line that starts with a known keyword. */
function skipUnknown(cur: Cursor): void {
  cur.next()
  while (!cur.eof) {
    if (cur.accept(';')) return
    const t = cur.peek()
    if (t.lineStart && t.kind === 'ident' && STATEMENT_KEYWORDS.has(t.text)) return
    cur.next()
  }
}
