import type {FindingSink} from '../findings.js'
import {signalBits} from './bits.js'
import type {DbcMessage, DbcSignal} from './model.js'

/** One step from the root of the multiplexer tree: "switch S holds one of these values". */
interface Branch {
  readonly switch: string
  readonly values: ReadonlySet<number>
}

/** True when the signal's length is valid and all its bits lie inside the message payload. */
export function fitsInFrame(s: DbcSignal, m: DbcMessage): boolean {
  if (s.length < 1 || s.length > 64) return false
  const limit = m.sizeBytes * 8
  return signalBits(s).every((b) => b >= 0 && b < limit)
}

/**
 * `signal-overlap`, per multiplexer branch as in cantools' strict mode: two signals may share a
 * bit only when they sit under different values of the same switch somewhere on their paths
 * from the root (nested switches via SG_MUL_VAL_ included). A multiplexed signal may not overlap
 * an always-present one, nor one under an independent switch. Reported once per signal, at the
 * later one, naming every earlier signal it collides with.
 */
export function checkOverlaps(m: DbcMessage, sink: FindingSink): void {
  const byName = new Map<string, DbcSignal>()
  for (const s of m.signals) if (!byName.has(s.name)) byName.set(s.name, s)
  const words = Math.ceil((m.sizeBytes * 8) / 32)
  const placed: {signal: DbcSignal; mask: Uint32Array; path: Branch[]}[] = []
  for (const s of m.signals) {
    const path = pathOf(s, byName, 0)
    // Signals out of frame or under a broken multiplexer have their own findings.
    if (!path || !fitsInFrame(s, m)) continue
    const mask = new Uint32Array(words)
    for (const b of signalBits(s)) mask[b >>> 5]! |= 1 << (b & 31)
    const clashes: string[] = []
    for (const p of placed) {
      if (exclusive(p.path, path)) continue
      const shared = sharedBits(p.mask, mask)
      if (shared.length > 0) clashes.push(`"${p.signal.name}" (${shared.length === 1 ? 'bit' : 'bits'} ${ranges(shared)})`)
    }
    if (clashes.length > 0) sink.error(s.pos, 'signal-overlap', `signal "${s.name}" overlaps ${clashes.join(', ')} in message "${m.name}"`)
    placed.push({signal: s, mask, path})
  }
}

/** The chain of switches above a signal, or undefined when a switch is missing or not a switch. */
function pathOf(s: DbcSignal, byName: ReadonlyMap<string, DbcSignal>, depth: number): Branch[] | undefined {
  if (s.multiplexerValues === undefined) return []
  const sw = s.multiplexerSwitch === undefined ? undefined : byName.get(s.multiplexerSwitch)
  if (!sw || !sw.isMultiplexer || sw === s || depth > 32) return undefined
  const parent = pathOf(sw, byName, depth + 1)
  return parent && [...parent, {switch: sw.name, values: new Set(s.multiplexerValues)}]
}

/** Never present at the same time: at the first switch both paths share, their values differ. */
function exclusive(a: readonly Branch[], b: readonly Branch[]): boolean {
  for (let i = 0; i < a.length && i < b.length; i++) {
    if (a[i]!.switch !== b[i]!.switch) return false
    if (![...a[i]!.values].some((v) => b[i]!.values.has(v))) return true
  }
  return false
}

function sharedBits(a: Uint32Array, b: Uint32Array): number[] {
  const out: number[] = []
  for (let w = 0; w < a.length; w++) {
    const both = a[w]! & b[w]!
    if (both !== 0) for (let k = 0; k < 32; k++) if (both & (1 << k)) out.push(w * 32 + k)
  }
  return out
}

/** [8, 9, 10, 15] → "8..10, 15" */
function ranges(bits: readonly number[]): string {
  const parts: string[] = []
  for (let i = 0; i < bits.length; ) {
    let j = i
    while (j + 1 < bits.length && bits[j + 1] === bits[j]! + 1) j++
    parts.push(i === j ? `${bits[i]}` : `${bits[i]}..${bits[j]}`)
    i = j + 1
  }
  return parts.join(', ')
}
