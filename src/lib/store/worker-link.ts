import {Worker} from 'node:worker_threads'

import {OPEN_FILES_KEY, openFilesTable, releaseThreadFiles} from './driver/index.js'
import {type Reply, type RequestOf, type ResultOf, reviveError, type StoreOp} from './protocol.js'

/** The replies the worker sends unasked: commit reports and store events. */
export type UnsolicitedReply = Extract<Reply, {type: 'committed' | 'event'}>

// The worker is plain JavaScript after a build. From the TypeScript sources (tests, bin/dev.js) a
// small bootstrap registers tsx in the worker thread first, since loader flags do not reach workers.
// It shares this thread's table of open database files (driver/open-files.ts).
function startWorker(): Worker {
  const workerData = {[OPEN_FILES_KEY]: openFilesTable()}
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), {workerData})
  const url = new URL('./worker.ts', import.meta.url).href
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}) })`, {eval: true, workerData})
}

/**
 * The store worker thread and the requests waiting on it. Each request is answered by its `seq`
 * with the result `StoreOps` names for its op (the worker's HANDLERS are checked against the same
 * table); a worker that dies rejects everything still waiting.
 */
export class WorkerLink {
  private seq = 0
  private readonly waiting = new Map<number, {resolve: (value: unknown) => void; reject: (e: Error) => void}>()
  private exited: Error | undefined

  constructor(onUnsolicited: (reply: UnsolicitedReply) => void, private readonly worker: Worker = startWorker()) {
    worker.on('message', (reply: Reply) => {
      if (reply.type === 'committed' || reply.type === 'event') return onUnsolicited(reply)
      const waiter = this.waiting.get(reply.seq)
      this.waiting.delete(reply.seq)
      if (reply.type === 'result') waiter?.resolve(reply.value)
      else waiter?.reject(reviveError(reply.error))
    })
    worker.on('error', (error) => this.fail(error))
    const thread = worker.threadId
    worker.on('exit', (code) => {
      // Its DuckDB instances went with it (terminated, or crashed): their files may open again.
      releaseThreadFiles(thread)
      this.fail(new Error(`the store worker exited (${code})`))
    })
  }

  get closed(): boolean {
    return this.exited !== undefined
  }

  request<K extends StoreOp>(request: RequestOf<K>): Promise<ResultOf<K>> {
    if (this.exited) return Promise.reject(this.exited)
    const seq = ++this.seq
    return new Promise<ResultOf<K>>((resolve, reject) => {
      this.waiting.set(seq, {reject, resolve: resolve as (value: unknown) => void})
      this.worker.postMessage({request, seq})
    })
  }

  /** Posts a request nobody waits on (append, ackCommit); the buffers in `transfer` move to the worker. */
  send(request: RequestOf<'append'> | RequestOf<'ackCommit'>, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage({request, seq: ++this.seq}, transfer)
  }

  /** Asks the worker to close the database, then stops it. */
  async close(): Promise<void> {
    if (this.exited) return
    try {
      await this.request({op: 'close'})
    } finally {
      this.exited = new Error('the store is closed')
      await this.worker.terminate()
    }
  }

  /** Stops the worker without closing the database (an open that failed). */
  async terminate(): Promise<void> {
    await this.worker.terminate()
  }

  private fail(error: Error): void {
    this.exited ??= error
    for (const waiter of this.waiting.values()) waiter.reject(error)
    this.waiting.clear()
  }
}
