import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import {chmod, mkdir, open, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {DATA_DIR_LAYOUT} from '../config/index.js'
import {InputDataError} from '../errors.js'

/** Where the token came from: `PITWALL_TOKEN`, the token file, or made now into the token file. */
export type TokenOrigin = 'env' | 'file' | 'generated'

export function tokenPath(dataDir: string): string {
  return join(dataDir, DATA_DIR_LAYOUT.token)
}

/**
 * The bridge's API token: `PITWALL_TOKEN` when set, else `<data-dir>/token`, made at first start
 * (32 random bytes, base64url, mode 0600: other apps' users cannot read it). A token file that has
 * become readable by others is tightened back to 0600.
 */
export async function loadOrCreateToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<{token: string; origin: TokenOrigin; path: string}> {
  const path = tokenPath(dataDir)
  const fromEnv = env['PITWALL_TOKEN']
  if (fromEnv) return {origin: 'env', path, token: checkToken(fromEnv, 'PITWALL_TOKEN')}
  const existing = await readTokenFile(dataDir)
  if (existing !== undefined) {
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600)
    return {origin: 'file', path, token: existing}
  }
  await mkdir(dataDir, {recursive: true})
  const token = randomBytes(32).toString('base64url')
  try {
    // 'wx': two processes starting at once must not overwrite each other's token.
    const handle = await open(path, 'wx', 0o600)
    await handle.writeFile(`${token}\n`)
    await handle.sync()
    await handle.close()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return {origin: 'file', path, token: (await readTokenFile(dataDir))!}
    throw error
  }
  return {origin: 'generated', path, token}
}

/** The token a CLI command sends: `PITWALL_TOKEN`, else the token file; undefined when neither exists. */
export async function readClientToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return env['PITWALL_TOKEN'] || readTokenFile(dataDir)
}

async function readTokenFile(dataDir: string): Promise<string | undefined> {
  const path = tokenPath(dataDir)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return checkToken(text.trim(), path)
}

function checkToken(token: string, where: string): string {
  // It travels in headers and as a WebSocket subprotocol: visible ASCII without separators only.
  if (!/^[A-Za-z0-9._~+/=-]{16,512}$/.test(token)) {
    throw new InputDataError(`${where}: the token must be 16 to 512 characters of A-Z a-z 0-9 . _ ~ + / = -`, {code: 'PW_BAD_TOKEN', suggestions: [`delete ${where} to have serve make a new one`]})
  }
  return token
}

/** Compares in constant time (over digests, so the length does not leak either). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  return timingSafeEqual(digest(given), expectedDigest(expected))
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

// The expected token's digest, computed once per token (every request compares against it).
let cached: {token: string; digest: Buffer} | undefined
function expectedDigest(token: string): Buffer {
  if (cached?.token !== token) cached = {digest: digest(token), token}
  return cached.digest
}
