import {homedir} from 'node:os'
import {join} from 'node:path'

/** The files and folders pitwall keeps in its data dir. */
export const DATA_DIR_LAYOUT = {
  archive: 'archive',
  liveDb: 'pitwall.duckdb',
  logs: 'logs',
  serveInfo: 'serve.json',
  settings: 'pitwall.yaml',
  token: 'token',
} as const

/** True on Termux (Android): its PREFIX lives under com.termux. */
export function isTermux(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['PREFIX'] ?? '').includes('com.termux') || env['TERMUX_VERSION'] !== undefined
}

/**
 * The platform's per-user data directory for pitwall, used when neither `--data-dir` nor
 * `PITWALL_DATA_DIR` says otherwise:
 * - Termux: `$HOME/.local/share/pitwall` (app-private storage; /sdcard is slow and world-readable);
 * - Linux: `$XDG_DATA_HOME/pitwall`, else `~/.local/share/pitwall`;
 * - macOS: `~/Library/Application Support/pitwall`;
 * - Windows: `%LOCALAPPDATA%\pitwall`.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env['HOME'] ?? homedir()
  if (isTermux(env)) return join(home, '.local', 'share', 'pitwall')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'pitwall')
  if (platform === 'win32') return join(env['LOCALAPPDATA'] ?? join(home, 'AppData', 'Local'), 'pitwall')
  return join(env['XDG_DATA_HOME'] || join(home, '.local', 'share'), 'pitwall')
}
