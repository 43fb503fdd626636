import type {DuckConnection} from './driver/index.js'

import {readSql, sql, sqlIdent} from './sql.js'

/**
 * Reads every value of every table of `database` once, so that a damaged block is found at open
 * rather than by a later query. DuckDB checks a block's checksum when it loads it, but loads it
 * only when a query needs it: a clean open and even `count(*)` (answered from metadata) succeed on
 * a file whose data blocks are garbage. Hashing every column forces every block in; the cost is a
 * scan (tens of ms for a million frames here), paid once per open.
 *
 * Throws DuckDB's own error (e.g. `Corrupt database file: computed checksum …`) for the caller to
 * classify.
 */
export async function verifyReadable(connection: DuckConnection, database?: string): Promise<void> {
  const where = database === undefined ? sql`database_name = current_database()` : sql`database_name = ${database}`
  const tables = await readSql(connection, sql`SELECT schema_name, table_name FROM duckdb_tables() WHERE ${where} AND NOT internal ORDER BY table_name`)
  for (const t of tables) {
    const name = [database, String(t['schema_name']), String(t['table_name'])].filter((p) => p !== undefined).map(sqlIdent).join('.')
    // hash() of each column, not count(*): DuckDB answers counts (and count(col) of a column
    // without NULLs) from statistics, which would read nothing.
    await connection.run(`SELECT bit_xor(hash(COLUMNS(*))) FROM ${name}`)
  }
}
