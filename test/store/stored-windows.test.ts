/**
 * A stored session is read back in time windows (READ_WINDOW_US), so that no result is larger
 * than a window: the windows must together give every frame once, in stored order (ts_us, sub_ns,
 * then the order they were stored in), at the window edges, before 1970 and beyond 2^53 µs.
 */
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {openDuckDatabase} from '../../src/lib/store/driver/index.js'
import {openStoredFrames, READ_WINDOW_US} from '../../src/lib/store/stored-frames.js'
import {tempDir} from '../helpers.js'

const dir = tempDir('pitwall-windows-')
afterAll(() => dir.cleanup())

const W = BigInt(READ_WINDOW_US)
/** Stamps in the order they are stored, with a sub-µs part: ties at the edges, both sides of 1970, far beyond 2^53. */
const STORED: Array<[bigint, number]> = [
  [W, 0],
  [W - 1n, 5],
  [0n, 0],
  [-1n, 0],
  [-W - 1n, 0],
  [W, 0], // a tie with the first: stored second, read second
  [W, 7],
  [2n ** 53n + 1n, 0],
  [2n ** 53n + 1n, 0],
  [9_000_000_000_000_000_000n, 0],
  [5n * W + 12n, 0],
]

describe('stored frames read in time windows', () => {
  it('every frame once, in stored order, whatever the windows', async () => {
    const path = join(dir.path, 'windows.duckdb')
    const db = await openDuckDatabase(path)
    const c = await db.connect()
    await c.run("CREATE TABLE sessions (id VARCHAR, session_key INTEGER, state VARCHAR, started_us BIGINT)")
    await c.run("INSERT INTO sessions VALUES ('20261122T090000Z-windows', 1, 'ended', 0)")
    await c.run('CREATE TABLE frames (session_key INTEGER, source_id UTINYINT, ts_us BIGINT, sub_ns USMALLINT, can_id UINTEGER, flags UTINYINT, len UTINYINT, raw_dlc UTINYINT, data BLOB)')
    for (const [k, [ts, sub]] of STORED.entries()) await c.run('INSERT INTO frames VALUES (1, 0, ?, ?, ?, 0, 1, 0, ?)', [ts, sub, k, new Uint8Array([k])])
    c.close()
    db.close()

    const stored = await openStoredFrames(path, join(dir.path, 'data'))
    expect(stored?.format).toBe('duckdb')
    const read: Array<{ts: number; sub: number; id: number}> = []
    try {
      for await (const batch of stored!.batches) for (let i = 0; i < batch.length; i++) read.push({id: batch.id[i]!, sub: batch.subMicroNs[i]!, ts: batch.timestampUs[i]!})
    } finally {
      await stored!.close()
    }
    const expected = STORED.map(([ts, sub], id) => ({id, sub, ts}))
      .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.sub - b.sub || a.id - b.id))
      .map((f) => ({id: f.id, sub: f.sub, ts: Number(f.ts)}))
    expect(read).toEqual(expected)
    expect(stored!.stats.framesRead).toBe(STORED.length)
  })
})
