import type {DuckConnection} from './driver/index.js'

import {joinSql, readSql, runSql, type Sql, sql} from './sql.js'

/** What became of one table of a damaged file. */
export interface TableRecovery {
  readonly table: string
  /** `recovered`: every row; `partial`: some rows were unreadable; `lost`: none could be read. */
  readonly status: 'recovered' | 'partial' | 'lost'
  /** Rows copied into the new file. */
  readonly rows: number
  /** Rows the damaged file says the table held (from its metadata), when it could say. */
  readonly of?: number
  readonly detail?: string
}

/** One salvage: where the damaged file went, why, and what came back, table by table. */
export interface RecoveryReport {
  /** When it happened, µs since the epoch (also the key of its `recoveries` rows). */
  readonly atUs: number
  /** The damaged file, moved aside: `pitwall.duckdb.corrupted-<timestamp>`. */
  readonly movedTo: string
  /** Its WAL, moved with it (`<movedTo>.wal`), if there was one. */
  readonly walMovedTo?: string
  /** The DuckDB error that showed the damage. */
  readonly cause: string
  readonly tables: readonly TableRecovery[]
  readonly acknowledged?: boolean
}

/** Writes a salvage into the new file's `recoveries` table: one row per table, unacknowledged. */
export async function recordRecovery(c: DuckConnection, report: RecoveryReport): Promise<void> {
  const rows = report.tables.map((t) => {
    const detail = [t.of === undefined ? undefined : `${t.rows} of ${t.of} rows`, t.detail].filter((d) => d !== undefined).join('; ')
    return sql`(${report.atUs}, ${report.movedTo}, ${t.table}, ${t.rows}, ${t.status}, ${detail === '' ? null : detail}, false)`
  })
  // The cause and the WAL ride on a row of their own (table_name NULL), so the table rows stay one per table.
  const about = `cause: ${report.cause}${report.walMovedTo ? `; WAL moved to ${report.walMovedTo}` : ''}`
  rows.push(sql`(${report.atUs}, ${report.movedTo}, NULL, NULL, 'moved', ${about}, false)`)
  await runSql(c, sql`INSERT INTO recoveries (at_us, moved_to, table_name, rows_recovered, status, detail, acknowledged) VALUES ${joinSql(rows)}`)
}

/**
 * The salvages nobody has acknowledged yet, oldest first: `pitwall health` shows them until
 * `acknowledgeRecoveries` is called.
 */
export async function unacknowledgedRecoveries(c: DuckConnection): Promise<RecoveryReport[]> {
  return readRecoveries(c, sql`WHERE NOT acknowledged`)
}

/** Every salvage this file records, acknowledged or not, oldest first. */
export async function allRecoveries(c: DuckConnection): Promise<RecoveryReport[]> {
  return readRecoveries(c, sql``)
}

/** Marks salvages as seen (all, or the one at `atUs`); returns how many were newly acknowledged. */
export async function acknowledgeRecoveries(c: DuckConnection, atUs?: number): Promise<number> {
  const only = atUs === undefined ? sql`` : sql`AND at_us = ${Math.trunc(atUs)}`
  const n = (await readSql(c, sql`SELECT count(DISTINCT at_us) AS n FROM recoveries WHERE NOT acknowledged ${only}`))[0]!['n']
  await runSql(c, sql`UPDATE recoveries SET acknowledged = true WHERE NOT acknowledged ${only}`)
  return Number(n)
}

async function readRecoveries(c: DuckConnection, where: Sql): Promise<RecoveryReport[]> {
  const rows = await readSql(c, sql`SELECT at_us, moved_to, table_name, rows_recovered, status, detail, acknowledged FROM recoveries ${where} ORDER BY at_us, rowid`)
  const byEvent = new Map<number, {atUs: number; movedTo: string; cause: string; walMovedTo?: string; tables: TableRecovery[]; acknowledged: boolean}>()
  for (const r of rows) {
    const atUs = Number(r['at_us'])
    let event = byEvent.get(atUs)
    if (!event) {
      event = {acknowledged: Boolean(r['acknowledged']), atUs, cause: '', movedTo: String(r['moved_to'] ?? ''), tables: []}
      byEvent.set(atUs, event)
    }
    const detail = r['detail'] === null ? undefined : String(r['detail'])
    if (r['table_name'] === null) {
      const m = /^cause: (.*?)(?:; WAL moved to (.*))?$/s.exec(detail ?? '')
      event.cause = m?.[1] ?? detail ?? ''
      if (m?.[2]) event.walMovedTo = m[2]
      continue
    }
    const of = /^(\d+) of (\d+) rows(?:; |$)/.exec(detail ?? '')
    const rest = of ? detail!.slice(of[0].length) : detail
    event.tables.push({
      rows: Number(r['rows_recovered'] ?? 0),
      status: String(r['status']) as TableRecovery['status'],
      table: String(r['table_name']),
      ...(of ? {of: Number(of[2])} : {}),
      ...(rest ? {detail: rest} : {}),
    })
  }
  return [...byEvent.values()]
}

/** What an open says of a session a dead process had left live (it is closed as ended, unclean). */
export function describeUnclean(sessionId: string): string {
  return `session ${sessionId} was left live by a process that died: closed as ended (unclean)`
}

/** The report as lines for a terminal (ingest prints it to stderr; health shows it). */
export function describeRecovery(report: RecoveryReport): string[] {
  const fmt = (n: number): string => n.toLocaleString('en-US')
  const lines = [
    `the live DB was damaged (${report.cause.split('\n')[0]}); it was moved aside, not deleted:`,
    `  ${report.movedTo}${report.walMovedTo ? ` and ${report.walMovedTo}` : ''}`,
  ]
  const details = new Set(report.tables.map((t) => t.detail))
  if (report.tables.length === 0) {
    lines.push('it held no data (an empty file); a fresh live DB takes its place.')
    return lines
  }
  if (report.tables.every((t) => t.status === 'lost') && details.size === 1) {
    // One reason for every table (the file cannot be opened at all): say it once.
    lines.push(`no table could be read (${[...details][0]?.split('\n')[0] ?? 'unknown'}); a fresh live DB takes its place.`)
    lines.push('the damaged file keeps everything: a DuckDB expert may get more out of it.')
    return lines
  }
  lines.push('every readable table was copied into a fresh live DB:')
  const width = Math.max(...report.tables.map((t) => t.table.length), 5)
  for (const t of report.tables) {
    const count = t.of === undefined || t.of === t.rows ? `${fmt(t.rows)} rows` : `${fmt(t.rows)} of ${fmt(t.of)} rows`
    lines.push(`  ${t.table.padEnd(width)}  ${t.status.padEnd(9)}  ${count}${t.detail && t.status !== 'recovered' ? `: ${t.detail.split('\n')[0]}` : ''}`)
  }
  const lost = report.tables.filter((t) => t.status !== 'recovered').length
  lines.push(lost === 0 ? 'nothing was lost.' : `${lost} table(s) not fully recovered; the damaged file keeps everything that could not be read.`)
  return lines
}
