import {createHash} from 'node:crypto'
import {basename, extname} from 'node:path'

import {lintDbc, loadDbcFile} from '../dbc/index.js'
import {FindingSink} from '../findings.js'
import {ChannelBinder} from './bind.js'
import type {CarLoadResult} from './load.js'
import type {Car} from './model.js'
import {displayPath} from './display-path.js'
import {YamlSource} from '../yaml/index.js'

/**
 * A car made of a bare DBC: every signal passes through untouched, nothing is known about the
 * bus, so `--bitrate` must come from the command line and the adapter stays listen-only (a tool
 * that knows nothing about a bus must not disturb it).
 */
export async function loadBareDbcCar(file: string): Promise<CarLoadResult> {
  const shown = displayPath(file)
  const sink = new FindingSink(shown)
  const db = await loadDbcFile(file, sink, shown)
  if (!db) return {findings: sink.findings}
  lintDbc(db, sink)
  if (sink.errorCount > 0) return {findings: sink.findings}
  // An empty car document: the binder then only passes every DBC signal through.
  const empty = new YamlSource('{}', shown, new FindingSink(shown))
  const channels = new ChannelBinder(empty, db, () => undefined, sink).bind({}, true)
  const extended = db.messages.some((m) => m.extended)
  const standard = db.messages.some((m) => !m.extended)
  const id = basename(file, extname(file))
  const car: Car = {
    adapter: {firmware: 'auto', protocol: 'slcan', serialBaud: 115_200, timestamps: true},
    bus: {
      fd: db.messages.some((m) => m.fd),
      idWidth: extended && standard ? 'mixed' : extended ? 29 : 11,
      listenOnly: true,
    },
    channels,
    contentHash: createHash('sha256').update(db.text).digest('hex'),
    cycleTimesMs: new Map(db.messages.flatMap((m) => (m.cycleTimeMs === undefined ? [] : [[m.name, m.cycleTimeMs] as const]))),
    dbc: db,
    file,
    id,
    localFormulas: new Map(),
    name: id,
  }
  return {car, findings: sink.findings}
}
