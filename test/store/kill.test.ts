import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, tempDir} from '../helpers.js'
import {e46CandumpLines} from './e46-candump.js'

// One flush window: the writer commits every 50 ms or at 8192 waiting frames, never more than
// 8192 frames in one transaction (plus the rest of one read's batch), and starts a commit only
// after the previous one was reported: at most one window can be stored but not yet printed.
const FLUSH_WINDOW = 8192 + 2048

interface Run {
  child: ChildProcess
  committed: number
  sent: number
  stderr: string
  exit: Promise<{code: number | null; signal: NodeJS.Signals | null}>
}

/** Starts `pitwall ingest --stdin` and feeds it candump lines at a steady pace until stopped. */
function startIngest(dataDir: string, lines: readonly string[], linesPerTick = 100): Run {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'ingest', '--stdin'], {
    env: {...process.env, PITWALL_DATA_DIR: dataDir},
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  const run: Run = {
    child,
    committed: 0,
    exit: new Promise((done) => child.on('exit', (code, signal) => done({code, signal}))),
    sent: 0,
    stderr: '',
  }
  child.stderr!.on('data', (d: Buffer) => {
    run.stderr += d.toString()
    for (const m of d.toString().matchAll(/^committed (\d+)$/gm)) run.committed = Number(m[1])
  })
  child.stdin!.on('error', () => undefined) // EPIPE after a kill
  let at = 0
  const timer = setInterval(() => {
    if (at >= lines.length || child.exitCode !== null || child.signalCode !== null) return clearInterval(timer)
    const slice = lines.slice(at, at + linesPerTick)
    at += slice.length
    child.stdin!.write(slice.join('\n') + '\n')
    run.sent = at
  }, 5)
  void run.exit.then(() => clearInterval(timer))
  return run
}

// Generous: a CLI start-up on a loaded 2-core CI machine can take tens of seconds.
const waitFor = async (test: () => boolean, ms = 60_000): Promise<void> => {
  const until = Date.now() + ms
  while (!test()) {
    if (Date.now() > until) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function storedPerSession(dbPath: string): Promise<Array<{id: string; state: string; end_reason: string | null; stored: number}>> {
  const instance = await DuckDBInstance.create(dbPath, {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  const rows = (
    await c.runAndReadAll(
      `SELECT s.id, s.state, s.end_reason, (SELECT count(*) FROM frames f WHERE f.session_key = s.session_key) AS stored
       FROM sessions s ORDER BY s.session_key`,
    )
  ).getRowObjectsJS()
  c.closeSync()
  instance.closeSync()
  return rows.map((r) => ({end_reason: r['end_reason'] as string | null, id: String(r['id']), state: String(r['state']), stored: Number(r['stored'])}))
}

describe('crash safety of the live DB (real processes, real SIGKILL)', () => {
  let lines: string[]
  const dir = tempDir()
  beforeAll(async () => {
    lines = await e46CandumpLines(300_000)
  }, 60_000)
  afterAll(() => dir.cleanup())

  it('20 SIGKILLs at random moments: every restart opens cleanly, nothing corrupted, loss at most one flush window', async () => {
    const dataDir = join(dir.path, 'kill')
    const killed: Array<{committed: number; sent: number}> = []
    for (let k = 0; k < 20; k++) {
      const run = startIngest(dataDir, lines)
      if (k > 0) {
        // The restart opened the file the previous kill left behind, and closed that session.
        await waitFor(() => run.stderr.includes('closed as ended (unclean)') || run.committed > 0)
        expect(run.stderr).toContain('closed as ended (unclean)')
      }
      await waitFor(() => run.committed > 0)
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 700)))
      run.child.kill('SIGKILL')
      await run.exit
      expect(run.stderr).not.toMatch(/error|Error/)
      killed.push({committed: run.committed, sent: run.sent})
    }
    // One more clean start closes the last killed session; it receives no frames.
    const last = startIngest(dataDir, [])
    last.child.stdin!.end()
    expect((await last.exit).code).toBe(0)
    expect(last.stderr).toContain('closed as ended (unclean)')

    expect(readdirSync(dataDir).filter((f) => f.includes('corrupted'))).toEqual([])
    const sessions = await storedPerSession(join(dataDir, 'pitwall.duckdb'))
    expect(sessions.length).toBe(20)
    const losses: string[] = []
    sessions.forEach((s, k) => {
      const {committed, sent} = killed[k]!
      expect(s.state).toBe('ended')
      expect(s.end_reason).toBe('unclean')
      expect(s.stored, `session ${k}: stored ${s.stored}, last "committed ${committed}"`).toBeGreaterThanOrEqual(committed)
      expect(s.stored - committed, `session ${k}`).toBeLessThanOrEqual(FLUSH_WINDOW)
      losses.push(`kill ${k + 1}: last "committed" ${committed}, stored ${s.stored} (+${s.stored - committed} committed but not yet reported); the test had queued ${sent} lines (pipe and its own write backlog)`)
    })
    console.log(`measured loss per kill:\n  ${losses.join('\n  ')}`)
  }, 240_000)

  it('10 SIGTERM start/stop cycles leave no WAL behind and the file size stable', async () => {
    const dataDir = join(dir.path, 'cycles')
    const db = join(dataDir, 'pitwall.duckdb')
    const sizes: number[] = []
    for (let k = 0; k < 10; k++) {
      const run = startIngest(dataDir, k === 0 ? lines.slice(0, 20_000) : [])
      if (k === 0) await waitFor(() => run.committed >= 20_000)
      else await waitFor(() => run.stderr.includes('live DB open'))
      run.child.kill('SIGTERM')
      expect((await run.exit).code, run.stderr).toBe(0)
      expect(existsSync(`${db}.wal`), `cycle ${k}: WAL left behind`).toBe(false)
      sizes.push(statSync(db).size)
    }
    // After the first cycle stored its frames, idle start/stop cycles do not grow the file.
    expect(new Set(sizes.slice(1)).size).toBe(1)
    expect(sizes[1]).toBe(sizes[0])
    const sessions = await storedPerSession(db)
    expect(sessions).toEqual([{end_reason: 'shutdown', id: expect.any(String) as string, state: 'ended', stored: 20_000}])
  }, 120_000)
})
