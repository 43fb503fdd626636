import type {FrameBatch} from '../frame.js'
import {AscParser} from './asc-parser.js'
import {AscWriter, type AscWriterOptions} from './asc-writer.js'
import {CandumpParser} from './candump-parser.js'
import {CandumpWriter, type CandumpWriterOptions} from './candump-writer.js'
import {ScreenParser} from './screen-parser.js'
import type {LogFormat, LogParser, LogReadStats, ParserOptions} from './types.js'

/** What every log writer offers. */
export interface LogWriter {
  /** Writes a batch; a returned promise means "wait before the next write" (backpressure). */
  write(batch: FrameBatch): void | Promise<void>
  /** Flushes, finishes the file (ASC footer) and ends the output it opened. */
  close(): Promise<void>
}

export type LogWriterOptions = CandumpWriterOptions & AscWriterOptions

/** One entry of `LOG_FORMATS` (python-can `MESSAGE_READERS` / `MESSAGE_WRITERS` in one table). */
export interface LogFormatInfo {
  readonly description: string
  /** File name endings, lower case, most usual first. */
  readonly suffixes: readonly string[]
  /** True when some of a file's first lines look like this format. */
  sniff(firstLines: readonly string[]): boolean
  /** A line parser filling batches and `stats`. */
  reader(stats: LogReadStats, options: ParserOptions): LogParser
  writer?(out: NodeJS.WritableStream | string, options?: LogWriterOptions): LogWriter
}

/** `(1436509052.249713) can0 123#11223344` or `(000.123456) can0 12345678##1` */
const CANDUMP_SAMPLE = /^\s*\(\d+\.\d+\)\s+\S+\s+[0-9A-Fa-f]{1,8}#/

/** `  vcan0  1F0   [8]  80 4A ...`, `(000.000000)  vcan0  0C8   [8]  ...`, `  can0  RX B -  123  [12]  ...` */
const SCREEN_SAMPLE = /^\s*(?:\([^)]*\)\s+)?\S+\s+(?:[RT]X\s+[B-]\s+[E-]\s+)?[0-9A-Fa-f]{1,8}\s+(?:\[\d+\]|\{[0-9A-Fa-f]\})/

/** `date Sat Sep 30 ...`, `base hex  timestamps absolute`, `Begin Triggerblock`, `   0.001 1  123  Rx   d 8 ...`, `   0.001 CANFD ...` */
const ASC_SAMPLE =
  /^\s*(?:date\s|base\s+(?:hex|dec)\b|(?:no\s+)?internal\s+events\s+logged|begin\s+triggerblock|\d+\.\d+\s+(?:\d+\s+(?:\S+\s+(?:Rx|Tx)\s|ErrorFrame)|CANFD\s))/i

const anyLine = (pattern: RegExp) => (lines: readonly string[]) => lines.some((line) => pattern.test(line))

/** The formats, in detection order. */
export const LOG_FORMATS: Readonly<Record<LogFormat, LogFormatInfo>> = {
  candump: {
    description: 'candump -l / -L log: (1436509052.249713) can0 123#11223344',
    reader: (stats, options) => new CandumpParser(stats, options),
    sniff: anyLine(CANDUMP_SAMPLE),
    suffixes: ['.log'],
    writer: (out, options) => new CandumpWriter(out, options),
  },
  'candump-screen': {
    description: 'candump screen output: (000.000000)  can0  123   [4]  11 22 33 44',
    reader: (stats, options) => new ScreenParser(stats, options),
    sniff: anyLine(SCREEN_SAMPLE),
    suffixes: ['.txt'],
  },
  asc: {
    description: 'Vector ASC: 0.001234 1  123  Rx   d 4 11 22 33 44',
    reader: (stats, options) => new AscParser(stats, options),
    sniff: anyLine(ASC_SAMPLE),
    suffixes: ['.asc'],
    writer: (out, options) => new AscWriter(out, options),
  },
}

const FORMAT_NAMES = Object.keys(LOG_FORMATS) as LogFormat[]

/**
 * The format of a log from its first lines (content first); when several formats match, the one
 * whose suffix the path has (`.gz` ignored); undefined when none matches. The caller raises the error.
 */
export function detectLogFormat(path: string | undefined, firstLines: readonly string[]): LogFormat | undefined {
  const candidates = FORMAT_NAMES.filter((name) => LOG_FORMATS[name].sniff(firstLines))
  if (candidates.length <= 1) return candidates[0]
  return candidates.find((name) => suffixMatches(path, name)) ?? candidates[0]
}

/** The format a path's suffix names, if any (`.gz` ignored). */
export function formatFromSuffix(path: string | undefined): LogFormat | undefined {
  return FORMAT_NAMES.find((name) => suffixMatches(path, name))
}

function suffixMatches(path: string | undefined, name: LogFormat): boolean {
  if (path === undefined) return false
  const lower = path.toLowerCase().replace(/\.gz$/, '')
  return LOG_FORMATS[name].suffixes.some((suffix) => lower.endsWith(suffix))
}
