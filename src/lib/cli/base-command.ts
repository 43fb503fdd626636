import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {resolveSettings, LOG_LEVELS, type SettingFlags, type Settings} from '../config/index.js'
import {ExitCode, PitwallError} from '../errors.js'

/** Flags every command has. */
export const commonFlags = {
  'data-dir': Flags.string({
    description: 'Data directory (live DB, archive/, logs/, pitwall.yaml). Env: PITWALL_DATA_DIR. Default: the per-user data dir (~/.local/share/pitwall).',
    helpGroup: 'GLOBAL',
  }),
  'log-level': Flags.option({
    description: 'Log level for the JSON logs on stderr. Env: PITWALL_LOG_LEVEL.',
    helpGroup: 'GLOBAL',
    options: LOG_LEVELS,
  })(),
}

type Oclif = {oclif?: {exit?: number}; code?: string}

/**
 * A repeatable flag whose values make one value (`--meta a=1 --meta b=2` → `{a: '1', b: '2'}`)
 * carries its fold under this key; `PitwallCommand.parse` applies it, given or not.
 */
export const FOLD_REPEATED = Symbol('pitwall.foldRepeated')
type Folding = {[FOLD_REPEATED]?: (values: never) => unknown}
/** oclif's parser output shape (its own type is not exported). */
type Output = {[name: string]: unknown}

/**
 * The base of every pitwall command: common flags, settings resolution, and the one place where
 * thrown errors become exit codes and (with --json) `{error: {code, message, suggestions}}`.
 */
export abstract class PitwallCommand extends Command {
  static override baseFlags = commonFlags

  /** Resolves settings: flag > env > pitwall.yaml > default. */
  protected async settings(flags: SettingFlags): Promise<Settings> {
    return resolveSettings(flags)
  }

  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const output = await super.parse(options, argv)
    const flags = output.flags as Record<string, unknown>
    const input = options ?? this.ctor
    for (const [name, flag] of Object.entries({...input.baseFlags, ...input.flags} as Record<string, Folding>)) {
      const fold = flag[FOLD_REPEATED]
      if (fold) flags[name] = fold(flags[name] as never)
    }
    return output
  }

  protected override async catch(err: Error & Oclif): Promise<void> {
    err.message = unwrapFlagError(err.message)
    const known = err instanceof PitwallError
    const exit = known ? err.exit : (err.oclif?.exit ?? ExitCode.internal)
    const code = known ? err.code : err.oclif ? (err.code ?? 'PW_USAGE') : 'PW_INTERNAL'
    const suggestions = known ? [...err.suggestions] : []
    const message = known || err.oclif ? err.message : `internal error: ${err.message} (a bug: please report it with the command you ran)`
    if (!known && !err.oclif && process.env['PITWALL_DEBUG']) this.logToStderr(err.stack ?? '')
    if (this.jsonEnabled()) {
      process.exitCode = exit
      this.logJson({error: {code, exit, message, suggestions}})
      return
    }
    // oclif prints the message and a "Try this:" block, then exits with `exit`.
    Errors.error(message, {code, exit, suggestions})
  }
}

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof PitwallCommand)['baseFlags'] & T['flags']>

/**
 * oclif words a bad flag value its own way: what a flag's parser threw comes wrapped as
 * `Parsing --x \n\t<message>\nSee more help with --help`, a value outside `options` as
 * `Expected --x=v to be one of: …`. Ours begin with the flag and the value already; oclif's get
 * the flag as a prefix, so every bad flag value reads `--flag …: why`, on the terminal and in `--json`.
 */
export function unwrapFlagError(message: string): string {
  const option = /^Expected (--[\w-]+)=([\s\S]*) to be one of: (.*)\nSee more help with --help$/.exec(message)
  if (option) return `${option[1]} ${option[2]}: give one of ${option[3]}`
  const m = /^Parsing (--[\w-]+) \n\t([\s\S]*)\nSee more help with --help$/.exec(message)
  if (!m) return message
  const flag = m[1]!
  const inner = m[2]!
  return inner.startsWith(`${flag} `) || inner.startsWith(`${flag}:`) ? inner : `${flag}: ${inner}`
}
