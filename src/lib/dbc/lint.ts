import type {FindingSink} from '../findings.js'
import {findUnit} from '../units/index.js'
import {rawRange, signalBits} from './bits.js'
import {checkOverlaps, fitsInFrame} from './lint-overlap.js'
import type {DbcDatabase, DbcMessage, DbcSignal} from './model.js'

/** Classic CAN payloads are 0..8 bytes; CAN FD adds these. */
const FD_SIZES = new Set([12, 16, 20, 24, 32, 48, 64])

/** Vector's holder for signals that belong to no frame (id 0xC0000000, size 0): not a real message. */
const INDEPENDENT_SIGNALS = 'VECTOR__INDEPENDENT_SIG_MSG'

/**
 * Checks a parsed database: ids, sizes, signal layout (per multiplexer branch, as cantools'
 * strict mode does), duplicates, ranges, units, float lengths and multiplexers. Rule ids and
 * what they mean are listed in README.md.
 */
export function lintDbc(db: DbcDatabase, sink: FindingSink): void {
  const byName = new Map<string, DbcMessage>()
  const byId = new Map<string, DbcMessage>()
  for (const m of db.messages) {
    if (m.name === INDEPENDENT_SIGNALS) continue
    const idPos = m.positions?.id ?? m.pos
    const first = byName.get(m.name)
    if (first) sink.error(m.pos, 'duplicate-message', `message "${m.name}" is declared twice (first at line ${first.pos.line})`)
    else byName.set(m.name, m)
    const key = `${m.id}/${m.extended}`
    const same = byId.get(key)
    if (same) sink.error(idPos, 'duplicate-message', `message "${m.name}" has the same ${m.extended ? 'extended' : 'standard'} id 0x${hex(m.id)} as "${same.name}" (line ${same.pos.line})`)
    else byId.set(key, m)

    const limit = m.extended ? 0x1fff_ffff : 0x7ff
    if (m.id > limit) {
      sink.error(idPos, 'frame-id-range', `${m.extended ? 'extended' : 'standard'} id 0x${hex(m.id)} of "${m.name}" is above 0x${hex(limit)}`)
    }
    if (m.sizeBytes > 64 || (m.sizeBytes > 8 && !FD_SIZES.has(m.sizeBytes))) {
      sink.error(m.positions?.size ?? m.pos, 'frame-size', `"${m.name}" declares ${m.sizeBytes} bytes; a CAN frame carries 0..8 bytes, CAN FD also 12, 16, 20, 24, 32, 48 or 64`)
    }
    lintSignals(m, sink)
    checkOverlaps(m, sink)
  }
}

function lintSignals(m: DbcMessage, sink: FindingSink): void {
  const seen = new Map<string, DbcSignal>()
  for (const s of m.signals) {
    const first = seen.get(s.name)
    if (first) sink.error(s.pos, 'duplicate-signal', `signal "${s.name}" appears twice in message "${m.name}" (first at line ${first.pos.line})`)
    else seen.set(s.name, s)
    const at = s.positions

    if (s.length < 1 || s.length > 64) {
      sink.error(at?.length ?? s.pos, 'signal-out-of-frame', `signal "${s.name}" has length ${s.length}; a signal is 1 to 64 bits long`)
    } else if (!fitsInFrame(s, m)) {
      const top = Math.max(...signalBits(s))
      sink.error(at?.startBit ?? s.pos, 'signal-out-of-frame', `signal "${s.name}" (${s.startBit}|${s.length}@${s.byteOrder === 'big_endian' ? 0 : 1}) reaches bit ${top}, but the ${m.sizeBytes}-byte message "${m.name}" ends at bit ${m.sizeBytes * 8 - 1}`)
    }

    const floatLength = s.valueType === 'float32' ? 32 : s.valueType === 'float64' ? 64 : s.length
    if (floatLength !== s.length) {
      sink.error(at?.valueType ?? s.pos, 'float-length', `signal "${s.name}" is declared ${s.valueType} by SIG_VALTYPE_ but is ${s.length} bits long, not ${floatLength}`)
    } else if (s.length >= 1 && s.length <= 64) checkRange(s, sink)

    if (s.unit !== '' && !findUnit(s.unit)) sink.warning(at?.unit ?? s.pos, 'unknown-unit', `unknown unit "${s.unit}" on signal "${s.name}"`)
    checkMultiplexer(s, m, sink)
  }
}

/**
 * A declared bound the field cannot reach. `[0|0]` means "no range". A bound counts as reachable
 * within half a raw step (the nearest raw value exists) or within 0.01 % of the field's largest
 * magnitude, so float noise (65535 × 0.1) and ranges rounded for display (1016.91 for
 * 65535 × 0.0155168902 = 1016.8994) pass; a copied range (4.1765 where the field stops at
 * 4.1737) or a flag declared [0|255] does not.
 */
function checkRange(s: DbcSignal, sink: FindingSink): void {
  if ((s.min === 0 && s.max === 0) || s.scale === 0 || !Number.isFinite(s.scale)) return
  const r = rawRange(s)
  const slack = Math.max(0.5 * Math.abs(s.scale), 1e-4 * Math.max(Math.abs(r.physMin), Math.abs(r.physMax))) * (1 + 1e-9)
  for (const [which, bound] of [['minimum', s.min], ['maximum', s.max]] as const) {
    if (bound >= r.physMin - slack && bound <= r.physMax + slack) continue
    const pos = (which === 'minimum' ? s.positions?.min : s.positions?.max) ?? s.pos
    const field = s.valueType === 'integer' ? `${s.length}-bit ${s.signed ? 'signed' : 'unsigned'}` : s.valueType
    sink.warning(pos, 'unreachable-range', `declared ${which} ${bound} of signal "${s.name}" is out of reach: the field (${field}, scale ${s.scale}, offset ${s.offset}) gives ${round(r.physMin)} .. ${round(r.physMax)}`)
  }
}

function checkMultiplexer(s: DbcSignal, m: DbcMessage, sink: FindingSink): void {
  if (s.multiplexerValues === undefined) return
  const pos = s.positions?.multiplexerSwitch ?? s.positions?.multiplexer ?? s.pos
  if (s.multiplexerSwitch === undefined) {
    sink.error(pos, 'multiplexer-missing', `signal "${s.name}" is multiplexed (m${s.multiplexerValues[0]}), but message "${m.name}" has no multiplexer switch (M)`)
    return
  }
  const sw = m.signals.find((o) => o.name === s.multiplexerSwitch)
  // A switch name no signal has was already reported by the parser (unknown-reference).
  if (sw && (!sw.isMultiplexer || sw === s)) {
    sink.error(pos, 'multiplexer-missing', `signal "${s.name}" is selected by "${sw.name}", which is not a multiplexer switch (M or mNM)`)
  }
}

const hex = (n: number): string => n.toString(16).toUpperCase()
const round = (n: number): number => Number(n.toPrecision(10))
