/**
 * The flags several commands take, declared once. Each parses its value while oclif parses the
 * command line, so `run()` gets typed values (ms, bit/s, a factor of real time, epoch µs, a sink)
 * and a bad value stops the command before anything starts: a UsageError (exit 64) whose message
 * begins with the flag and the value, with our code (`PW_BAD_DURATION`, …), also under `--json`.
 *
 * Parsers come from their leaf modules, not the folders' index.ts: every command loads this file,
 * and importing `replay/index.js` took 2.5 s against 0.4 s for `replay/options.js` (a 2-core box).
 */
import {Flags, type Interfaces} from '@oclif/core'

import {FIRMWARE_CHOICES, FIRMWARE_FAMILIES} from '../can/slcan/firmware.js'
import {parseBitrate} from '../config/bitrate.js'
import {DURATION_HINT, DurationSyntaxError, parseDuration} from '../config/duration.js'
import {UsageError} from '../errors.js'
import {parseSpeed, parseStartTime} from '../replay/options.js'
import {parseSinkSpec, type SinkKind, type SinkSpec} from '../live/sink-spec.js'
import {FOLD_REPEATED} from './base-command.js'
import {parseMetaPair} from './meta.js'

/** What a command may say about a shared flag; the grammar is the flag's own. */
export interface SharedFlagOptions {
  readonly description?: string
  readonly hidden?: boolean
  readonly dependsOn?: string[]
  readonly exclusive?: string[]
}

/**
 * A shared flag, made by each command that takes it. `default` is written as a user would type
 * it (`30m`), parsed once here and shown as written in `--help`.
 */
export interface ValueFlag<T> {
  (options: SharedFlagOptions & {readonly default: string}): Interfaces.OptionFlag<T>
  (options?: SharedFlagOptions & {readonly default?: undefined}): Interfaces.OptionFlag<T | undefined>
}

/** `parse(text, '--name')` returns the value or throws a UsageError that names the flag. */
function valueFlag<T>(parse: (text: string, flag: string) => T, help: {readonly value: string; readonly description?: string}): ValueFlag<T> {
  const definition = Flags.custom<T>({
    ...(help.description === undefined ? {} : {description: help.description}),
    helpValue: help.value,
    // oclif types the result per element of a list flag; T is never a list here.
    parse: async (input, _command, flag) => parse(input, `--${flag.name}`) as never,
  })
  const make = (options: SharedFlagOptions & {readonly default?: string | undefined} = {}): Interfaces.OptionFlag<T | undefined> | Interfaces.OptionFlag<T> => {
    const {default: text, ...rest} = options
    if (text === undefined) return definition(rest)
    return definition({...rest, default: parse(text, '--default') as never, defaultHelp: async () => text})
  }
  return make as ValueFlag<T>
}

/** Durations in ms: `500ms`, `5s`, `30m`, `2h`, `7d` (`PW_BAD_DURATION`). */
export const durationFlag = valueFlag(durationMs, {value: '<duration>'})

/** Bit/s: `500000`, `500k`, `1M`, `83.333k` (`PW_BAD_BITRATE`). */
export const bitrateFlag = valueFlag(parseBitrate, {value: '<bitrate>'})

/** A factor of real time, `max` as Infinity (`PW_BAD_SPEED`). */
export const speedFlag = valueFlag(parseSpeed, {value: '<speed>'})

/** Epoch µs, from an ISO date-time with a zone or epoch seconds (`PW_BAD_START_TIME`). */
export const startTimeFlag = valueFlag(parseStartTime, {value: '<time>'})

/** A plain non-negative decimal number (`PW_BAD_NUMBER`); what it may range over is the command's to check. */
export const numberFlag = valueFlag(plainNumber, {value: '<number>'})

/** A bridge URL, kept as written once it is an http(s) URL (`PW_BAD_URL`). */
export const urlFlag = valueFlag(httpUrl, {description: 'Bridge URL. Env: PITWALL_URL. Default: from <data-dir>/serve.json, else http://127.0.0.1:8765.', value: '<url>'})

/** `--to`: where frames go, every sink `simulate` knows (`PW_BAD_TARGET`). */
export const sinkFlag = valueFlag(parseSinkSpec, {value: '<sink>'})

/** `--to` for a command that writes to only some sinks: the others are refused as a bad value. */
export function sinkFlagOf(kinds: readonly SinkKind[], refusal: string): ValueFlag<SinkSpec> {
  return valueFlag((text) => {
    const sink = parseSinkSpec(text)
    if (kinds.includes(sink.kind)) return sink
    throw new UsageError(`--to ${text}: ${refusal}`, {code: 'PW_BAD_TARGET', suggestions: sinkExamples(kinds)})
  }, {value: '<sink>'})
}

/** `--car`: a car id, car YAML or bare .dbc; the string stays a reference, opened by the command. */
export const carFlag = Flags.custom<string>({description: 'Car id, car YAML or bare .dbc. Env: PITWALL_CAR. Default: bmw_e46_m3.', helpValue: '<car>'})

/** A real adapter's slcan firmware family, or `auto` (probe with `V`). */
export const firmwareFlag = Flags.option({options: FIRMWARE_CHOICES})

/** The family an emulated adapter runs (`simulate`'s slcan sinks): no `auto`, it is the adapter. */
export const emulatedFirmwareFlag = Flags.option({options: FIRMWARE_FAMILIES})

export type RunSheet = Readonly<Record<string, string>>

/**
 * `--meta key=value`, repeatable, as one record (`PW_BAD_META`); `{}` when not given. oclif gives
 * a repeatable flag's values as a list: PitwallCommand.parse folds them into the record.
 */
export function metaFlag(options: {readonly description: string}): Interfaces.OptionFlag<RunSheet> {
  const flag = Flags.custom<RunSheet>({
    helpValue: '<key=value>',
    multiple: true,
    parse: async (input) => Object.fromEntries([parseMetaPair(input)]),
  })({description: options.description})
  const fold = (sheets: readonly RunSheet[] | undefined): RunSheet => Object.assign({}, ...(sheets ?? []))
  return Object.assign(flag, {[FOLD_REPEATED]: fold}) as unknown as Interfaces.OptionFlag<RunSheet>
}

function durationMs(text: string, flag: string): number {
  try {
    return parseDuration(text)
  } catch (error) {
    if (!(error instanceof DurationSyntaxError)) throw error
    throw new UsageError(`${flag} ${text}: not a duration; ${DURATION_HINT}`, {code: 'PW_BAD_DURATION', suggestions: [`${flag} 30s`, `${flag} 10m`, `${flag} 7d`]})
  }
}

function plainNumber(text: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`${flag} ${text}: give a plain number, e.g. 0.01`, {code: 'PW_BAD_NUMBER'})
  return Number(text)
}

function httpUrl(text: string, flag: string): string {
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {}
  if (url?.protocol === 'http:' || url?.protocol === 'https:') return text
  throw new UsageError(`${flag} ${text}: give an http or https URL`, {code: 'PW_BAD_URL', suggestions: [`${flag} http://127.0.0.1:8765`]})
}

function sinkExamples(kinds: readonly SinkKind[]): string[] {
  const examples: Partial<Record<SinkKind, string>> = {bridge: '--to bridge', candump: '--to candump:out.log', db: '--to db', stdout: '--to stdout'}
  return kinds.flatMap((kind) => examples[kind] ?? [])
}
