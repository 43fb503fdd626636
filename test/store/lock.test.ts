/**
 * Open errors that are not damage stop with a clear message and touch nothing: a lock held by
 * another process, a file or directory we may not write, a format newer than ours. Real files,
 * real processes. Tests run as root in CI, and root ignores file modes: read-only is made real
 * with a read-only bind mount (EROFS), `chattr +i` (EPERM), and a non-root child (`setpriv` to
 * nobody) for plain modes; each says why when this machine cannot do it.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {chmodSync, chownSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, runCli, tempDir, unwrapOclifError} from '../helpers.js'
import {e46CandumpLines} from './e46-candump.js'

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')
const listing = (dir: string): string[] => readdirSync(dir).sort()
const isRoot = process.getuid?.() === 0

/** Runs a command; true when it worked (used to probe what this machine allows). */
function can(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/** An ingest holding the live DB, stdin kept open. */
function holder(dataDir: string, lines: readonly string[]): {child: ChildProcess; committed: Promise<void>; stderr: () => string} {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'ingest', '--stdin'], {env: {...process.env, PITWALL_DATA_DIR: dataDir}, stdio: ['pipe', 'ignore', 'pipe']})
  child.stdin!.write(lines.join('\n') + '\n')
  let stderr = ''
  const committed = new Promise<void>((done) =>
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes(`committed ${lines.length}\n`)) done()
    }),
  )
  return {child, committed, stderr: () => stderr}
}

/** DuckDB's block checksum (src/common/checksum.cpp): xor of each 64-bit word times a constant. */
function duckChecksum(bytes: Buffer): bigint {
  let sum = 5381n
  for (let i = 0; i < bytes.length; i += 8) sum ^= BigInt.asUintN(64, bytes.readBigUInt64LE(i) * 0xbf58476d1ce4e5b9n)
  return sum
}

/** Rewrites the main header (first 4 KiB: checksum, "DUCK", version number, flags, creator version) and its checksum. */
function patchHeader(path: string, patch: (header: Buffer) => void): void {
  const header = Buffer.alloc(4096)
  const fd = openSync(path, 'r+')
  readSync(fd, header, 0, 4096, 0)
  expect(duckChecksum(header.subarray(8))).toBe(header.readBigUInt64LE(0)) // we know the layout
  patch(header)
  header.writeBigUInt64LE(duckChecksum(header.subarray(8)), 0)
  writeSync(fd, header, 0, 4096, 0)
  closeSync(fd)
}

