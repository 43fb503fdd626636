import {open, readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {DATA_DIR_LAYOUT} from '../config/index.js'

export const DEFAULT_PORT = 8765
export const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`

/** `<data-dir>/serve.json`: how other commands find a running serve. */
export interface ServeInfo {
  readonly pid: number
  readonly url: string
}

export function serveInfoPath(dataDir: string): string {
  return join(dataDir, DATA_DIR_LAYOUT.serveInfo)
}

/** Written at start (mode 0600), removed at exit. */
export async function writeServeInfo(dataDir: string, info: ServeInfo): Promise<void> {
  const path = serveInfoPath(dataDir)
  await rm(path, {force: true})
  const handle = await open(path, 'wx', 0o600)
  try {
    await handle.writeFile(`${JSON.stringify(info)}\n`)
  } finally {
    await handle.close()
  }
}

export async function removeServeInfo(dataDir: string, pid = process.pid): Promise<void> {
  // Only our own: a second serve that failed to start must not remove the running one's file.
  const info = await readServeInfo(dataDir)
  if (info?.pid === pid) await rm(serveInfoPath(dataDir), {force: true})
}

/** The running serve's info, or undefined when there is none (no file, or its process is gone). */
export async function readServeInfo(dataDir: string): Promise<ServeInfo | undefined> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(serveInfoPath(dataDir), 'utf8'))
  } catch {
    return undefined
  }
  const info = parsed as Partial<ServeInfo>
  if (typeof info.pid !== 'number' || typeof info.url !== 'string') return undefined
  return processAlive(info.pid) ? {pid: info.pid, url: info.url} : undefined
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Where a command finds the bridge: `--url`/`PITWALL_URL`, then serve.json, then the default. */
export async function bridgeUrl(dataDir: string, explicit: string | undefined): Promise<{url: string; origin: 'setting' | 'serve.json' | 'default'}> {
  if (explicit) return {origin: 'setting', url: explicit.replace(/\/+$/, '')}
  const info = await readServeInfo(dataDir)
  if (info) return {origin: 'serve.json', url: info.url}
  return {origin: 'default', url: DEFAULT_URL}
}
