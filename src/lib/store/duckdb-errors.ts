/**
 * DuckDB reports everything as an error with a message (a DuckDbError, whichever driver ran the
 * call); these are the messages that decide what the store does. Samples of each are next to its
 * pattern. Anything unrecognised is `other`: never a reason to move a file.
 */
export type DuckDbFailure =
  | {kind: 'locked'; pid?: number; holder?: string}
  | {kind: 'corrupt'}
  | {kind: 'newer-storage'}
  | {kind: 'permission'}
  | {kind: 'disk-full'}
  | {kind: 'invalidated'}
  | {kind: 'other'}

export function classifyDuckDbError(error: unknown): DuckDbFailure {
  const message = error instanceof Error ? error.message : String(error)
  // IO Error: Could not set lock on file "/d/pitwall.duckdb": Conflicting lock is held in /usr/bin/node (PID 4242). See also …
  // (two patterns: an optional group after a lazy `.*?` never captures anything)
  if (/Could not set lock on file/.test(message)) {
    const held = /Conflicting lock is held in (.*?) \(PID (\d+)\)/s.exec(message)
    return {kind: 'locked', ...(held ? {holder: held[1]!, pid: Number(held[2])} : {})}
  }
  // FATAL Error: Failed: database has been invalidated because of a previous fatal error.
  if (/database has been invalidated/i.test(message)) return {kind: 'invalidated'}
  // IO Error: Could not write file "...": No space left on device
  if (/No space left on device|ENOSPC|disk is full/i.test(message)) return {kind: 'disk-full'}
  // Serialization Error: ... Trying to read a database file with version number 99, but we can only read version 64
  if (/version number \d+, but we can only read|database file .* newer version|storage version/i.test(message)) return {kind: 'newer-storage'}
  // IO Error: Cannot open file "...": Permission denied / Read-only file system / Operation not permitted (chattr +i)
  if (/Permission denied|Read-only file system|Operation not permitted|EACCES|EROFS|EPERM/i.test(message)) return {kind: 'permission'}
  // Corrupt database file: computed checksum ... does not match stored checksum ...
  // IO Error: The file "..." exists, but it is not a valid DuckDB database file!
  // INTERNAL Error: ... (at open)
  if (/checksum|Corrupt|not a valid DuckDB database file|INTERNAL Error|Failed to load metadata|block .* out of range/i.test(message)) return {kind: 'corrupt'}
  return {kind: 'other'}
}
