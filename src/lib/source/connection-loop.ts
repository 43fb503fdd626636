/**
 * The connection state machine of an slcan source: open a connection, wait for its end, and then
 * either stop or reconnect with the backoff ladder (1 s, 2 s, 5 s, 10 s, then every 10 s), sooner
 * when the device path reappears.
 *
 * ```
 *   reconnecting ──open──▶ connected ──link ends──▶ reconnecting (backoff, or the path reappears)
 *        │  no such device: absent           │ EOF of a file or pipe: stopped
 *        │  a refusal (PitwallError): stopped│ a descriptor (cannot be reopened): absent
 *        └──────── stop() ───────────────────┴──▶ stopped
 * ```
 * Each attempt is logged and counted; after every reconnect (not the first connection) the
 * missed-frame spans are closed and the `reconnected` hook runs (the consumer resets its latest
 * values: values from before the outage must not look current).
 */
import {sleep} from '../abort.js'
import {SlcanParser, type SlcanParserStats} from '../can/slcan/index.js'
import {PitwallError} from '../errors.js'
import {LinkGoneError} from './byte-link.js'
import type {ChosenFirmware} from './firmware-probe.js'
import {ReconnectPolicy} from './reconnect-policy.js'
import {type ConnectionEnd, type ConnectionHooks, type ConnectionSettings, SlcanConnection} from './slcan-connection.js'
import type {SourceCounters} from './source-counters.js'

export interface ConnectionLoopOptions {
  readonly settings: ConnectionSettings
  /** The hooks every connection reports through (`reopenSent` is the loop's own count). */
  readonly hooks: Omit<ConnectionHooks, 'reopenSent'>
  readonly counters: SourceCounters
  /** The backoff ladder. Default 1 s, 2 s, 5 s, 10 s. */
  readonly reconnectDelaysMs?: readonly number[]
  /** After every reconnect. */
  readonly reconnected: () => void
}

export class ConnectionLoop {
  readonly policy: ReconnectPolicy
  /** The connection open now (or being opened). */
  current: SlcanConnection | undefined
  /** The latest connection, open or not (its status flags stay shown). */
  latest: SlcanConnection | undefined
  firmware: ChosenFirmware | undefined
  lastEnd: ConnectionEnd | undefined
  nextRetryMs = Number.NaN
  connections = 0
  reopenSends = 0
  private readonly pastParserStats: SlcanParserStats = new SlcanParser().stats
  private readonly hooks: ConnectionHooks

  constructor(private readonly options: ConnectionLoopOptions) {
    this.policy = new ReconnectPolicy(options.reconnectDelaysMs)
    this.hooks = {
      ...options.hooks,
      framesArrived: () => {
        this.policy.succeeded()
        options.hooks.framesArrived()
      },
      reopenSent: () => this.reopenSends++,
    }
  }

  /** Parser counters over every connection so far (`lastStatusFlags`: the open connection's). */
  parserStats(): SlcanParserStats {
    const sum = {...this.pastParserStats}
    const now = this.current?.parserStats ?? new SlcanParser().stats
    for (const key of Object.keys(sum) as (keyof SlcanParserStats)[]) sum[key] = key === 'lastStatusFlags' ? now[key] : sum[key] + now[key]
    return sum
  }

  /** Connects until `signal` aborts, the input ends or the adapter is gone for good; returns a refusal, if that ended it. */
  async run(signal: AbortSignal): Promise<Error | undefined> {
    const {counters, settings} = this.options
    const describe = settings.opener.describe
    try {
      while (!signal.aborted) {
        const connection = new SlcanConnection(settings, this.hooks)
        this.current = connection
        this.latest = connection
        try {
          await connection.open()
        } catch (error) {
          this.retire(connection)
          if (signal.aborted) break
          if (error instanceof LinkGoneError) {
            counters.state = 'absent'
            settings.log.error({link: describe}, error.message)
            break
          }
          // A refusal (unknown firmware in listen-only, a bitrate the firmware lacks) is not retried.
          if (error instanceof PitwallError) return error
          this.lastEnd = {kind: 'error', message: (error as Error).message}
          settings.log.warn({err: (error as Error).message, link: describe}, 'cannot open the adapter')
          // No such device: nothing is attached (yet), which is `absent`, not a lost connection.
          await this.backoff(signal, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'reconnecting')
          continue
        } finally {
          this.firmware = connection.firmware ?? this.firmware
        }
        if (!connection.ending) this.connected()
        const end = await connection.ended
        this.retire(connection)
        this.lastEnd = end
        if (end.kind === 'stop') break
        if (end.kind === 'restart') continue
        if (end.kind === 'eof' && settings.opener.endsAtEof) {
          settings.log.info({link: describe}, 'end of input')
          break
        }
        if (settings.opener.reopenable === false) {
          // A descriptor dies with its device: nothing to wait for, whoever handed it over must send a new one.
          counters.state = 'absent'
          settings.log.error({detail: end.message, link: describe, reason: end.kind}, 'adapter lost, and its descriptor cannot be reopened')
          break
        }
        settings.log.warn({link: describe, reason: end.kind, detail: end.message}, 'adapter lost')
        await this.backoff(signal)
      }
      return undefined
    } finally {
      if (this.current) this.retire(this.current)
    }
  }

  /** The watchdog fired: reopen the link, or re-send the open sequence on one that cannot be reopened. */
  restart(): void {
    const connection = this.current
    if (!connection?.hasLink) return
    if (this.options.settings.opener.reopenable === false) connection.resendOpen()
    else connection.finish({kind: 'restart', message: 'watchdog restart'})
  }

  private connected(): void {
    if (this.connections > 0) {
      this.options.counters.missed.reset()
      this.options.reconnected()
      this.options.settings.log.info({attempts: this.policy.attempts, link: this.options.settings.opener.describe}, 'adapter reconnected')
    }
    this.connections++
    this.options.counters.state = 'connected'
  }

  /** Closes a connection that is over and keeps its parser counters. */
  private retire(connection: SlcanConnection): void {
    connection.close()
    if (this.current !== connection) return
    this.current = undefined
    const stats = connection.parserStats
    for (const key of Object.keys(stats) as (keyof SlcanParserStats)[]) {
      if (key !== 'lastStatusFlags') this.pastParserStats[key] += stats[key]
    }
  }

  /** Waits out the next step of the backoff ladder, or less when the device path reappears. */
  private async backoff(signal: AbortSignal, state: 'absent' | 'reconnecting' = 'reconnecting'): Promise<void> {
    this.options.counters.state = state
    const delay = this.policy.next()
    this.nextRetryMs = performance.now() + delay
    const {opener, log} = this.options.settings
    log.warn({attempt: this.policy.attempts, inMs: delay, link: opener.describe}, 'reconnecting')
    const cancel = new AbortController()
    const either = AbortSignal.any([cancel.signal, signal])
    const waits: Promise<unknown>[] = [sleep(delay, either, {unref: true})]
    if (opener.reappeared) waits.push(opener.reappeared(either).catch(() => new Promise(() => undefined)))
    await Promise.race(waits)
    cancel.abort()
  }
}
