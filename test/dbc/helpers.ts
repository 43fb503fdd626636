import {FindingSink} from '../../src/lib/findings.js'
import {type DbcDatabase, type DbcMessage, type DbcSignal, lintDbc, parseDbc} from '../../src/lib/dbc/index.js'

/** Parses (and optionally lints) a DBC snippet; findings as `line:col severity rule`. */
export function run(input: string | Uint8Array, options: {lint?: boolean} = {}): {db: DbcDatabase; findings: string[]; messages: string[]} {
  const sink = new FindingSink('test.dbc')
  const db = parseDbc(input, 'test.dbc', sink)
  if (options.lint) lintDbc(db, sink)
  return {
    db,
    findings: sink.findings.map((f) => `${f.line}:${f.column} ${f.severity} ${f.rule}`),
    messages: sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}: ${f.message}`),
  }
}

export function message(db: DbcDatabase, name: string): DbcMessage {
  const m = db.messages.find((x) => x.name === name)
  if (!m) throw new Error(`no message ${name}`)
  return m
}

export function signal(db: DbcDatabase, messageName: string, name: string): DbcSignal {
  const s = message(db, messageName).signals.find((x) => x.name === name)
  if (!s) throw new Error(`no signal ${messageName}.${name}`)
  return s
}

/** The header every Vector file starts with, kept short. */
export const HEADER = 'VERSION ""\n\nNS_ :\n\tCM_\n\tBA_\n\nBS_:\n\nBU_: ECU GW\n'
