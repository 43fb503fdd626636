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
 * The base of every pitwall command: common flags, settings resolution, and the one place where
 * thrown errors become exit codes and (with --json) `{error: {code, message, suggestions}}`.
 */
export abstract class PitwallCommand extends Command {
  static override baseFlags = commonFlags

  /** Resolves settings: flag > env > pitwall.yaml > default. */
  protected async settings(flags: SettingFlags): Promise<Settings> {
    return resolveSettings(flags)
  }

  protected override async catch(err: Error & Oclif): Promise<void> {
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
