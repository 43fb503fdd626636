import type {DuckDBResultReader} from '@duckdb/node-api'

/** A nullable numeric column's value: NULL stays null, a BIGINT becomes a number. */
export const numberOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

/** A nullable text column's value. */
export const stringOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

/** Result rows as plain JSON-safe objects: BIGINTs become numbers when exact, strings otherwise. */
export function toJsonRows(result: DuckDBResultReader): Array<Record<string, unknown>> {
  return result.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(row)) out[k] = plain(v)
    return out
  })
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()
  if (Array.isArray(v)) return v.map(plain)
  if (v instanceof Date) return v.toISOString()
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}
