/**
 * The store worker: a thread that owns the live DB's only DuckDB instance, its writer and its
 * reader connection. The main thread talks to it through `LiveStore` (messages in protocol.ts).
 */
import {parentPort} from 'node:worker_threads'

import type {DuckDBConnection} from '@duckdb/node-api'

import {archiveSession, recoverArchives} from './archive-session.js'
import {restoreArchive} from './archive-restore.js'
import {type OpenDatabase, openDatabase} from './database.js'
import {type LapRecord, type Reply, type Request, serializeError} from './protocol.js'
import {toJsonRows} from './rows.js'
import {openOrSalvage} from './salvage.js'
import {acknowledgeRecoveries, unacknowledgedRecoveries} from './salvage-report.js'
import {addSource, closeUncleanSessions, createSession, endSession} from './sessions.js'
import {vacuum} from './vacuum.js'
import {Writer} from './writer.js'

const port = parentPort!
const post = (reply: Reply): void => port.postMessage(reply)
let writer: Writer | undefined
let reader: DuckDBConnection | undefined
let openedPid = process.pid
/** Frames that arrive while vacuum swaps the file: appended to the reopened writer, never dropped. */
let held: Array<Extract<Request, {op: 'append'}>> | undefined

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'open': {
      // A damaged file is moved aside and salvaged here (salvage.ts); any other failure stops.
      const {db, recovery} = await openOrSalvage(request.path)
      const unclean = await closeUncleanSessions(db.writer)
      writer = await Writer.create(db, post)
      reader = await db.instance.connect()
      openedPid = process.pid
      return {unclean, ...(recovery ? {recovery} : {})}
    }
    case 'recoveries':
      return request.acknowledge
        ? ready().exclusive((db) => acknowledgeRecoveries(db.writer, request.atUs))
        : ready().exclusive((db) => unacknowledgedRecoveries(db.writer))
    case 'startSession':
      return ready().exclusive((db) => createSession(db.writer, request.init, openedPid))
    case 'addSource':
      return ready().exclusive((db) => addSource(db.writer, request.sessionKey, request.kind, request.name))
    case 'ackCommit':
      ready().acknowledgeCommit()
      return undefined
    case 'append':
      if (held) held.push(request)
      else ready().append(request)
      return undefined
    case 'endSession':
      await ready().flush()
      return ready().exclusive((db) => endSession(db.writer, request.sessionKey, request.reason, Date.now() * 1000))
    case 'log': {
      const r = request
      const values = [r.sessionKey ?? 'NULL', Date.now() * 1000, lit(r.source), lit(r.event), r.frames ?? 'NULL', r.dropped ?? 'NULL', lit(r.reason), lit(r.detail)]
      return ready().exclusive((db) => db.writer.run(`INSERT INTO ingest_log VALUES (${values.join(', ')})`).then(() => undefined))
    }
    case 'recordLap':
      return ready().exclusive((db) => db.writer.run(lapInsert(request.sessionKey, request.lap)).then(() => undefined))
    case 'query': {
      await ready().flush()
      const result = await reader!.runAndReadAll(request.sql, request.params as never)
      return toJsonRows(result)
    }
    case 'execute':
      return ready().exclusive(async (db) => {
        const result = await db.writer.run(request.sql, request.params as never)
        return result.rowsChanged
      })
    case 'flush':
      await ready().flush()
      return {frames: ready().committedFrames, samples: ready().committedSamples}
    case 'checkpoint':
      await ready().checkpoint()
      return undefined
    case 'archive':
      return archiveSession(ready(), request)
    case 'archiveRecover':
      return recoverArchives(ready(), request.dataDir, request.dryRun)
    case 'restore':
      return restoreArchive(ready(), request.path)
    case 'vacuum':
      return vacuum({closeAround, writer: ready()}, request.options)
    case 'close': {
      if (writer) {
        await writer.close()
        reader?.closeSync()
        writer.database.writer.closeSync()
        writer.database.instance.closeSync()
        writer = undefined
      }
      return undefined
    }
  }
}

/**
 * Vacuum's file swap: drain and close the writer (nothing more is committed to the old file), run
 * `copy` on the still open instance, close it, run `swap`, reopen. Commit counters carry over.
 * Frames appended meanwhile are held and handed to the reopened writer.
 */
async function closeAround<T>(copy: (db: OpenDatabase) => Promise<T>, swap: (copied: T) => void): Promise<{writer: Writer; copied: T}> {
  const old = ready()
  held = []
  await old.close()
  writer = undefined
  const db = old.database
  let copied: T | undefined
  let failure: unknown
  try {
    copied = await copy(db)
  } catch (error) {
    failure = error
  }
  reader?.closeSync()
  db.writer.closeSync()
  db.instance.closeSync()
  if (failure === undefined) {
    try {
      swap(copied as T)
    } catch (error) {
      failure = error
    }
  }
  const reopened = await openDatabase(db.path)
  const next = await Writer.create(reopened, post)
  next.committedFrames = old.committedFrames
  next.committedSamples = old.committedSamples
  next.invalidations = old.invalidations
  reader = await reopened.instance.connect()
  writer = next
  for (const request of held) next.append(request)
  held = undefined
  if (failure !== undefined) throw failure
  return {copied: copied as T, writer: next}
}

function ready(): Writer {
  if (!writer) throw new Error('the store is not open')
  return writer
}

/** The INSERT for one lap; every value is a number, checked here, so the literal SQL is safe. */
function lapInsert(sessionKey: number, lap: LapRecord): string {
  const int = (v: number | null): string => {
    if (v === null) return 'NULL'
    if (!Number.isFinite(v)) throw new Error(`lap ${lap.lap}: ${v} is not a number`)
    return String(Math.round(v))
  }
  const sectors = `[${lap.sectorsMs.map(int).join(', ')}]::INTEGER[]`
  return `INSERT INTO laps VALUES (${int(sessionKey)}, ${int(lap.lap)}, ${int(lap.startUs)}, ${int(lap.endUs)}, ${int(lap.lapTimeMs)}, ${lap.valid}, ${sectors})`
}

function lit(s: string | undefined): string {
  return s === undefined ? 'NULL' : `'${s.replaceAll("'", "''")}'`
}

port.on('message', (message: {seq: number; request: Request}) => {
  handle(message.request).then(
    (value) => message.request.op !== 'append' && message.request.op !== 'ackCommit' && post({seq: message.seq, type: 'result', value}),
    (error: unknown) => post({error: serializeError(error), seq: message.seq, type: 'error'}),
  )
})
