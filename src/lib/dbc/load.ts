import {readFile} from 'node:fs/promises'

import type {FindingSink} from '../findings.js'
import type {DbcDatabase} from './model.js'
import {parseDbc} from './parse.js'

/**
 * Reads and parses a DBC file. A file that cannot be read is reported as `file-unreadable` at
 * 1:1 (and undefined returned); everything else is reported by the parser.
 */
export async function loadDbcFile(path: string, sink: FindingSink, displayPath?: string): Promise<DbcDatabase | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message
    sink.error({line: 1, column: 1}, 'file-unreadable', `cannot read the DBC file ${displayPath ?? path}: ${reason}`)
    return undefined
  }
  return parseDbc(bytes, displayPath ?? path, sink)
}
