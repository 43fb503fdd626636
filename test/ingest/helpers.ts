import {type ChildProcess, spawn, type StdioOptions} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {DuckDBInstance} from '@duckdb/node-api'

import {ROOT, SHARED_FIXTURES} from '../helpers.js'

export const EMITTER = join(ROOT, 'test', 'ingest', 'slcan-emitter.py')
export const ROAD_LOG = join(SHARED_FIXTURES, 'road-capture', 'can_sample.log')
export const ROAD_DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')
/** 29-bit ids (`00000343`), so `T` lines are covered too. */
export const EXTENDED_LOG = join(SHARED_FIXTURES, 'cantools', 'logs', 'abs_BREMSE_33_from_test_plot_ta.log')

export interface Proc {
  readonly child: ChildProcess
  stderr: string
  committed: number
  readonly exit: Promise<{code: number | null; signal: NodeJS.Signals | null}>
}

/** Every process a test started and has not seen exit: killAll() ends them (a failed test must not leave them running). */
const live = new Set<ChildProcess>()

export function killAll(): void {
  for (const child of live) child.kill('SIGKILL')
  live.clear()
}

export function track(child: ChildProcess): Proc {
  live.add(child)
  child.on('exit', () => live.delete(child))
  const proc: Proc = {child, committed: 0, exit: new Promise((done) => child.on('exit', (code, signal) => done({code, signal}))), stderr: ''}
  child.stderr?.on('data', (d: Buffer) => {
    const text = d.toString()
    proc.stderr += text
    for (const m of text.matchAll(/^committed (\d+)$/gm)) proc.committed = Number(m[1])
  })
  return proc
}

/** `pitwall ingest ARGS` with PITWALL_DATA_DIR=dataDir; extra stdio entries become fd 3, 4, …. */
export function startIngest(dataDir: string, args: readonly string[], options: {stdio?: StdioOptions; env?: NodeJS.ProcessEnv} = {}): Proc & {stdout: () => string} {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'ingest', ...args], {
    env: {...process.env, NO_COLOR: '1', PITWALL_DATA_DIR: dataDir, ...options.env},
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  return Object.assign(track(child), {stdout: () => stdout})
}

/**
 * The Python emitter behind a real pty: `socat PTY,link=LINK EXEC:emitter,pty`. When the emitter
 * exits, socat exits and removes LINK: to the reader that is an unplug (EIO/HUP, path gone).
 */
export function startEmitter(link: string, args: readonly string[]): Proc {
  const command = ['/usr/bin/python3', EMITTER, ...args].join(' ')
  return track(spawn('socat', [`PTY,link=${link},rawer`, `EXEC:${command},pty,rawer`], {stdio: ['ignore', 'ignore', 'pipe']}))
}

/**
 * Waits are liveness limits, never timing assertions: they end as soon as the condition holds.
 * On a loaded 2-core CI machine a CLI start-up can take tens of seconds, so every limit is
 * stretched by PITWALL_TEST_WAIT_SCALE (default 3).
 */
const WAIT_SCALE = Number(process.env['PITWALL_TEST_WAIT_SCALE'] ?? 3)

export async function waitFor(test: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms * WAIT_SCALE
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const waitForPath = (path: string, ms = 10_000): Promise<void> => waitFor(() => existsSync(path), ms, path)

export interface StoredFrame {
  readonly id: number
  readonly extended: boolean
  readonly remote: boolean
  readonly data: string
}

/** Every stored frame, in the order it was appended. */
export async function storedFrames(dataDir: string): Promise<{frames: StoredFrame[]; sources: string[]; sessions: number}> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    const rows = (await c.runAndReadAll('SELECT can_id, flags, hex(data) AS data FROM frames ORDER BY rowid')).getRowObjectsJS()
    const sources = (await c.runAndReadAll('SELECT kind || \':\' || name AS s FROM sources ORDER BY session_key, source_id')).getRowObjectsJS()
    const sessions = (await c.runAndReadAll('SELECT count(*) AS n FROM sessions')).getRowObjectsJS()
    return {
      frames: rows.map((r) => ({data: String(r['data']), extended: (Number(r['flags']) & 1) !== 0, id: Number(r['can_id']), remote: (Number(r['flags']) & 2) !== 0})),
      sessions: Number(sessions[0]!['n']),
      sources: sources.map((r) => String(r['s'])),
    }
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

/** The frames of candump -l logs, read here independently of pitwall's reader. */
export function logFrames(...paths: string[]): StoredFrame[] {
  const out: StoredFrame[] = []
  for (const path of paths) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const m = /^\(\S+\)\s+\S+\s+([0-9A-Fa-f]+)#(R|[0-9A-Fa-f]*)/.exec(line)
      if (!m) continue
      const remote = m[2] === 'R'
      out.push({data: remote ? '' : m[2]!.toUpperCase(), extended: m[1]!.length > 3, id: Number.parseInt(m[1]!, 16), remote})
    }
  }
  return out
}

export function stop(proc: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<unknown> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal)
  return proc.exit
}
