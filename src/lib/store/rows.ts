import type {DuckRows, DuckValue} from './driver/index.js'

/** A nullable numeric column's value: NULL stays null, a BIGINT becomes a number. */
export const numberOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

/** A nullable text column's value. */
export const stringOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

/** Result rows as plain JSON-safe objects: BIGINTs become numbers when exact, strings otherwise. */
export function toJsonRows(result: DuckRows): Array<Record<string, unknown>> {
  return result.rows.map((row) => {
    const out: Record<string, unknown> = {}
    result.columns.forEach((name, i) => (out[name] = plain(row[i])))
    return out
  })
}

function plain(v: DuckValue | undefined): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()
  if (Array.isArray(v)) return v.map(plain)
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
  return v
}
