/**
 * The store worker: a thread that owns the live DB's only DuckDB instance, its writer and its
 * reader connection. The main thread talks to it through `LiveStore`; `HANDLERS` answers each
 * request of protocol.ts with the result type `StoreOps` names for it.
 */
import {parentPort} from 'node:worker_threads'

import {archiveSession, recoverArchives} from './archive-session.js'
import {restoreArchive} from './archive-restore.js'
import {framesPage, sampleWindow} from './column-reads.js'
import {closeDatabase, type OpenDatabase, openDatabase} from './database.js'
import {type DuckConnection, describeDriver} from './driver/index.js'
import {readLaps, recordLap} from './laps.js'
import {type Reply, type Request, type RequestOf, type ResultOf, serializeError, type StoreOp} from './protocol.js'
import {toJsonRows} from './rows.js'
import {openOrSalvage} from './salvage.js'
import {acknowledgeRecoveries, unacknowledgedRecoveries} from './salvage-report.js'
import {addIngestLog, addNote, channelIds, sessionById, sessionDetail, updateRunSheet} from './session-queries.js'
import {addSource, closeUncleanSessions, createSession, endSession} from './sessions.js'
import {vacuum} from './vacuum.js'
import {Writer} from './writer.js'

const port = parentPort!
const post = (reply: Reply): void => port.postMessage(reply)
let writer: Writer | undefined
let reader: DuckConnection | undefined
let openedPid = process.pid
/** Frames that arrive while vacuum swaps the file: appended to the reopened writer, never dropped. */
let held: Array<RequestOf<'append'>> | undefined

type Handlers = {[K in StoreOp]: (request: RequestOf<K>) => Promise<ResultOf<K>> | ResultOf<K>}

/** Reads run on the reader connection once pending frames are committed: they see every append before them. */
async function read<T>(work: (c: DuckConnection) => Promise<T>): Promise<T> {
  await ready().flush()
  return work(reader!)
}

/** Writes run on the writer connection, between commits of frames. */
const write = <T>(work: (c: DuckConnection) => Promise<T>): Promise<T> => ready().exclusive((db) => work(db.writer))

const HANDLERS: Handlers = {
  ackCommit: () => {
    ready().acknowledgeCommit()
    return undefined
  },
  acknowledgeRecoveries: (r) => write((c) => acknowledgeRecoveries(c, r.atUs)),
  addNote: (r) => write((c) => addNote(c, r.sessionKey, r.note)),
  addSource: (r) => write((c) => addSource(c, r.sessionKey, r.kind, r.name)),
  append: (r) => {
    if (held) held.push(r)
    else ready().append(r)
    return undefined
  },
  archive: (r) => archiveSession(ready(), r),
  archiveRecover: (r) => recoverArchives(ready(), r.dataDir, r.dryRun),
  channelIds: (r) => read((c) => channelIds(c, r.sessionKey)),
  checkpoint: () => ready().checkpoint().then(() => undefined),
  close: async () => {
    if (writer) {
      await writer.close()
      const db = writer.database
      writer = undefined
      closeDatabase(db, reader)
      reader = undefined
    }
    return undefined
  },
  endSession: async (r) => {
    await ready().flush()
    return write((c) => endSession(c, r.sessionKey, r.reason, Date.now() * 1000))
  },
  flush: async () => {
    await ready().flush()
    return {frames: ready().committedFrames, samples: ready().committedSamples}
  },
  framesPage: (r) => read((c) => framesPage(c, r.sessionKey, r.after, r.limit)),
  laps: (r) => read((c) => readLaps(c, r.sessionKey)),
  log: (r) => write((c) => addIngestLog(c, r.entry)),
  open: async (r) => {
    // A damaged file is moved aside and salvaged here (salvage.ts); any other failure stops.
    const {db, recovery} = await openOrSalvage(r.path)
    const unclean = await closeUncleanSessions(db.writer)
    writer = await Writer.create(db, post)
    reader = await db.instance.connect()
    openedPid = process.pid
    return {driver: await describeDriver(), unclean, ...(recovery ? {recovery} : {})}
  },
  query: (r) => read(async (c) => toJsonRows(await c.query(r.sql, r.params))),
  recordLap: (r) => write((c) => recordLap(c, r.sessionKey, r.lap)),
  recoveries: () => write((c) => unacknowledgedRecoveries(c)),
  restore: (r) => restoreArchive(ready(), r.path),
  sampleWindow: (r) => read((c) => sampleWindow(c, r.sessionKey, r.channelIds, r.fromUs, r.toUs)),
  sessionById: (r) => read((c) => sessionById(c, r.id)),
  sessionDetail: (r) => read((c) => sessionDetail(c, r.sessionKey)),
  startSession: (r) => write((c) => createSession(c, r.init, openedPid)),
  updateRunSheet: (r) => write((c) => updateRunSheet(c, r.sessionKey, r.patch)),
  vacuum: (r) => vacuum({closeAround, writer: ready()}, r.options),
}

function handle<K extends StoreOp>(request: RequestOf<K>): Promise<ResultOf<K>> | ResultOf<K> {
  const handler: Handlers[K] = HANDLERS[request.op]
  return handler(request)
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
  try {
    closeDatabase(db, reader)
  } catch (error) {
    failure ??= error
  }
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

port.on('message', (message: {seq: number; request: Request}) => {
  const {op} = message.request
  Promise.resolve()
    .then(() => handle(message.request))
    .then(
      (value) => op !== 'append' && op !== 'ackCommit' && post({seq: message.seq, type: 'result', value}),
      (error: unknown) => post({error: serializeError(error), seq: message.seq, type: 'error'}),
    )
})
