import {type Cursor, posOf} from './cursor.js'
import type {DbcDraft} from './draft.js'

/**
 * ```
 * CM_ "Database comment";
 * CM_ BU_ BAR "fam \"1\"";
 * CM_ BO_ 2147558192 "Foo.";
 * CM_ SG_ 2147558192 Bar "Bar.";
 * CM_ EV_ EnvVar "not kept";
 * ```
 * Comment strings may span lines.
 */
export function parseComment(cur: Cursor, draft: DbcDraft): void {
  const t = cur.peek()
  if (t.kind === 'string') {
    draft.comment = cur.string('the comment', 'after CM_').text
  } else if (t.text === 'BU_' || t.text === 'EV_') {
    cur.next()
    cur.ident(t.text === 'BU_' ? 'the node name' : 'the environment variable name', `after CM_ ${t.text}`)
    cur.string('the comment string', 'after the name')
  } else if (t.text === 'BO_') {
    cur.next()
    const id = cur.integer('the message id', 'after CM_ BO_', 0, 0xffff_ffff)
    const text = cur.string('the comment string', 'after the message id').text
    draft.messageRefs.push({statement: 'CM_', rawId: id.value, idPos: id.pos, apply: (m) => (m.comment = text)})
  } else if (t.text === 'SG_') {
    cur.next()
    const id = cur.integer('the message id', 'after CM_ SG_', 0, 0xffff_ffff)
    const signal = cur.ident('the signal name', 'after the message id')
    const text = cur.string('the comment string', 'after the signal name').text
    draft.signalRefs.push({
      statement: 'CM_',
      rawId: id.value,
      idPos: id.pos,
      signal: signal.text,
      signalPos: posOf(signal),
      apply: (s) => (s.comment = text),
    })
  } else {
    cur.fail('a comment string or BU_, BO_, SG_ or EV_', 'after CM_')
  }
  cur.expect(';', 'after the comment string')
}
