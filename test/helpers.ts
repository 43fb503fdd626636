import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

/** The repository root (tests run from it, but say so explicitly). */
export const ROOT = resolve(import.meta.dirname, '..')

/** Real CAN data we did not write, beside the repository (CI clones with ../shared next to it). */
export const SHARED_FIXTURES = resolve(ROOT, '..', 'shared', 'fixtures')

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the built CLI (bin/run.js, or `bin`: another copy of it) as a real child process. */
export function runCli(args: readonly string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string; bin?: string} = {}): Promise<CliResult> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [options.bin ?? join(ROOT, 'bin', 'run.js'), ...args],
      {cwd: options.cwd ?? ROOT, env: {...process.env, NO_COLOR: '1', ...options.env}, maxBuffer: 64 * 1024 * 1024},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        done({code, stderr, stdout})
      },
    )
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'pitwall-test-'): {path: string; cleanup: () => void} {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return {cleanup: () => rmSync(path, {force: true, recursive: true}), path}
}

/** oclif wraps error messages to the terminal width behind ` ›   `; join them back into lines. */
export function unwrapOclifError(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.replace(/^ › {3}/, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
}
