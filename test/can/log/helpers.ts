import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'

import type {Frame, FrameBatch} from '../../../src/lib/can/index.js'
import {type LogFormat, type LogReaderOptions, type LogReadStats, readCanLog} from '../../../src/lib/can/log/index.js'

/** Real CAN data beside the repository (CI clones with ../shared next to it). */
export const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures')

export interface ReadResult {
  frames: Frame[]
  batches: FrameBatch[]
  stats: LogReadStats
  format: LogFormat
}

/** Reads a whole log (path, text or stream) into frames. */
export async function readAll(input: string | NodeJS.ReadableStream, options: LogReaderOptions = {}): Promise<ReadResult> {
  const reading = readCanLog(input, options)
  const batches: FrameBatch[] = []
  for await (const batch of reading.batches) batches.push(batch)
  return {batches, format: await reading.format, frames: batches.flatMap((b) => b.frames()), stats: reading.stats}
}

/** Reads log text given inline, as a stream (so no suffix helps detection unless `name` is set). */
export function readText(text: string, options: LogReaderOptions = {}): Promise<ReadResult> {
  return readAll(Readable.from([Buffer.from(text, 'utf8')]), options)
}

/** A temporary directory removed by the returned function. */
export function tempDir(): {dir: string; remove: () => void} {
  const dir = mkdtempSync(path.join(tmpdir(), 'pitwall-can-log-'))
  return {dir, remove: () => rmSync(dir, {force: true, recursive: true})}
}

/** Payload bytes as lower-case hex. */
export function hex(data: Uint8Array): string {
  return Buffer.from(data).toString('hex')
}
