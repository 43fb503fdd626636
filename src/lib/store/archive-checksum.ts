import type {DuckConnection} from './driver/index.js'

import {SESSION_TABLES} from './schema.js'
import {rawSql, readSql, type Sql, sql, sqlIdent} from './sql.js'

/**
 * A table's fingerprint: its row count and, per column, the sum of the column's hashes. Sums do
 * not depend on row order, so a copy written in another order still matches, and any changed,
 * lost or added value changes a sum (or the count). Columns that legitimately differ between
 * the copies (the session key of a restored session, the state of the session row) are left out.
 */
export interface Fingerprint {
  readonly rows: number
  readonly sums: Readonly<Record<string, string>>
}

/** Every table of a session archive, with the columns its fingerprint leaves out. */
export const ARCHIVED_TABLES: ReadonlyArray<{readonly table: string; readonly exclude: readonly string[]}> = [
  {exclude: ['session_key', 'state', 'archive_path'], table: 'sessions'},
  {exclude: [], table: 'cars'},
  ...SESSION_TABLES.map((table) => ({exclude: ['session_key'], table})),
]

/** `from` is a table reference or a table function (`read_parquet(…)`); `where` filters it. */
export async function fingerprint(c: DuckConnection, from: Sql, where: Sql, exclude: readonly string[]): Promise<Fingerprint> {
  const columns = rawSql(exclude.length > 0 ? `* EXCLUDE (${exclude.map(sqlIdent).join(', ')})` : '*')
  const row = (await readSql(c, sql`SELECT count(*) AS pw_rows, sum(hash(COLUMNS(${columns}))) FROM ${from} ${where}`))[0] ?? {}
  const sums: Record<string, string> = {}
  for (const [k, v] of Object.entries(row)) if (k !== 'pw_rows') sums[k] = String(v)
  return {rows: Number(row['pw_rows'] ?? 0), sums}
}

/** The differences between two fingerprints of one table, as readable lines (none: they match). */
export function compareFingerprints(table: string, expected: Fingerprint, actual: Fingerprint): string[] {
  const problems: string[] = []
  if (expected.rows !== actual.rows) problems.push(`${table}: ${actual.rows} rows, expected ${expected.rows}`)
  for (const [column, sum] of Object.entries(expected.sums)) {
    if (actual.sums[column] !== sum) problems.push(`${table}.${column}: checksum differs`)
  }
  for (const column of Object.keys(actual.sums)) if (!(column in expected.sums)) problems.push(`${table}.${column}: unexpected column`)
  return problems
}

/**
 * A parquet file as a table, its columns only: the `key=value` folders of the archive layout
 * (car=, date=, session=) would otherwise be read as extra hive-partition columns.
 */
export const parquetTable = (file: string): Sql => sql`read_parquet(${file}, hive_partitioning = false)`

/** `<catalog>.main.<table>`: a table of an attached (or the live) database. */
export const tableIn = (catalog: string, table: string): Sql => rawSql(`${sqlIdent(catalog)}.main.${sqlIdent(table)}`)
