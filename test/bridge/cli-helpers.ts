import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'

import {ROOT} from '../helpers.js'
import {type Proc, track, waitFor} from '../ingest/helpers.js'

/** A `pitwall serve` child process for the CLI tests (health, forwarding, delegation). */
export interface ServeChild extends Proc {
  readonly url: string
  readonly token: string
  readonly dataDir: string
  /** A JSON request with the token; the status and the parsed body. */
  request(method: string, path: string, body?: unknown): Promise<{status: number; body: any}>
  /** SIGTERM; resolves with the exit. */
  stop(): Promise<{code: number | null; signal: NodeJS.Signals | null}>
}

/** `pitwall serve --port 0 --no-wake-lock --data-dir DIR ARGS`; resolves once serve.json names its URL. */
export async function startServe(dataDir: string, args: readonly string[] = []): Promise<ServeChild> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'serve', '--port', '0', '--no-wake-lock', '--log-level', 'warn', '--data-dir', dataDir, ...args], {
    env: {...process.env, NO_COLOR: '1', PITWALL_TOKEN: '', PITWALL_URL: ''},
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const proc = track(child)
  let exited = false
  void proc.exit.then(() => (exited = true))
  let url = ''
  await waitFor(() => {
    if (exited) return true
    try {
      url = JSON.parse(readFileSync(join(dataDir, 'serve.json'), 'utf8')).url
      return true
    } catch {
      return false
    }
  }, 60_000, 'serve.json')
  if (exited) throw new Error(`serve exited early:\n${proc.stderr}`)
  const token = existsSync(join(dataDir, 'token')) ? readFileSync(join(dataDir, 'token'), 'utf8').trim() : ''
  return Object.assign(proc, {
    dataDir,
    async request(method: string, path: string, body?: unknown) {
      const headers: Record<string, string> = {'x-pitwall-token': token}
      if (body !== undefined) headers['content-type'] = 'application/json'
      const response = await fetch(`${url}${path}`, {headers, method, ...(body === undefined ? {} : {body: JSON.stringify(body)})})
      const text = await response.text()
      return {body: text === '' ? undefined : JSON.parse(text), status: response.status}
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return proc.exit
    },
    token,
    url,
  })
}

/** The environment CLI runs get: none of the developer's bridge settings leak in. */
export const CLEAN_ENV = {PITWALL_TOKEN: '', PITWALL_URL: ''}

/** Frames stored per source (`kind:name`), read from the live DB after serve stopped. */
export async function framesBySource(dataDir: string): Promise<Map<string, number>> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    const rows = (
      await c.runAndReadAll(`SELECT s.kind || ':' || s.name AS source, count(*) AS n FROM frames f JOIN sources s USING (session_key, source_id) GROUP BY ALL`)
    ).getRowObjectsJS()
    return new Map(rows.map((r) => [String(r['source']), Number(r['n'])]))
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

/** Stored frames of one source as sortable `id#data` keys (bit-exact comparison, order aside). */
export async function frameKeys(dataDir: string, source: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pitwall.duckdb'), {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    const rows = (
      await c.runAndReadAll(`SELECT f.can_id, f.flags, hex(f.data) AS data FROM frames f JOIN sources s USING (session_key, source_id) WHERE s.kind || ':' || s.name = $1`, [source])
    ).getRowObjectsJS()
    return rows.map((r) => `${Number(r['can_id']).toString(16)}${Number(r['flags']) & 2 ? 'R' : ''}#${String(r['data'])}`).sort()
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}
