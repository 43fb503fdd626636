/**
 * Replay from stored data: an archive (`.duckdb` file or parquet session folder) or a session of
 * the live DB, read back as FrameBatch in timestamp order (ties in the order they were stored),
 * so everything downstream of the log reader works unchanged. Archives are opened here, read
 * only; the live DB is read through the store worker that owns it.
 */
import {closeSync, existsSync, openSync, readdirSync, readSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {DATA_STRIDE, FrameBatch, MAX_BATCH_FRAMES} from '../can/frame.js'
import {createReadStats, type LogReadStats} from '../can/log/index.js'
import {DATA_DIR_LAYOUT} from '../config/index.js'
import {InputDataError, UsageError} from '../errors.js'
import {type DuckConnection, type DuckDatabase, openDuckDatabase} from './driver/index.js'
import type {LiveStore} from './live-store.js'
import {openLiveStore} from './open-live-store.js'
import {rawSql, readSql, readSqlRows, type Sql, sql} from './sql.js'
import type {FrameCursor} from './types.js'

/** Where stored frames come from. */
export type StoredFormat = 'duckdb' | 'parquet' | 'live-db'

/** Stored frames opened for replay; iterate `batches` once, then `close()`. */
export interface StoredFrames {
  readonly format: StoredFormat
  readonly sessionId: string
  /** What was opened (file, folder, or `<live DB>#<session>`). */
  readonly label: string
  readonly batches: AsyncIterable<FrameBatch>
  /** `framesRead` counts as the batches go; stored data has no bad lines. */
  readonly stats: LogReadStats
  close(): Promise<void>
}

const COLUMNS = rawSql('ts_us, sub_ns, can_id, flags, len, raw_dlc, data')
const ORDER = rawSql('ORDER BY ts_us, sub_ns')
const SESSION_ID = /^\d{8}T\d{6}Z-[\w.-]+$/

/**
 * Opens `input` as stored frames when it is stored data, else returns undefined (a log file, or
 * `-`). Stored data is a DuckDB file (recognised by its header, whatever its name), a folder with
 * `frames.parquet`, or a session id: its archive in `<dataDir>/archive/` when there is one,
 * otherwise the live DB, which this process must then be able to open (exit 69 naming the
 * process that holds it otherwise).
 */
export async function openStoredFrames(input: string, dataDir: string): Promise<StoredFrames | undefined> {
  if (input === '-') return undefined
  if (existsSync(input)) {
    if (statSync(input).isDirectory()) return openParquet(input)
    return isDuckDbFile(input) ? openDuckDbFile(input) : undefined
  }
  if (!SESSION_ID.test(input)) return undefined
  const archive = findArchive(dataDir, input)
  if (archive) return statSync(archive).isDirectory() ? openParquet(archive) : openDuckDbFile(archive, input)
  return openLiveSession(dataDir, input)
}

/** DuckDB files carry "DUCK" at byte 8 of their header. */
function isDuckDbFile(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(12)
    return readSync(fd, head, 0, 12, 0) === 12 && head.toString('latin1', 8, 12) === 'DUCK'
  } finally {
    closeSync(fd)
  }
}

