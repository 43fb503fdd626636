/**
 * A full disk, for real: the live DB on a size-limited tmpfs, filled by the ingest itself while it
 * runs (a real `pitwall ingest --stdin` child), then given space back. Mounting needs root (or
 * CAP_SYS_ADMIN), which CI has; elsewhere the test says so and skips.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statfsSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, runCli, tempDir} from '../helpers.js'
import {e46CandumpLines} from './e46-candump.js'

interface Summary {
  log: {framesRead: number}
  store: {committedFrames: number; dropped: {disk_full: number; queue_full: number; write_error: number}; diskFull: boolean}
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function waitFor(test: () => boolean, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Fills the file system holding `dir` until only `leave` bytes are free. */
function fillUpTo(file: string, leave: number): void {
  const s = statfsSync(join(file, '..'))
  const free = Number(s.bavail) * Number(s.bsize)
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(1 << 20, 0x55)
  for (let left = free - leave; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left))
  closeSync(fd)
}

describe('a full disk: writing stops cleanly, drops are counted, nothing stored is lost, writing resumes', () => {
  const dir = tempDir('pitwall-disk-full-')
  const mnt = join(dir.path, 'small')
  let mounted = false
  let lines: string[]
  beforeAll(async () => {
    lines = await e46CandumpLines(120_000)
    mkdirSync(mnt)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt], {stdio: 'ignore'})
      mounted = true
    } catch {
      // Not root / no CAP_SYS_ADMIN: the test below skips and says why.
    }
  }, 60_000)
  afterAll(() => {
    if (mounted) execFileSync('umount', [mnt])
    dir.cleanup()
  })

  it('on a 24 MiB tmpfs filled by the ingest itself', async (context) => {
    if (!mounted) return context.skip('cannot mount a size-limited tmpfs here (needs root or CAP_SYS_ADMIN)')
    const dataDir = join(mnt, 'data')
    const filler = join(mnt, 'filler')
    mkdirSync(dataDir)
    // 4 MiB left: about 15,000 E46 frames with their samples fit in the WAL before it fills.
    fillUpTo(filler, 4 << 20)

    const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'ingest', '--stdin', '--json'], {
      env: {...process.env, PITWALL_DATA_DIR: dataDir},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stderr = ''
    let stdout = ''
    let committed = 0
    let committedWhenFull: number | undefined
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
      for (const m of d.toString().matchAll(/^committed (\d+)$/gm)) committed = Number(m[1])
      if (committedWhenFull === undefined && stderr.includes('disk full: writing stopped')) committedWhenFull = committed
    })
    const exit = new Promise<number | null>((done) => child.on('exit', done))
    const feed = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 500) {
        child.stdin!.write(lines.slice(i, Math.min(to, i + 500)).join('\n') + '\n')
        await sleep(20)
      }
    }

    // Phase 1: frames until the disk is full, and on: those are dropped and counted.
    await feed(0, 100_000)
    await waitFor(() => committedWhenFull !== undefined, '"disk full: writing stopped"')
    await sleep(1000)
    const whileFull = committed
    expect(whileFull).toBeGreaterThan(0)
    expect(whileFull).toBeLessThan(100_000)
    expect(stderr).toMatch(/"reason":"disk_full"/)

    // Phase 2: space comes back; new frames are stored again.
    rmSync(filler)
    await sleep(2500) // the writer retries every 2 s
    await feed(100_000, 120_000)
    await waitFor(() => stderr.includes('disk space back: writing resumed'), '"writing resumed"')
    await waitFor(() => committed >= whileFull + 20_000, 'the frames sent after space came back to be committed')
    child.stdin!.end()
    // Exit 1: frames were dropped (counted in the summary), though ingest itself went on.
    expect(await exit, stderr).toBe(1)

    const summary = JSON.parse(stdout) as Summary
    const d = summary.store.dropped
    expect(summary.log.framesRead).toBe(120_000)
    expect(d.disk_full).toBeGreaterThan(0)
    expect(d.queue_full).toBe(0)
    // Every frame is accounted for: stored, or dropped with a reason.
    expect(summary.store.committedFrames + d.disk_full + d.write_error).toBe(120_000)
    expect(summary.store.diskFull).toBe(false)

    // Nothing stored is lost: the file holds exactly the committed frames, and the ones stored before
    // the disk filled are the first frames of the input, in order, byte for byte.
    const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
    const c = await instance.connect()
    try {
      const total = Number((await c.runAndReadAll('SELECT count(*) FROM frames')).getRowsJS()[0]![0])
      expect(total).toBe(summary.store.committedFrames)
      const first = (await c.runAndReadAll(`SELECT can_id, hex(data) AS data FROM frames ORDER BY rowid LIMIT ${committedWhenFull}`)).getRowObjectsJS()
      const expected = lines.slice(0, committedWhenFull).map((l) => {
        const [, id, data] = /\) \S+ ([0-9A-F]+)#([0-9A-F]*)/.exec(l)!
        return {can_id: Number.parseInt(id!, 16), data: data!}
      })
      expect(first).toEqual(expected)
      // The last frames sent, after the space came back, are stored too.
      const last = (await c.runAndReadAll('SELECT can_id, hex(data) AS data FROM frames ORDER BY rowid DESC LIMIT 1')).getRowObjectsJS()[0]
      const [, id, data] = /\) \S+ ([0-9A-F]+)#([0-9A-F]*)/.exec(lines.at(-1)!)!
      expect(last).toEqual({can_id: Number.parseInt(id!, 16), data})
    } finally {
      c.closeSync()
      instance.closeSync()
    }

    // And it reopens cleanly: no salvage, nothing moved.
    const again = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: ''})
    expect(again.code, again.stderr).toBe(0)
    expect(readdirSync(dataDir)).toEqual(['pitwall.duckdb'])
  }, 120_000)

  it('the disk still full at the end: the summary with its disk_full drops, exit 1, the WAL kept for the next open', async (context) => {
    if (!mounted) return context.skip('cannot mount a size-limited tmpfs here (needs root or CAP_SYS_ADMIN)')
    const dataDir = join(mnt, 'full-at-end')
    const filler = join(mnt, 'filler-end')
    mkdirSync(dataDir)
    fillUpTo(filler, 4 << 20)
    const r = await runCli(['ingest', '--stdin', '--json'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 100_000).join('\n') + '\n'})
    expect(r.code, r.stderr).toBe(1)
    const summary = JSON.parse(r.stdout) as Summary
    const d = summary.store.dropped
    expect(d.disk_full).toBeGreaterThan(0)
    expect(summary.store.committedFrames + d.disk_full + d.write_error).toBe(100_000)
    expect(r.stderr).toMatch(/final checkpoint failed, the WAL keeps the data for the next open/)
    expect(existsSync(join(dataDir, 'pitwall.duckdb.wal'))).toBe(true)
    // With space back, the next open replays the WAL: every committed frame is there.
    rmSync(filler)
    const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'))
    const c = await instance.connect()
    try {
      expect(Number((await c.runAndReadAll('SELECT count(*) FROM frames')).getRowsJS()[0]![0])).toBe(summary.store.committedFrames)
    } finally {
      c.closeSync()
      instance.closeSync()
    }
  }, 120_000)

  it('a new live DB on a full disk: a clear error, exit 69', async (context) => {
    if (!mounted) return context.skip('cannot mount a size-limited tmpfs here (needs root or CAP_SYS_ADMIN)')
    const dataDir = join(mnt, 'new')
    mkdirSync(dataDir)
    fillUpTo(join(mnt, 'filler2'), 0)
    try {
      const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 10).join('\n') + '\n'})
      expect(r.code).toBe(69)
      expect(r.stderr).toContain('the disk is full')
      expect(r.stderr).toContain('PW_DB_DISK_FULL')
    } finally {
      rmSync(join(mnt, 'filler2'))
    }
  }, 60_000)
})
