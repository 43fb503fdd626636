import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {basename, dirname, extname, resolve} from 'node:path'

import {parseDuration} from '../config/duration.js'
import {lintDbc, loadDbcFile} from '../dbc/index.js'
import type {DbcDatabase, DbcMessage} from '../dbc/model.js'
import {type Finding, FindingSink} from '../findings.js'
import {checkExamples, readFormulaMap} from '../formula/index.js'
import type {FormulaLibrary, FormulaSpec} from '../formula/model.js'
import {CAR_SCHEMA_PATH} from '../paths.js'
import {checkAgainstSchema, YamlSource} from '../yaml/index.js'
import {ChannelBinder} from './bind.js'
import {readCoaching} from './coaching.js'
import {displayPath} from './display-path.js'
import type {AdapterSpec, BusSpec, Car} from './model.js'

export interface CarLoadResult {
  /** The car, when it has no errors (warnings allowed). */
  readonly car?: Car
  /** Findings for the car file, its DBC and its car-local formulas, in file order. */
  readonly findings: readonly Finding[]
}

let schemaCache: object | undefined
async function carSchema(): Promise<object> {
  schemaCache ??= JSON.parse(await readFile(CAR_SCHEMA_PATH, 'utf8')) as object
  return schemaCache
}

const DEFAULT_ADAPTER: AdapterSpec = {firmware: 'auto', protocol: 'slcan', serialBaud: 115_200, timestamps: true}

/**
 * Loads and checks a car YAML file and the DBC it names, against the shared formula library.
 * Never throws on bad content: everything wrong is a finding with file:line:column.
 */
export async function loadCarFile(file: string, library: FormulaLibrary): Promise<CarLoadResult> {
  const shown = displayPath(file)
  const sink = new FindingSink(shown)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    sink.error({column: 1, line: 1}, 'file-unreadable', `cannot read car file: ${(error as Error).message}`)
    return {findings: sink.findings}
  }
  const source = new YamlSource(text, shown, sink)
  if (source.hasSyntaxErrors) return {findings: sink.findings}
  checkAgainstSchema(source, await carSchema(), sink)
  const data = (source.doc.toJS() ?? {}) as Record<string, unknown>

  const dbc = await loadReferencedDbc(file, data['dbc'], source, sink)
  const dbcFindings = dbc?.findings ?? []
  if (!dbc?.db) return {findings: [...sink.findings, ...dbcFindings]}

  const local = readFormulaMap(source, ['formulas'], sink)
  for (const spec of local.values()) {
    checkExamples(spec, sink)
    if (library.formulas.has(spec.name)) {
      const key = source.keyNodeAt(['formulas', spec.name])
      sink.error(key ? source.posOf(key) : spec.pos, 'formula-shadows-library', `car formula "${spec.name}" has the name of a shared library formula; rename it`)
    }
  }
  const lookup = (name: string): FormulaSpec | undefined => local.get(name) ?? library.formulas.get(name)
  const channels = new ChannelBinder(source, dbc.db, lookup, sink).bind(data, data['passthrough'] !== false)
  const bus = checkBus(data['bus'], dbc.db, source, sink)
  const cycleTimesMs = checkCycleTimes(data['cycle_times'], dbc.db, source, sink)
  const coaching = readCoaching(data['coaching'], channels, source, sink)
  const id = typeof data['id'] === 'string' ? data['id'] : basename(file, extname(file))
  if (id !== basename(file, extname(file))) {
    sink.warning(source.closestPos(['id']), 'id-mismatch', `car id "${id}" differs from the file name: --car ${basename(file, extname(file))} would not find it by id`)
  }
  const findings = [...sink.findings, ...dbcFindings]
  if (findings.some((f) => f.severity === 'error') || !bus) return {findings}
  const car: Car = {
    adapter: {...DEFAULT_ADAPTER, ...adapterFrom(data['adapter'])},
    bus,
    channels,
    ...(coaching ? {coaching} : {}),
    contentHash: createHash('sha256').update(text).update('\0').update(dbc.db.text).digest('hex'),
    cycleTimesMs,
    dbc: dbc.db,
    file,
    id,
    localFormulas: local,
    name: typeof data['name'] === 'string' ? data['name'] : id,
    yamlText: text,
  }
  return {car, findings}
}

