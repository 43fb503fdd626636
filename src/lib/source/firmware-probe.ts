/**
 * Which slcan firmware an adapter runs. `C` `V` is sent and the reply to `V` awaited for at most
 * `probeTimeoutMs` (300 ms: stock firmware answers nothing but `V`, so no other reply is ever
 * waited for). A reply that names a family decides; none falls back to the stock commands, except
 * in listen-only, where a wrong guess could put the adapter on the bus acknowledging frames.
 * A forced family (`--firmware`, the car file) is taken as is; a read-only link is never probed.
 */
import {type FirmwareChoice, type FirmwareFamily, PROBE_SEQUENCE, type SlcanEvent, identifyFirmware, versionReplyOf} from '../can/slcan/index.js'
import {UsageError} from '../errors.js'
import type {ByteLink} from './byte-link.js'
import type {SourceLog} from './source.js'

/** How a connection's firmware was chosen. */
export interface ChosenFirmware {
  readonly family: FirmwareFamily
  /** `probe`: from the reply to `V`; `forced`: `--firmware` or the car file; `fallback`: no usable reply; `read-only`: nothing can be sent. */
  readonly how: 'probe' | 'forced' | 'fallback' | 'read-only'
  /** The reply to `V`, when there was one. */
  readonly reply?: string
}

export interface FirmwareProbeOptions {
  /** `auto` probes; a family name forces it. */
  readonly firmware: FirmwareChoice
  readonly listenOnly: boolean
  /** Longest wait for the answer to `V`. Default 300 ms. */
  readonly probeTimeoutMs?: number
  /** The link, in words, for logs and errors. */
  readonly describe: string
  readonly log: SourceLog
}

/** One connection's probe: the connection hands it the parser's events while it waits. */
export class FirmwareProbe {
  private listener: ((event: SlcanEvent) => void) | undefined
  private finishNow: (() => void) | undefined
  private cancelled = false

  constructor(private readonly options: FirmwareProbeOptions) {}

  /** An event from the adapter (the reply to `V` may be among them). */
  hear(event: SlcanEvent): void {
    this.listener?.(event)
  }

  /** The link went away: a running probe ends at once, with no verdict. */
  cancel(): void {
    this.cancelled = true
    this.finishNow?.()
  }

  /**
   * The firmware on `link` (writable). @throws UsageError `PW_SLCAN_FIRMWARE_UNKNOWN` when
   * listen-only and the adapter did not say what it runs.
   */
  async choose(link: ByteLink): Promise<ChosenFirmware> {
    const o = this.options
    if (o.firmware !== 'auto') return {family: o.firmware, how: 'forced'}
    const reply = await this.probe(link)
    // The link ended during the probe: no verdict, the connection is over anyway.
    if (this.cancelled) return {family: identifyFirmware(reply), how: 'fallback'}
    const family = identifyFirmware(reply)
    if (reply !== undefined && recognised(reply)) {
      o.log.info({family, link: o.describe, reply}, 'adapter firmware identified')
      return {family, how: 'probe', reply}
    }
    const heard = reply === undefined ? `no answer to V within ${o.probeTimeoutMs ?? 300} ms` : `an answer to V that names no known firmware (${JSON.stringify(reply)})`
    if (o.listenOnly) {
      throw new UsageError(`the adapter on ${o.describe} did not identify its firmware (${heard}); listen-only needs the firmware's own command (M1, L or OS), and a wrong guess could put the adapter on the bus acknowledging frames`, {
        code: 'PW_SLCAN_FIRMWARE_UNKNOWN',
        suggestions: ['name the firmware: --firmware canable-stock (normaldotcom canable-fw/canable2-fw), lawicel, or canable-2.5', 'or set adapter.firmware in the car file'],
      })
    }
    o.log.warn({family, link: o.describe, reply}, `firmware not identified (${heard}); using the stock CANable commands`)
    return {family, how: 'fallback', ...(reply === undefined ? {} : {reply})}
  }

  /** Sends the probe and waits at most probeTimeoutMs for the reply to `V`. */
  private probe(link: ByteLink): Promise<string | undefined> {
    return new Promise((resolve) => {
      let nacked = false
      const finish = (reply: string | undefined): void => {
        clearTimeout(timer)
        this.listener = undefined
        this.finishNow = undefined
        resolve(reply)
      }
      this.finishNow = () => finish(undefined)
      this.listener = (event) => {
        const text = versionReplyOf(event)
        if (text !== undefined) finish(text)
        else if (event.kind === 'nack') nacked = true
      }
      // A BEL and nothing else can only come from a firmware that acknowledges (Lawicel).
      const timer = setTimeout(() => finish(nacked ? '\x07' : undefined), this.options.probeTimeoutMs ?? 300)
      for (const command of PROBE_SEQUENCE) link.write(command)
    })
  }
}

/** A pipe or a file: nothing can be sent, the stream is parsed as it comes. */
export function readOnlyFirmware(firmware: FirmwareChoice): ChosenFirmware {
  return {family: firmware === 'auto' ? 'canable-stock' : firmware, how: 'read-only'}
}

/** A `V` reply we can name: a Lawicel/2.5 version line, a BEL, or the stock git line. */
function recognised(reply: string): boolean {
  if (reply === '\x07' || /^V[0-9A-Za-z]{4}$/.test(reply) || reply.startsWith('+')) return true
  return /canable/i.test(reply) || /^[0-9a-f]{7,40}(-dirty)? \S+/.test(reply)
}
