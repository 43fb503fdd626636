import type {DuckConnection} from './driver/index.js'

import {classifyDuckDbError} from './duckdb-errors.js'
import type {TableRecovery} from './salvage-report.js'
import {rawSql, readSql, readSqlRows, runSql, type Sql, sql, sqlIdent as qi} from './sql.js'

/** The damaged file's name inside the salvage instance (attached read-only). */
export const DAMAGED = 'pitwall_damaged'

/**
 * Smallest row range worth splitting further: one DuckDB vector. A damaged block loses the rows
 * whose values it held, rounded out to this.
 */
const MIN_RANGE = 2048

/** Tables that describe the others go first, so a partial copy of a big table still has its sessions. */
const FIRST = ['sessions', 'cars', 'channels', 'sources']

/** Tables the new file writes itself. */
const SKIP = new Set(['schema_version'])

/**
 * The connection the copy runs on. `reconnect` replaces it when DuckDB invalidates the instance
 * (an INTERNAL error while reading damaged data does that): the rows copied so far are
 * committed, so the copy goes on from where it was.
 */
export interface SalvageTarget {
  connection(): DuckConnection
  reconnect(): Promise<void>
}

/** Copies every table of the attached damaged file it can read, table by table. */
export async function copyReadableTables(target: SalvageTarget): Promise<TableRecovery[]> {
  const listed = await readSql(target.connection(), sql`SELECT table_name FROM duckdb_tables() WHERE database_name = ${DAMAGED} AND schema_name = 'main' AND NOT internal`)
  const names = listed.map((r) => String(r['table_name'])).filter((t) => !SKIP.has(t))
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const results: TableRecovery[] = []
  for (const table of names) results.push(await copyTable(target, table))
  return results
}

function rank(table: string): number {
  const i = FIRST.indexOf(table)
  return i === -1 ? FIRST.length : i
}

/**
 * Copies one table: all at once if it reads; otherwise by halving rowid ranges (DuckDB skips row
 * groups and vectors outside a rowid filter, so a range that avoids the damaged block reads
 * cleanly) down to MIN_RANGE rows, in order, so append order and zone maps survive.
 */
export async function copyTable(target: SalvageTarget, table: string): Promise<TableRecovery> {
  const source = rawSql(`${DAMAGED}.main.${qi(table)}`)
  const into = rawSql(`main.${qi(table)}`)
  const c = (): DuckConnection => target.connection()
  const scalar = async (query: Sql): Promise<number | undefined> => {
    try {
      const v = (await readSqlRows(c(), query))[0]?.[0]
      return v === null || v === undefined ? undefined : Number(v)
    } catch {
      return undefined
    }
  }
  // Both come from metadata, not data blocks; with deleted rows, rowids have gaps and count < end.
  const of = await scalar(sql`SELECT count(*) FROM ${source}`)
  const end = (await scalar(sql`SELECT max(rowid) + 1 FROM ${source}`)) ?? of
  try {
    const exists = await scalar(sql`SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ${table}`)
    if (!exists) await runSql(c(), sql`CREATE TABLE ${into} AS SELECT * FROM ${source} LIMIT 0`)
    // Binds the copy once: a column the new schema lacks is a reason to stop, not to bisect.
    await runSql(c(), sql`INSERT INTO ${into} BY NAME SELECT * FROM ${source} LIMIT 0`)
  } catch (error) {
    return {detail: message(error), rows: 0, status: 'lost', table, ...(of === undefined ? {} : {of})}
  }
  if (end === undefined) return {detail: 'its size could not be read', rows: 0, status: 'lost', table}

  let rows = 0
  const unreadable: Array<{from: number; to: number; error: string}> = []
  const copy = async (from: number, to: number): Promise<void> => {
    try {
      rows += await runSql(c(), sql`INSERT INTO ${into} BY NAME SELECT * FROM ${source} WHERE rowid >= ${from} AND rowid < ${to}`)
    } catch (error) {
      if (classifyDuckDbError(error).kind === 'invalidated' || /INTERNAL Error/i.test(message(error))) await target.reconnect()
      if (to - from <= MIN_RANGE) {
        const last = unreadable.at(-1)
        if (last && last.to === from) last.to = to
        else unreadable.push({error: message(error), from, to})
        return
      }
      const mid = from + Math.max(MIN_RANGE, Math.floor((to - from) / 2 / MIN_RANGE) * MIN_RANGE)
      await copy(from, mid)
      await copy(mid, to)
    }
  }
  if (end > 0) await copy(0, end)

  const known = of === undefined ? {} : {of}
  if (unreadable.length === 0) return {rows, status: 'recovered', table, ...known}
  const ranges = unreadable.map((u) => `${u.from}-${u.to - 1}`).join(', ')
  const detail = `rowids ${ranges} unreadable (${unreadable[0]!.error.split('\n')[0]})`
  return {detail, rows, status: rows > 0 ? 'partial' : 'lost', table, ...known}
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