async function loadReferencedDbc(
  carFile: string,
  ref: unknown,
  source: YamlSource,
  sink: FindingSink,
): Promise<{db?: DbcDatabase; findings: Finding[]} | undefined> {
  if (typeof ref !== 'string') return undefined
  const path = resolve(dirname(carFile), ref)
  const dbcSink = new FindingSink(displayPath(path))
  const db = await loadDbcFile(path, dbcSink, displayPath(path))
  if (!db) {
    sink.error(source.closestPos(['dbc']), 'file-not-found', `cannot read the DBC file "${ref}" (looked at ${path})`)
    return {findings: []}
  }
  lintDbc(db, dbcSink)
  return {db, findings: dbcSink.findings}
}

function checkBus(raw: unknown, dbc: DbcDatabase, source: YamlSource, sink: FindingSink): BusSpec | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const bus = raw as Record<string, unknown>
  const idWidth = bus['id_width'] === 11 || bus['id_width'] === 29 || bus['id_width'] === 'mixed' ? bus['id_width'] : undefined
  if (idWidth === undefined || typeof bus['listen_only'] !== 'boolean' || typeof bus['bitrate'] !== 'number') return undefined
  const fd = bus['fd'] === true
  const wrongWidth = idWidth === 'mixed' ? [] : dbc.messages.filter((m) => m.extended !== (idWidth === 29))
  if (wrongWidth.length > 0) {
    sink.error(
      source.closestPos(['bus', 'id_width']),
      'id-width-mismatch',
      `bus id_width is ${idWidth}, but ${wrongWidth.length} DBC message(s) use ${idWidth === 29 ? 11 : 29}-bit IDs: ${names(wrongWidth)}`,
    )
  }
  const fdFrames = fd ? [] : dbc.messages.filter((m) => m.fd || m.sizeBytes > 8)
  if (fdFrames.length > 0) {
    sink.error(source.closestPos(['bus', 'fd']), 'fd-mismatch', `the bus is classic CAN (fd: false), but ${fdFrames.length} DBC message(s) are CAN FD frames: ${names(fdFrames)}`)
  }
  return {
    bitrateBps: bus['bitrate'],
    ...(typeof bus['data_bitrate'] === 'number' ? {dataBitrateBps: bus['data_bitrate']} : {}),
    fd,
    idWidth,
    listenOnly: bus['listen_only'],
  }
}

const names = (messages: readonly DbcMessage[]): string =>
  messages.slice(0, 5).map((m) => m.name).join(', ') + (messages.length > 5 ? `, and ${messages.length - 5} more` : '')

function checkCycleTimes(raw: unknown, dbc: DbcDatabase, source: YamlSource, sink: FindingSink): Map<string, number> {
  const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {}
  const out = new Map<string, number>()
  for (const [name, value] of Object.entries(given)) {
    if (!dbc.messages.some((m) => m.name === name)) {
      const key = source.keyNodeAt(['cycle_times', name])
      sink.error(key ? source.posOf(key) : source.closestPos(['cycle_times']), 'unknown-message', `cycle_times names "${name}", which is not a message in ${dbc.file}`)
      continue
    }
    try {
      out.set(name, parseDuration(String(value)))
    } catch {
      // The schema check already reported the bad duration at its position.
    }
  }
  for (const message of dbc.messages) {
    if (out.has(message.name)) continue
    if (message.cycleTimeMs !== undefined) out.set(message.name, message.cycleTimeMs)
    else if (message.signals.length > 0) {
      sink.warning(source.closestPos(['dbc']), 'missing-cycle-time', `message ${message.name} has no cycle time (neither GenMsgCycleTime in the DBC nor cycle_times here): staleness and missed frames cannot be judged`)
    }
  }
  return out
}

function adapterFrom(raw: unknown): Partial<AdapterSpec> {
  if (typeof raw !== 'object' || raw === null) return {}
  const a = raw as Record<string, unknown>
  return {
    ...(a['serial_baud'] === undefined ? {} : {serialBaud: Number(a['serial_baud'])}),
    ...(typeof a['firmware'] === 'string' ? {firmware: a['firmware'] as AdapterSpec['firmware']} : {}),
    ...(typeof a['timestamps'] === 'boolean' ? {timestamps: a['timestamps']} : {}),
  }
}