function findArchive(dataDir: string, id: string): string | undefined {
  const root = join(dataDir, DATA_DIR_LAYOUT.archive)
  const file = join(root, `${id}.duckdb`)
  if (existsSync(file)) return file
  const parquet = join(root, 'parquet')
  for (const car of safeList(parquet)) {
    for (const day of safeList(join(parquet, car))) {
      const dir = join(parquet, car, day, `session=${id}`)
      if (existsSync(join(dir, 'frames.parquet'))) return dir
    }
  }
  return undefined
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

async function openDuckDbFile(path: string, wanted?: string): Promise<StoredFrames> {
  let instance: DuckDatabase
  try {
    instance = await openDuckDatabase(path, {access_mode: 'READ_ONLY'})
  } catch (error) {
    throw new InputDataError(`${path}: cannot open it as a DuckDB file: ${(error as Error).message}`, {
      code: 'PW_ARCHIVE_UNREADABLE',
      suggestions: ['the live DB is replayed by session id: pitwall replay <session-id>'],
    })
  }
  const c = await instance.connect()
  const close = async (): Promise<void> => {
    c.close()
    instance.close()
  }
  try {
    const sessions = await readSql(c, sql`SELECT id, session_key FROM sessions WHERE state <> 'archived' ORDER BY started_us`)
    const chosen = wanted ? sessions.filter((s) => s['id'] === wanted) : sessions
    if (chosen.length !== 1) {
      throw new UsageError(`${path} holds ${chosen.length === 0 ? 'no session' : `${chosen.length} sessions`}${wanted ? ` named ${wanted}` : ''}: replay takes one`, {
        code: 'PW_REPLAY_SESSION',
        suggestions: ['give a session archive (pitwall archive writes one per session), or a session id'],
      })
    }
    const key = Number(chosen[0]!['session_key'])
    const stats = createReadStats()
    const from = sql`frames WHERE session_key = ${key}`
    return {batches: windowedFrames(c, from, rawSql('rowid'), stats), close, format: 'duckdb', label: path, sessionId: String(chosen[0]!['id']), stats}
  } catch (error) {
    await close()
    if (error instanceof UsageError) throw error
    throw new InputDataError(`${path} is not a pitwall session archive: ${(error as Error).message}`, {code: 'PW_ARCHIVE_UNREADABLE'})
  }
}

async function openParquet(dir: string): Promise<StoredFrames> {
  const frames = join(dir, 'frames.parquet')
  if (!existsSync(frames)) {
    throw new InputDataError(`${dir} has no frames.parquet: not a parquet session archive`, {
      code: 'PW_ARCHIVE_UNREADABLE',
      suggestions: ['give the session=<id> folder under archive/parquet/car=<car>/date=<day>/'],
    })
  }
  const instance = await openDuckDatabase(':memory:')
  const c = await instance.connect()
  const close = async (): Promise<void> => {
    c.close()
    instance.close()
  }
  let sessionId = dir
  try {
    const row = (await readSql(c, sql`SELECT id FROM read_parquet(${join(dir, 'sessions.parquet')}, hive_partitioning = false)`))[0]
    if (row) sessionId = String(row['id'])
  } catch {
    // sessions.parquet is for the id only; the frames are what replay needs.
  }
  const stats = createReadStats()
  const from = sql`read_parquet(${frames}, hive_partitioning = false, file_row_number = true) WHERE true`
  return {batches: windowedFrames(c, from, rawSql('file_row_number'), stats), close, format: 'parquet', label: dir, sessionId, stats}
}

/**
 * Data time per read: a result holds at most this much of the session. The ffi driver's results
 * are materialized (DuckDB's C API has no streaming call that is not deprecated), so an hour of a
 * busy bus read at once would be hundreds of MB on a phone; 30 s of 8,000 frames/s is about 24 MB.
 */
export const READ_WINDOW_US = 30_000_000

/**
 * A session's frames in stored order (ts_us, sub_ns, then `tie`: rowid or the parquet row number),
 * read window by window: only the windows that hold frames, each an ordered read of its own.
 * Windows are disjoint in ts_us, so their concatenation keeps the order.
 */
async function* windowedFrames(c: DuckConnection, from: Sql, tie: Sql, stats: LogReadStats): AsyncGenerator<FrameBatch> {
  // Each window's first and last stamp, as BIGINTs (exact beyond 2^53); a floored division, so a
  // stamp before 1970 falls in its own window too.
  const w = sql`(ts_us - ((ts_us % ${READ_WINDOW_US}) + ${READ_WINDOW_US}) % ${READ_WINDOW_US}) // ${READ_WINDOW_US}`
  const windows = await readSqlRows(c, sql`SELECT ${w} AS w, min(ts_us) AS lo, max(ts_us) AS hi FROM ${from} GROUP BY w ORDER BY w`)
  for (const [, lo, hi] of windows) {
    const query = sql`SELECT ${COLUMNS} FROM ${from} AND ts_us BETWEEN ${lo as bigint} AND ${hi as bigint} ${ORDER}, ${tie}`
    yield* streamFrames(c, query, stats)
  }
}

/** Chunks of a DuckDB result as frame batches: one column array per chunk, no object per row. */
async function* streamFrames(c: DuckConnection, query: Sql, stats: LogReadStats): AsyncGenerator<FrameBatch> {
  let batch = new FrameBatch(MAX_BATCH_FRAMES)
  for await (const chunk of c.stream(query.text, [...query.params])) {
    const [ts, sub, id, flags, len, rawDlc, data] = chunk.columns as [bigint[], number[], number[], number[], number[], number[], Uint8Array[]]
    for (let i = 0; i < chunk.rowCount; i++) {
      if (batch.full) {
        yield batch
        batch = new FrameBatch(MAX_BATCH_FRAMES)
      }
      const j = batch.pushHeader(Number(ts[i]!), id[i]!, flags[i]!, len[i]!, sub[i]!, rawDlc[i]!)
      batch.data.set(data[i]!.subarray(0, DATA_STRIDE), j * DATA_STRIDE)
      stats.framesRead++
    }
  }
  if (batch.length > 0) yield batch
}

/** A session still in the live DB, read through the store in pages (the store owns the file). */
async function openLiveSession(dataDir: string, id: string): Promise<StoredFrames> {
  const livePath = join(dataDir, DATA_DIR_LAYOUT.liveDb)
  if (!existsSync(livePath)) {
    throw new UsageError(`${id}: no such file, and no live DB in ${dataDir} to find a session of that id in`, {
      code: 'PW_REPLAY_INPUT',
      suggestions: ['give a log file, an archive, or the id of a stored session (pitwall archive --list)'],
    })
  }
  const {store} = await openLiveStore(dataDir)
  const close = (): Promise<void> => store.close()
  try {
    const session = await store.sessionById(id)
    if (!session) throw new UsageError(`no session ${id} in the live DB`, {code: 'PW_SESSION_UNKNOWN', suggestions: ['pitwall archive --list shows the sessions']})
    if (session.state === 'archived') {
      throw new UsageError(`session ${id} is archived, and its archive ${String(session.archivePath)} is not in ${dataDir}`, {
        code: 'PW_ARCHIVE_NOT_FOUND',
        suggestions: ['give the archive file or folder itself: pitwall replay <path>'],
      })
    }
    const stats = createReadStats()
    return {batches: pageFrames(store, session.key, stats), close, format: 'live-db', label: `${livePath}#${id}`, sessionId: id, stats}
  } catch (error) {
    await close()
    throw error
  }
}

const PAGE = 16_384

// Keyset pages on (ts_us, sub_ns, rowid): each page starts where the last one ended.
async function* pageFrames(store: LiveStore, key: number, stats: LogReadStats): AsyncGenerator<FrameBatch> {
  let after: FrameCursor | null = null
  for (;;) {
    const {frames: f, last} = await store.framesPage(key, after, PAGE)
    let batch = new FrameBatch(MAX_BATCH_FRAMES)
    for (let i = 0; i < f.length; i++) {
      if (batch.full) {
        yield batch
        batch = new FrameBatch(MAX_BATCH_FRAMES)
      }
      const j = batch.pushHeader(f.timestampUs[i]!, f.id[i]!, f.flags[i]!, f.dataLength[i]!, f.subMicroNs[i]!, f.rawDlc[i]!)
      batch.data.set(f.data.subarray(i * DATA_STRIDE, (i + 1) * DATA_STRIDE), j * DATA_STRIDE)
      stats.framesRead++
    }
    if (batch.length > 0) yield batch
    if (f.length < PAGE) return
    after = last
  }
}
