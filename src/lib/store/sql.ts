/**
 * SQL text and its values, kept apart. A statement is written as sql`… WHERE id = ${id}`: each
 * value becomes a `?` parameter that DuckDB binds, so no value is ever quoted into the text.
 * `sqlString` and `sqlIdent` are the one quoting helper, for what DuckDB cannot bind: the path of
 * ATTACH or COPY … TO, and catalog or table names (USE, CHECKPOINT <db>, <db>.main.<table>).
 */
import type {DuckConnection, DuckValue} from './driver/index.js'

/** Values a statement binds: what crosses to the store worker unchanged. */
export type SqlParam = string | number | bigint | boolean | null

/** Statement text with `?` placeholders and their values, in order. */
export interface Sql {
  readonly text: string
  readonly params: readonly SqlParam[]
}

const isSql = (v: SqlParam | Sql): v is Sql => typeof v === 'object' && v !== null

/**
 * sql`SELECT … WHERE session_key = ${key} AND ${filter}`: values become parameters, `Sql`
 * fragments are spliced in with their parameters (so fragments compose in order).
 */
export function sql(strings: TemplateStringsArray, ...values: ReadonlyArray<SqlParam | Sql>): Sql {
  let text = strings[0]!
  const params: SqlParam[] = []
  values.forEach((value, i) => {
    if (isSql(value)) {
      text += value.text
      params.push(...value.params)
    } else {
      text += '?'
      params.push(value)
    }
    text += strings[i + 1]!
  })
  return {params, text}
}

/** Text that holds no value: a keyword, or a name already quoted with `sqlIdent`. */
export function rawSql(text: string): Sql {
  return {params: [], text}
}

/** `parts` joined by `separator`, parameters in order. */
export function joinSql(parts: readonly Sql[], separator = ', '): Sql {
  return {params: parts.flatMap((p) => p.params), text: parts.map((p) => p.text).join(separator)}
}

/** `it's` → `'it''s'`: a string literal, for the paths of ATTACH and COPY … TO. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** `my "db"` → `"my ""db"""`: an identifier (a catalog or table name). */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

// Without values a statement runs as it is, not prepared: some (COPY … TO, ATTACH) need that.
const bound = (s: Sql): SqlParam[] | undefined => (s.params.length > 0 ? [...s.params] : undefined)

/** Runs a statement; resolves with the rows it changed. */
export function runSql(c: DuckConnection, statement: Sql): Promise<number> {
  return c.run(statement.text, bound(statement))
}

/** Runs a query; resolves with its rows as objects of JS values (BIGINT as bigint, BLOB as Uint8Array: driver/types.ts). */
export async function readSql(c: DuckConnection, query: Sql): Promise<Array<Record<string, DuckValue>>> {
  const {columns, rows} = await c.query(query.text, bound(query))
  return rows.map((row) => {
    const out: Record<string, DuckValue> = {}
    columns.forEach((name, i) => (out[name] = row[i] as DuckValue))
    return out
  })
}

/** Runs a query; resolves with its rows as arrays of JS values, in the query's column order. */
export async function readSqlRows(c: DuckConnection, query: Sql): Promise<ReadonlyArray<readonly DuckValue[]>> {
  return (await c.query(query.text, bound(query))).rows
}