describe('open errors that are not damage touch nothing', () => {
  const dir = tempDir('pitwall-lock-')
  let lines: string[]
  let seed: string
  beforeAll(async () => {
    lines = await e46CandumpLines(5000)
    // One small live DB, copied into each test's data dir.
    seed = join(dir.path, 'seed')
    const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: seed}, input: lines.join('\n') + '\n'})
    expect(r.code, r.stderr).toBe(0)
  }, 60_000)
  afterAll(() => dir.cleanup())

  const copySeed = (name: string, mode = 0o700): string => {
    const dataDir = join(dir.path, name)
    mkdirSync(dataDir, {mode})
    chmodSync(dataDir, mode)
    execFileSync('cp', [join(seed, 'pitwall.duckdb'), dataDir])
    return dataDir
  }

  it('a live DB held by another process: exit 69, the message names its PID and command, nothing moved, the holder unharmed', async () => {
    const dataDir = copySeed('locked')
    const db = join(dataDir, 'pitwall.duckdb')
    const held = holder(dataDir, lines.slice(0, 1000))
    await held.committed
    const before = listing(dataDir)

    const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 10).join('\n') + '\n'})
    expect(r.code).toBe(69)
    const message = unwrapOclifError(r.stderr)
    expect(message).toContain(`is held by process ${held.child.pid} (`)
    expect(message).toMatch(/run\.js ingest --stdin\)/)
    expect(message).toContain('PW_DB_LOCKED')
    expect(message).toContain(`kill ${held.child.pid}`)
    const json = await runCli(['ingest', '--stdin', '--json'], {env: {PITWALL_DATA_DIR: dataDir}, input: ''})
    expect(json.code).toBe(69)
    expect(JSON.parse(json.stdout)).toMatchObject({error: {code: 'PW_DB_LOCKED'}})
    // (The holder's own idle checkpoint may fold its WAL meanwhile; nothing else may appear or go.)
    expect(listing(dataDir).filter((f) => f !== 'pitwall.duckdb.wal')).toEqual(before.filter((f) => f !== 'pitwall.duckdb.wal'))

    // The holder goes on and ends cleanly with everything it was given.
    held.child.stdin!.end(lines.slice(1000, 2000).join('\n') + '\n')
    const code = await new Promise((done) => held.child.on('exit', done))
    expect(code, held.stderr()).toBe(0)
    expect(held.stderr()).toMatch(/2000 frames read, 2000 stored/)
    expect(listing(dataDir)).toEqual(['pitwall.duckdb'])
    const instance = await DuckDBInstance.create(db, {access_mode: 'READ_ONLY'})
    const c = await instance.connect()
    expect((await c.runAndReadAll('SELECT count(*) AS n FROM frames')).getRowObjectsJS()).toEqual([{n: 5000n + 2000n}])
    c.closeSync()
    instance.closeSync()
  }, 60_000)

  it('a read-only mount (EROFS), of the data dir and of the file alone: exit 69, clear message, nothing moved', async (context) => {
    if (!isRoot || !can('mount', ['--version'])) return context.skip('needs root and mount(8) for a read-only bind mount')
    const dataDir = copySeed('ro-mount', 0o755)
    const db = join(dataDir, 'pitwall.duckdb')
    const hash = sha256(db)
    const view = join(dir.path, 'ro-view')
    mkdirSync(view)
    if (!can('mount', ['--bind', dataDir, view])) return context.skip('mount --bind is not permitted here (no CAP_SYS_ADMIN)')
    try {
      expect(can('mount', ['-o', 'remount,bind,ro', view])).toBe(true)
      const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: view}, input: lines.slice(0, 10).join('\n') + '\n'})
      expect(r.code).toBe(69)
      expect(unwrapOclifError(r.stderr)).toMatch(/cannot write to .*ro-view: EROFS: read-only file system/)
      expect(unwrapOclifError(r.stderr)).toContain('PW_DB_PERMISSION')
    } finally {
      execFileSync('umount', [view])
    }
    // The file alone read-only, its directory writable: DuckDB itself refuses it (Read-only file system).
    expect(can('mount', ['--bind', db, db]) && can('mount', ['-o', 'remount,bind,ro', db])).toBe(true)
    try {
      const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 10).join('\n') + '\n'})
      expect(r.code).toBe(69)
      expect(unwrapOclifError(r.stderr)).toMatch(/cannot open .*pitwall\.duckdb for writing: .*Read-only file system/)
      expect(unwrapOclifError(r.stderr)).toContain('PW_DB_PERMISSION')
      expect(listing(dataDir)).toEqual(['pitwall.duckdb'])
    } finally {
      execFileSync('umount', [db])
    }
    expect(sha256(db)).toBe(hash)
  }, 60_000)

  it('an immutable file (chattr +i, which stops root too): exit 69, clear message, nothing moved', async (context) => {
    const dataDir = copySeed('immutable')
    const db = join(dataDir, 'pitwall.duckdb')
    const hash = sha256(db)
    if (!can('chattr', ['+i', db])) return context.skip('chattr +i is not available here (needs root and a file system with attributes)')
    try {
      const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 10).join('\n') + '\n'})
      expect(r.code).toBe(69)
      expect(unwrapOclifError(r.stderr)).toMatch(/cannot open .*pitwall\.duckdb for writing: .*Operation not permitted/)
      expect(listing(dataDir)).toEqual(['pitwall.duckdb'])
    } finally {
      execFileSync('chattr', ['-i', db])
    }
    expect(sha256(db)).toBe(hash)
  }, 60_000)

  it('file and directory modes (0444 file, 0555 dir) for a user who is not root: exit 69, clear message, nothing moved', async (context) => {
    // As root, modes stop nothing (root writes anyway), so the child runs as nobody.
    const asNobody = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : []
    if (isRoot && !can('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true'])) return context.skip('as root, modes cannot be tested without setpriv')
    // The checkout must be readable by nobody (a clone under a 0700 temp dir is not): else say so.
    if (isRoot && !can('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', join(ROOT, 'dist', 'commands', 'ingest.js')])) {
      return context.skip(`nobody cannot read this checkout (${ROOT}), so modes cannot be tested as a non-root user here`)
    }
    const run = (dataDir: string): Promise<{code: number; stderr: string}> =>
      new Promise((done) => {
        const argv = [...asNobody, process.execPath, join(ROOT, 'bin', 'run.js'), 'ingest', '--stdin']
        const child = spawn(argv[0]!, argv.slice(1), {env: {...process.env, HOME: dataDir, PITWALL_DATA_DIR: dataDir}, stdio: ['pipe', 'ignore', 'pipe']})
        let stderr = ''
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
        child.stdin!.end(lines.slice(0, 10).join('\n') + '\n')
        child.on('exit', (code) => done({code: code ?? -1, stderr}))
      })
    chmodSync(dir.path, 0o755)
    const owner = isRoot ? 65_534 : process.getuid!()

    // The data dir is read-only (0555), the file writable: refused at open, before DuckDB would fail at the first commit.
    const roDir = copySeed('mode-dir', 0o755)
    chownSync(join(roDir, 'pitwall.duckdb'), owner, owner)
    chmodSync(roDir, 0o555)
    const hashDir = sha256(join(roDir, 'pitwall.duckdb'))
    let r = await run(roDir)
    expect(r.code, r.stderr).toBe(69)
    expect(unwrapOclifError(r.stderr)).toMatch(/cannot write to .*mode-dir: EACCES: permission denied/)
    expect(listing(roDir)).toEqual(['pitwall.duckdb'])
    expect(sha256(join(roDir, 'pitwall.duckdb'))).toBe(hashDir)

    // The file is read-only (0444), its directory writable: DuckDB refuses to open it for writing.
    const roFile = copySeed('mode-file', 0o755)
    chownSync(roFile, owner, owner)
    chmodSync(join(roFile, 'pitwall.duckdb'), 0o444)
    const hashFile = sha256(join(roFile, 'pitwall.duckdb'))
    r = await run(roFile)
    expect(r.code, r.stderr).toBe(69)
    expect(unwrapOclifError(r.stderr)).toMatch(/cannot open .*pitwall\.duckdb for writing: .*Permission denied/)
    expect(listing(roFile)).toEqual(['pitwall.duckdb'])
    expect(sha256(join(roFile, 'pitwall.duckdb'))).toBe(hashFile)
  }, 60_000)

  it('a file in a newer DuckDB storage format: exit 65, says to upgrade, nothing moved', async () => {
    const dataDir = copySeed('newer-storage')
    const db = join(dataDir, 'pitwall.duckdb')
    patchHeader(db, (h) => h.writeBigUInt64LE(99n, 12)) // storage version number 99
    const hash = sha256(db)
    const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 10).join('\n') + '\n'})
    expect(r.code).toBe(65)
    const message = unwrapOclifError(r.stderr)
    expect(message).toMatch(/was written by a newer DuckDB than this pitwall's: .*version number 99/)
    expect(message).toContain('PW_DB_TOO_NEW')
    expect(message).toContain('upgrade pitwall')
    expect(listing(dataDir)).toEqual(['pitwall.duckdb'])
    expect(sha256(db)).toBe(hash)
  }, 60_000)

  it('a damaged-looking file created by a newer DuckDB is refused, not moved: it may just be a format we cannot read', async () => {
    const dataDir = copySeed('newer-creator')
    const db = join(dataDir, 'pitwall.duckdb')
    patchHeader(db, (h) => {
      h.fill(0, 52, 84)
      h.write('v9.9.9', 52, 'latin1')
    })
    // And a damaged block, so the open fails the way a file we cannot parse would.
    const instance = await DuckDBInstance.create(db, {access_mode: 'READ_ONLY'})
    const c = await instance.connect()
    const block = Number((await c.runAndReadAll(`SELECT max(block_id) AS b FROM pragma_storage_info('frames')`)).getRowObjectsJS()[0]!['b'])
    c.closeSync()
    instance.closeSync()
    const fd = openSync(db, 'r+')
    writeSync(fd, randomBytes(4096), 0, 4096, 3 * 4096 + block * 262_144 + 8192)
    closeSync(fd)
    const hash = sha256(db)

    const r = await runCli(['ingest', '--stdin'], {env: {PITWALL_DATA_DIR: dataDir}, input: lines.slice(0, 10).join('\n') + '\n'})
    expect(r.code).toBe(65)
    expect(unwrapOclifError(r.stderr)).toMatch(/was created by DuckDB v9\.9\.9, newer than this pitwall's v\d+\.\d+\.\d+/)
    expect(listing(dataDir)).toEqual(['pitwall.duckdb'])
    expect(sha256(db)).toBe(hash)
  }, 60_000)
})
