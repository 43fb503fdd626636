/**
 * The store worker: a thread that owns the live DB's only DuckDB instance, its writer and its
 * reader connection. The main thread talks to it through `LiveStore` (messages in protocol.ts).
 */
import {parentPort} from 'node:worker_threads'

import type {DuckDBConnection} from '@duckdb/node-api'

import {type OpenDatabase, openDatabase} from './database.js'
import {type Reply, type Request, serializeError} from './protocol.js'
import {toJsonRows} from './rows.js'
import {addSource, closeUncleanSessions, createSession, endSession} from './sessions.js'
import {Writer} from './writer.js'

const port = parentPort!
const post = (reply: Reply): void => port.postMessage(reply)
let writer: Writer | undefined
let reader: DuckDBConnection | undefined
let openedPid = process.pid

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'open': {
      const db: OpenDatabase = await openDatabase(request.path)
      const unclean = await closeUncleanSessions(db.writer)
      writer = await Writer.create(db, post)
      reader = await db.instance.connect()
      openedPid = process.pid
      return {unclean}
    }
    case 'startSession':
      return ready().exclusive((db) => createSession(db.writer, request.init, openedPid))
    case 'addSource':
      return ready().exclusive((db) => addSource(db.writer, request.sessionKey, request.kind, request.name))
    case 'append':
      ready().append(request)
      return undefined
    case 'endSession':
      await ready().flush()
      return ready().exclusive((db) => endSession(db.writer, request.sessionKey, request.reason, Date.now() * 1000))
    case 'log': {
      const r = request
      const values = [r.sessionKey ?? 'NULL', Date.now() * 1000, lit(r.source), lit(r.event), r.frames ?? 'NULL', r.dropped ?? 'NULL', lit(r.reason), lit(r.detail)]
      return ready().exclusive((db) => db.writer.run(`INSERT INTO ingest_log VALUES (${values.join(', ')})`).then(() => undefined))
    }
    case 'query': {
      await ready().flush()
      const result = await reader!.runAndReadAll(request.sql, request.params as never)
      return toJsonRows(result)
    }
    case 'flush':
      await ready().flush()
      return {frames: ready().committedFrames, samples: ready().committedSamples}
    case 'checkpoint':
      await ready().checkpoint()
      return undefined
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

function ready(): Writer {
  if (!writer) throw new Error('the store is not open')
  return writer
}

function lit(s: string | undefined): string {
  return s === undefined ? 'NULL' : `'${s.replaceAll("'", "''")}'`
}

port.on('message', (message: {seq: number; request: Request}) => {
  handle(message.request).then(
    (value) => message.request.op !== 'append' && post({seq: message.seq, type: 'result', value}),
    (error: unknown) => post({error: serializeError(error), seq: message.seq, type: 'error'}),
  )
})
