import {type Cursor, posOf} from './cursor.js'
import type {DbcDraft} from './draft.js'

/** More values than this in one `SG_MUL_VAL_` line is a typo, not a multiplexer. */
const MAX_VALUES = 4096

/**
 * `SG_MUL_VAL_ 2147483649 muxed_0_3_4_5 MUX 0-0, 3-5;` — extended multiplexing: the signal is
 * present when switch `MUX` holds 0, 3, 4 or 5. It overrides the `mN` of the `SG_` line and is
 * how nested multiplexers name their parent switch.
 */
export function parseMultiplexValues(cur: Cursor, draft: DbcDraft): void {
  const id = cur.integer('the message id', 'after SG_MUL_VAL_', 0, 0xffff_ffff)
  const signal = cur.ident('the signal name', 'after the message id')
  const switchTok = cur.ident('the multiplexer switch name', 'after the signal name')
  const values: number[] = []
  do {
    const rangeTok = cur.peek()
    const lo = cur.integer('a value range such as 3-5', values.length > 0 ? 'after ","' : 'after the switch name')
    cur.expect('-', 'inside the value range')
    const hi = cur.integer('the end of the value range', 'after "-"')
    if (hi.value < lo.value) cur.abort(rangeTok, `the value range ${lo.text}-${hi.text} ends before it starts`)
    if (values.length + hi.value - lo.value + 1 > MAX_VALUES) {
      cur.abort(rangeTok, `SG_MUL_VAL_ selects more than ${MAX_VALUES} values; check the range ${lo.text}-${hi.text}`)
    }
    for (let v = lo.value; v <= hi.value; v++) values.push(v)
  } while (cur.accept(','))
  cur.expect(';', 'after the value ranges')
  const switchName = switchTok.text
  draft.signalRefs.push({
    statement: 'SG_MUL_VAL_',
    rawId: id.value,
    idPos: id.pos,
    signal: signal.text,
    signalPos: posOf(signal),
    apply: (s, m) => {
      if (!m.signals.some((o) => o.name === switchName)) {
        cur.sink.warning(posOf(switchTok), 'unknown-reference', `SG_MUL_VAL_ names switch "${switchName}", which message "${m.name}" does not have`)
      }
      s.muxOverride = {switch: switchName, switchPos: posOf(switchTok), values}
    },
  })
}
