import type {Cursor} from './cursor.js'
import type {DbcDraft} from './draft.js'

/** `VERSION "2.0"` */
export function parseVersion(cur: Cursor, draft: DbcDraft): void {
  draft.version = cur.string('the version string', 'after VERSION').text
  cur.endOfLine('after the version string')
}

/**
 * ```
 * NS_ :
 *     NS_DESC_
 *     CM_
 * ```
 * A list of keyword names the file may use; nothing to keep. The list ends at `BS_`, `BU_` or
 * `BO_` (which never appear in it), or at a line that carries more than one token: a statement.
 */
export function parseNewSymbols(cur: Cursor): void {
  cur.expect(':', 'after NS_')
  while (cur.peek().kind === 'ident') {
    const t = cur.peek()
    if (t.text === 'BS_' || t.text === 'BU_' || t.text === 'BO_' || t.text === 'VERSION') return
    if (t.lineStart && !cur.peek(1).lineStart && cur.peek(1).kind !== 'eof') return
    cur.next()
  }
}

/** `BS_:` or `BS_: 500 : 12,34` (baud rate and BTR registers, obsolete): the rest of the line is skipped. */
export function parseBitTiming(cur: Cursor): void {
  cur.expect(':', 'after BS_')
  while (!cur.atLineEnd()) cur.next()
}

/** `BU_: FOO BAR FIE` — the node list, on one line. */
export function parseNodes(cur: Cursor, draft: DbcDraft): void {
  cur.expect(':', 'after BU_')
  while (!cur.atLineEnd()) {
    cur.accept(',')
    draft.nodes.push(cur.ident('a node name', 'in the BU_ list').text)
  }
}
