import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {InputDataError} from '../errors.js'
import {FindingSink, formatFinding} from '../findings.js'
import {YamlSource} from '../yaml/index.js'
import {DATA_DIR_LAYOUT, defaultDataDir} from './data-dir.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

type Parse<T> = (text: string) => T

interface SettingDef<T> {
  /** Key in pitwall.yaml. */
  readonly key: string
  readonly env: string
  readonly description: string
  readonly default?: T
  readonly parse: Parse<T>
}

const str: Parse<string> = (t) => t
const oneOf =
  <T extends string>(values: readonly T[]): Parse<T> =>
  (t) => {
    if ((values as readonly string[]).includes(t)) return t as T
    throw new Error(`must be one of ${values.join(', ')}`)
  }

/**
 * Every setting a command may read, declared once. Resolution order, highest first:
 * flag > environment > `pitwall.yaml` in the data dir > default. The data dir itself comes only
 * from `--data-dir` or `PITWALL_DATA_DIR` (the file lives inside it).
 */
export const SETTINGS = {
  car: {default: 'bmw_e46_m3', description: 'car id, car YAML path, or bare .dbc path', env: 'PITWALL_CAR', key: 'car', parse: str},
  formulas: {description: 'formula library file (default: the shipped formulas/standard.yaml)', env: 'PITWALL_FORMULAS', key: 'formulas', parse: str},
  logLevel: {default: 'info', description: 'log level', env: 'PITWALL_LOG_LEVEL', key: 'log_level', parse: oneOf(LOG_LEVELS)},
  token: {description: 'bridge API token', env: 'PITWALL_TOKEN', key: 'token', parse: str},
  url: {description: 'bridge URL for commands that talk to a running serve', env: 'PITWALL_URL', key: 'url', parse: str},
} as const satisfies Record<string, SettingDef<unknown>>

export type SettingKey = keyof typeof SETTINGS
type ValueOf<K extends SettingKey> = ReturnType<(typeof SETTINGS)[K]['parse']>
export type Origin = 'flag' | 'env' | 'file' | 'default'

export interface Settings {
  readonly dataDir: string
  readonly dataDirOrigin: Exclude<Origin, 'file'>
  get<K extends SettingKey>(key: K): ValueOf<K> | undefined
  origin(key: SettingKey): Origin | undefined
}

/** Flags as a command parsed them, keyed like SETTINGS (undefined = not given). */
export type SettingFlags = {readonly dataDir?: string | undefined} & {readonly [K in SettingKey]?: ValueOf<K> | undefined}

/**
 * Resolves settings for one command run. A malformed `pitwall.yaml` or environment value is an
 * input error naming where it is (file:line:column or the variable), never silently ignored.
 */
export async function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  const dataDirOrigin = flags.dataDir ? 'flag' : env['PITWALL_DATA_DIR'] ? 'env' : 'default'
  const dataDir = flags.dataDir || env['PITWALL_DATA_DIR'] || defaultDataDir(env)
  const file = await readSettingsFile(join(dataDir, DATA_DIR_LAYOUT.settings))
  const values = new Map<SettingKey, {origin: Origin; value: unknown}>()
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const def: SettingDef<unknown> = SETTINGS[key]
    const flag = flags[key]
    const fromEnv = env[def.env]
    if (flag !== undefined) values.set(key, {origin: 'flag', value: flag})
    else if (fromEnv !== undefined && fromEnv !== '') values.set(key, {origin: 'env', value: parseEnv(def, fromEnv)})
    else if (file.has(def.key)) values.set(key, {origin: 'file', value: file.get(def.key)})
    else if (def.default !== undefined) values.set(key, {origin: 'default', value: def.default})
  }
  return {
    dataDir,
    dataDirOrigin,
    get: <K extends SettingKey>(key: K) => values.get(key)?.value as ValueOf<K> | undefined,
    origin: (key) => values.get(key)?.origin,
  }
}

function parseEnv(def: SettingDef<unknown>, text: string): unknown {
  try {
    return def.parse(text)
  } catch (error) {
    throw new InputDataError(`environment ${def.env}="${text}": ${(error as Error).message}`, {code: 'PW_BAD_SETTING', suggestions: [`fix or unset ${def.env}`]})
  }
}

async function readSettingsFile(path: string): Promise<Map<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw new InputDataError(`cannot read ${path}: ${(error as Error).message}`, {code: 'PW_BAD_SETTING'})
  }
  const sink = new FindingSink(path)
  const source = new YamlSource(text, path, sink)
  const out = new Map<string, unknown>()
  const data = source.hasSyntaxErrors ? {} : source.doc.toJS()
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
    sink.error({column: 1, line: 1}, 'schema', 'pitwall.yaml must be a map of setting: value')
  } else {
    const byKey = new Map(Object.values(SETTINGS).map((d: SettingDef<unknown>) => [d.key, d]))
    for (const [key, value] of Object.entries((data ?? {}) as Record<string, unknown>)) {
      const def = byKey.get(key)
      const at = source.posOf(source.keyNodeAt([key]))
      if (!def) sink.error(at, 'unknown-setting', `unknown setting "${key}" (known: ${[...byKey.keys()].join(', ')})`)
      else {
        try {
          out.set(key, def.parse(String(value)))
        } catch (error) {
          sink.error(source.posOf(source.nodeAt([key])), 'bad-setting', `${key}: ${(error as Error).message}`)
        }
      }
    }
  }
  if (sink.errorCount > 0) {
    throw new InputDataError(`invalid settings file:\n${sink.findings.map(formatFinding).join('\n')}`, {
      code: 'PW_BAD_SETTING',
      suggestions: [`fix ${path}; settings: ${Object.values(SETTINGS).map((d: SettingDef<unknown>) => d.key).join(', ')}`],
    })
  }
  return out
}

/** The settings table, for docs and `--help` texts. */
export function describeSettings(): Array<{key: string; env: string; description: string; default?: unknown}> {
  return Object.values(SETTINGS).map((d: SettingDef<unknown>) => ({
    description: d.description,
    env: d.env,
    key: d.key,
    ...(d.default === undefined ? {} : {default: d.default}),
  }))
}
