/**
 * Which database files this process has open. DuckDB's file lock is per process, so a second
 * instance of a file in the same process (another thread, or the same one) opens silently and
 * both write: the seam refuses it instead. The table lives in shared memory so that the store
 * worker and the thread that started it see one table: `WorkerLink` hands it over in `workerData`.
 */
import {realpathSync} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'
import {threadId, workerData} from 'node:worker_threads'

import {InternalError} from '../../errors.js'

/** The `workerData` key a store worker receives the table under. */
export const OPEN_FILES_KEY = 'pitwallOpenFiles'

const SLOTS = 64
// [0] a spin lock (the critical sections are a scan of 64 slots); then per slot: the path's
// hash (0: free) and the thread that opened it.
const inherited: unknown = (workerData as Record<string, unknown> | null | undefined)?.[OPEN_FILES_KEY]
const shared = inherited instanceof SharedArrayBuffer ? inherited : new SharedArrayBuffer(8 * (1 + 2 * SLOTS))
const table = new BigInt64Array(shared)

/** The table, for a worker this thread starts (`new Worker(url, {workerData: {[OPEN_FILES_KEY]: …}})`). */
export function openFilesTable(): SharedArrayBuffer {
  return shared
}

/**
 * Records `path` as open by this thread; returns the release (idempotent). Throws InternalError
 * PW_DB_OPEN_TWICE while it is open. `:memory:` is exempt: every in-memory database is its own.
 */
export function claimOpenFile(path: string): () => void {
  if (path === ':memory:' || path === '') return () => undefined
  const real = realPath(path)
  const key = hash(real)
  const slot = locked(() => {
    let free = -1
    for (let i = 0; i < SLOTS; i++) {
      const at = 1 + 2 * i
      if (table[at] === key) return {held: Number(table[at + 1])}
      if (free === -1 && table[at] === 0n) free = at
    }
    if (free === -1) return {full: true}
    table[free] = key
    table[free + 1] = BigInt(threadId)
    return {at: free}
  })
  if ('held' in slot) {
    throw new InternalError(`${real} is already open in this process (thread ${slot.held}): a second DuckDB instance of one file would write it twice`, {
      code: 'PW_DB_OPEN_TWICE',
      suggestions: ['close the first handle before opening the file again (a bug in pitwall: please report it)'],
    })
  }
  if ('full' in slot) throw new InternalError(`more than ${SLOTS} database files open in this process`, {code: 'PW_DB_OPEN_TWICE'})
  let released = false
  return () => {
    if (released) return
    released = true
    locked(() => {
      if (table[slot.at] === key) table[slot.at] = 0n
    })
  }
}

/** Forgets every file a thread had open: it exited, and its DuckDB handles went with it. */
export function releaseThreadFiles(thread: number): void {
  locked(() => {
    for (let i = 0; i < SLOTS; i++) {
      const at = 1 + 2 * i
      if (table[at] !== 0n && table[at + 1] === BigInt(thread)) table[at] = 0n
    }
  })
}

function locked<T>(work: () => T): T {
  while (Atomics.compareExchange(table, 0, 0n, 1n) !== 0n) {
    // Another thread scans the table: a few microseconds at most.
  }
  try {
    return work()
  } finally {
    Atomics.store(table, 0, 0n)
  }
}

/** The file's real path; for a file not created yet, its directory's real path and its name. */
function realPath(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path))
    } catch {
      return resolve(path)
    }
  }
}

/** FNV-1a, 64 bits, never 0 (0 marks a free slot). */
function hash(text: string): bigint {
  let h = 0xcbf29ce484222325n
  for (let i = 0; i < text.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n)
  return BigInt.asIntN(64, h | 1n)
}
