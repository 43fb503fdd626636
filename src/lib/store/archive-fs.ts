import {closeSync, fsyncSync, openSync, readdirSync, renameSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'

/**
 * The durability steps of archive and vacuum. A rename is only durable once the directory that
 * holds the name is synced, and the renamed file's data only once the file itself is: both are
 * done explicitly, in that order, so that after a power loss a final name never points at a file
 * whose blocks were not yet written.
 */

/** fsyncs a file, or every file of a directory and then the directory (a parquet archive). */
export function fsyncTree(path: string): void {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) fsyncTree(join(path, entry))
  }
  fsyncPath(path)
}

/** fsyncs one file or directory (a directory's fsync makes its entries, i.e. renames, durable). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Renames `from` to `to` and fsyncs the directory of `to`, so the new name survives a power loss. */
export function durableRename(from: string, to: string): void {
  renameSync(from, to)
  fsyncPath(dirname(to))
}

/** Bytes a file or directory tree holds (st_size summed), 0 when it does not exist. */
export function treeBytes(path: string): number {
  let stat
  try {
    stat = statSync(path)
  } catch {
    return 0
  }
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((sum, entry) => sum + treeBytes(join(path, entry)), 0)
}
