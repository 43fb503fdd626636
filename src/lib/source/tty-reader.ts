/**
 * Reads a tty in its own thread. A pty holds about 17 KiB and an adapter's buffer a few more: at
 * 50,000 frames/s that is under 20 ms of traffic, and the main thread decodes, hands batches to the
 * store and collects garbage in steps that can take longer (V8's first compilations right after
 * the adapter opens, a mark-compact). A small worker that only reads keeps draining the tty while
 * the main thread is busy, and hands the bytes over with the time each read returned: the first
 * read after a quiet spell at once (a probe's reply is not held up), later ones coalesced into at
 * most one message per `coalesceMs` (20 ms). Each read keeps its own time, so coalescing costs the
 * host stamps nothing; it spares the main thread a wake-up per read (at the seed's 350 frames/s a
 * pty read returns one frame: 350 messages a second, 3 % of a core on the main thread for nothing).
 *
 * The worker is plain JavaScript (no imports of ours), so it runs the same from the TypeScript
 * sources (tests, tsx) and from dist/.
 */
import {write} from 'node:fs'
import {Worker} from 'node:worker_threads'

import {type ByteLink, type LinkEvents, linkEndOf} from './byte-link.js'

const READER = String.raw`
const {parentPort, workerData} = require('node:worker_threads')
const {ReadStream} = require('node:tty')
const now = () => performance.timeOrigin + performance.now()
const input = new ReadStream(workerData.fd)
input.setRawMode(true)
let chunks = []
let times = []
let size = 0
let timer
let lastPost = 0
const flush = () => {
  timer = undefined
  if (size === 0) return
  lastPost = now()
  const out = new Uint8Array(size)
  const ends = new Uint32Array(chunks.length)
  let at = 0
  for (let i = 0; i < chunks.length; i++) { out.set(chunks[i], at); at += chunks[i].length; ends[i] = at }
  const readAt = Float64Array.from(times)
  chunks = []
  times = []
  size = 0
  parentPort.postMessage({data: out, ends, readAt}, [out.buffer, ends.buffer, readAt.buffer])
}
// The first read after a quiet spell (nothing posted for coalesceMs) goes at once; later ones wait for the timer.
input.on('data', (chunk) => {
  const t = now()
  chunks.push(chunk)
  times.push(t)
  size += chunk.length
  if (size >= 65536 || (timer === undefined && t - lastPost >= workerData.coalesceMs)) flush()
  else if (timer === undefined) timer = setTimeout(flush, workerData.coalesceMs)
})
const end = (message) => { flush(); parentPort.postMessage(message); input.destroy() }
input.on('end', () => end({end: {kind: 'eof', message: 'end of input'}}))
input.on('error', (error) => end({error: {code: error.code, message: error.message}}))
input.on('close', () => end({end: {kind: 'hangup', message: 'closed'}}))
parentPort.on('message', (m) => { if (m === 'close') { input.removeAllListeners('data'); input.destroy(); process.exit(0) } })
parentPort.postMessage({ready: true})
`

export interface TtyReaderOptions {
  /** Longest a read waits to be coalesced with later ones (each keeps its own read time). Default 20 ms. */
  readonly coalesceMs?: number
  /** Called after the reader has let go of the descriptor (e.g. to close the port that configured it). */
  readonly onClosed?: () => void | Promise<void>
  /** Writes host commands; default fs.write on `fd`. */
  readonly write?: (bytes: Buffer) => void
}

/**
 * A ByteLink reading tty `fd` (raw mode) in a worker thread. `events.data` gets the chunk and how
 * long ago it was read (ms). Closing ends the worker, which closes `fd`.
 */
export async function threadedTtyLink(fd: number, events: LinkEvents, options: TtyReaderOptions = {}): Promise<ByteLink> {
  const worker = new Worker(READER, {eval: true, workerData: {coalesceMs: options.coalesceMs ?? 20, fd}})
  let closed = false
  let ended = false
  const end = (reason: Parameters<LinkEvents['end']>[0]): void => {
    if (ended || closed) return
    ended = true
    events.end(reason)
  }
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject)
    worker.once('message', () => {
      worker.off('error', reject)
      resolve()
    })
  })
  const now = (): number => performance.timeOrigin + performance.now()
  worker.on('message', (m: {data?: Uint8Array; ends?: Uint32Array; readAt?: Float64Array; end?: Parameters<LinkEvents['end']>[0]; error?: {code?: string; message: string}}) => {
    if (closed) return
    if (m.data) {
      // One message, the reads it coalesced: each is handed on with its own age.
      const t = now()
      let from = 0
      for (let i = 0; i < m.ends!.length && !closed; i++) {
        events.data(m.data.subarray(from, m.ends![i]), Math.max(0, t - m.readAt![i]!))
        from = m.ends![i]!
      }
    } else if (m.end) end(m.end)
    else if (m.error) end(linkEndOf(Object.assign(new Error(m.error.message), m.error.code ? {code: m.error.code} : {})))
  })
  worker.on('error', (error) => end(linkEndOf(error)))
  worker.on('exit', () => end({kind: 'hangup', message: 'reader thread ended'}))
  const send = options.write ?? ((bytes: Buffer) => write(fd, bytes, () => undefined))
  return {
    async close() {
      if (closed) return
      closed = true
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
      worker.postMessage('close')
      const timer = setTimeout(() => void worker.terminate(), 500)
      await exited
      clearTimeout(timer)
      await options.onClosed?.()
    },
    write(text) {
      if (!closed && !ended) send(Buffer.from(text, 'latin1'))
    },
    writable: true,
  }
}
