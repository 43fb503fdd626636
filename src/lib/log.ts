import pino, {type Logger} from 'pino'

import type {LogLevel} from './config/index.js'

export type {Logger}

/**
 * The pino logger every module gets a child of (`log.child({module: 'ingest'})`). JSON lines on
 * stderr by default, because stdout belongs to command output and `--json`.
 */
export function createLogger(options: {level?: LogLevel; destination?: pino.DestinationStream; pretty?: boolean} = {}): Logger {
  if (options.pretty) {
    return pino({base: {pid: process.pid}, level: options.level ?? 'info', transport: {options: {destination: 2, translateTime: 'SYS:HH:MM:ss.l'}, target: 'pino-pretty'}})
  }
  return pino(
    {base: {pid: process.pid}, level: options.level ?? 'info', timestamp: pino.stdTimeFunctions.isoTime},
    options.destination ?? pino.destination({dest: 2, sync: false}),
  )
}
