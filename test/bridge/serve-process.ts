import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT} from '../helpers.js'
import {type Proc, track, waitFor} from '../ingest/helpers.js'

export interface ServeProcess extends Proc {
  readonly url: string
  readonly token: string
  readonly dataDir: string
  /** GET/POST with the token; the parsed JSON body and the status. */
  request(method: string, path: string, options?: {body?: unknown; token?: string | null; headers?: Record<string, string>}): Promise<{status: number; body: any; headers: Headers}>
  /** SIGTERM, and the exit. */
  stop(): Promise<{code: number | null; signal: NodeJS.Signals | null}>
}

/** `pitwall serve ARGS --port 0` as a child process; resolves once serve.json names its URL. */
export async function startServeProcess(dataDir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, bin = join(ROOT, 'bin', 'run.js')): Promise<ServeProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--no-wake-lock', '--data-dir', dataDir, ...args], {
    env: {...process.env, NO_COLOR: '1', ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const proc = track(child)
  const info = join(dataDir, 'serve.json')
  let exited = false
  void proc.exit.then(() => (exited = true))
  // Generous: on a loaded CI machine serve's start (DuckDB open, car load) can take long.
  await waitFor(() => exited || existsSync(info), 90_000, 'serve.json')
  if (exited) throw new Error(`serve exited early:\n${proc.stderr}`)
  // serve.json is written in one call: wait until it parses.
  let url = ''
  await waitFor(() => {
    try {
      url = JSON.parse(readFileSync(info, 'utf8')).url
      return true
    } catch {
      return false
    }
  }, 5000, 'serve.json contents')
  const token = env['PITWALL_TOKEN'] ?? (existsSync(join(dataDir, 'token')) ? readFileSync(join(dataDir, 'token'), 'utf8').trim() : '')
  const request: ServeProcess['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = {...options.headers}
    const t = options.token === undefined ? token : options.token
    if (t) headers['x-pitwall-token'] = t
    if (options.body !== undefined) headers['content-type'] ??= 'application/json'
    const response = await fetch(`${url}${path}`, {headers, method, ...(options.body === undefined ? {} : {body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body)})})
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {}
    return {body, headers: response.headers, status: response.status}
  }
  return Object.assign(proc, {
    dataDir,
    request,
    stop: () => {
      child.kill('SIGTERM')
      return proc.exit
    },
    token,
    url,
  })
}
