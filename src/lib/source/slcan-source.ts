/**
 * An slcan adapter as a CanSource, over any byte link (serial port, pty, descriptor, USB pump).
 *
 * Per connection: probe with `C` `V` and wait at most `probeTimeoutMs` (300 ms) for the version
 * line; pick the firmware family (or take the forced one); send that family's open sequence for
 * the bus's bitrate and listen-only setting; if no frame arrives within `reopenIfSilentMs` (2 s),
 * send it once more (a reset or replugged adapter forgot it). Nothing else is ever sent, except
 * `F` status polls to a family that has them. Frames are stamped by the host clock unless the
 * adapter sends `Z1` stamps.
 *
 * When the link ends (EOF, HUP, EIO, a read error) the source reconnects with the backoff ladder
 * (1 s, 2 s, 5 s, 10 s, then every 10 s), sooner when the device path reappears; each attempt is
 * logged and counted, and `onReconnect` listeners run (the consumer resets its latest-value
 * cache: values from before the outage must not look current). A link that can never be opened
 * again (a descriptor) ends the source `absent`; an input that ends at EOF (a pipe, a file) ends it
 * `stopped`.
 */
import {FrameBatch, MAX_BATCH_FRAMES} from '../can/frame.js'
import {
  FIRMWARE,
  type FirmwareFamily,
  PROBE_SEQUENCE,
  type SlcanEvent,
  SlcanParser,
  type SlcanParserStats,
  STATUS_FLAGS,
  identifyFirmware,
  openSequence,
  statusFlagNames,
  versionReplyOf,
} from '../can/slcan/index.js'
import {PitwallError, UsageError} from '../errors.js'
import {type ByteLink, type LinkEnd, LinkGoneError, type LinkOpener} from './byte-link.js'
import {HostClock} from './host-clock.js'
import {ReconnectPolicy} from './reconnect-policy.js'
import {silenceHints} from './silence-hints.js'
import {SourceCounters} from './source-counters.js'
import type {CanSource, SourceState, SourceStatus} from './source.js'
import {Watchdog} from './watchdog.js'

/** The few logger methods a source uses (pino's Logger has them). */
export interface SourceLog {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

const silentLog: SourceLog = {error: () => undefined, info: () => undefined, warn: () => undefined}

export interface SlcanSourceOptions {
  /** The name frames are stored under (the device path, `fd 3`). Default: the opener's description. */
  readonly name?: string
  /** Source kind recorded with the frames. Default `adapter`. */
  readonly kind?: string
  readonly opener: LinkOpener
  readonly bitrateBps: number
  readonly listenOnly: boolean
  /** `auto` probes; a family name forces it (`--firmware`). */
  readonly firmware: 'auto' | FirmwareFamily
  /** Ask for `Z1` stamps where the family has them. */
  readonly timestamps: boolean
  /** `idKey` → cycle µs, for the missed-frame estimate. */
  readonly cycleTimesUs?: ReadonlyMap<number, number>
  readonly log?: SourceLog
  /** Longest wait for the answer to `V`. Default 300 ms. */
  readonly probeTimeoutMs?: number
  /** No frame this long after opening: send the open sequence again. Default 2000 ms. */
  readonly reopenIfSilentMs?: number
  /** Watchdog threshold. Default 30 s; tests shorten it. */
  readonly watchdogSilentMs?: number
  /** The backoff ladder. Default 1 s, 2 s, 5 s, 10 s. */
  readonly reconnectDelaysMs?: readonly number[]
  /**
   * A partial batch is handed on this long after its first frame. Default 250 ms: every hand-over
   * becomes a store commit, and a commit costs DuckDB about 10 ms of CPU, so at the seed's 350
   * frames/s a 50 ms flush spends 4x the CPU of this one (docs/perf-baseline.md). A full batch is
   * handed on at once. `serve` may pass less for a livelier view.
   */
  readonly flushMs?: number
  /** `F` status poll interval for families that answer it. Default 1000 ms. */
  readonly statusPollMs?: number
  readonly clock?: HostClock
}

/** Why the current connection ended. */
type ConnectionEnd = LinkEnd | {readonly kind: 'restart'; readonly message: string} | {readonly kind: 'stop'; readonly message: string}

/** How a connection's firmware was chosen. */
export interface FirmwareChoice {
  readonly family: FirmwareFamily
  /** `probe`: from the reply to `V`; `forced`: `--firmware` or the car file; `fallback`: no usable reply. */
  readonly how: 'probe' | 'forced' | 'fallback' | 'read-only'
  /** The reply to `V`, when there was one. */
  readonly reply?: string
}

/** Everything the ingest summary adds to SourceStatus. */
export interface SlcanSourceDetails {
  readonly link: string
  readonly firmware?: FirmwareChoice
  readonly connections: number
  /** Times the open sequence was sent again because the adapter stayed silent. */
  readonly reopenSends: number
  readonly watchdogRestarts: number
  readonly parser: SlcanParserStats
}

const ZERO_STATS = (): SlcanParserStats => new SlcanParser().stats

export class SlcanAdapterSource implements CanSource {
  readonly kind: string
  readonly name: string
  private state: SourceState = 'reconnecting'
  private readonly counters: SourceCounters
  private readonly policy: ReconnectPolicy
  private readonly clock: HostClock
  private readonly log: SourceLog
  private readonly watchdog: Watchdog
  private readonly reconnectListeners: Array<() => void> = []
  private readonly abort = new AbortController()
  private running: Promise<void> | undefined

  // The current connection.
  private link: ByteLink | undefined
  private parser = new SlcanParser()
  private batch = new FrameBatch(64)
  private flushTimer: NodeJS.Timeout | undefined
  private openedAtMs = Number.NaN
  private framesAtOpen = 0
  private firmware: FirmwareChoice | undefined
  private endConnection: ((end: ConnectionEnd) => void) | undefined
  private pendingEnd: ConnectionEnd | undefined
  private lastEnd: ConnectionEnd | undefined
  private statusFlags: number | undefined
  private nextRetryMs = Number.NaN

  // Counters across connections.
  private readonly pastParserStats: SlcanParserStats = ZERO_STATS()
  private connections = 0
  private reopenSends = 0

  constructor(private readonly options: SlcanSourceOptions) {
    this.kind = options.kind ?? 'adapter'
    this.name = options.name ?? options.opener.describe
    this.log = options.log ?? silentLog
    this.clock = options.clock ?? new HostClock()
    this.policy = new ReconnectPolicy(options.reconnectDelaysMs)
    this.counters = new SourceCounters(options.cycleTimesUs ? {cycleTimesUs: options.cycleTimesUs} : {})
    this.watchdog = new Watchdog({
      restart: (silentS) => this.restartReader(silentS),
      ...(options.watchdogSilentMs === undefined ? {} : {silentAfterMs: options.watchdogSilentMs}),
      target: () => ({
        connected: this.state === 'connected',
        fps: this.counters.fps.rate(),
        framesTotal: this.counters.framesTotal,
        lastFrameAgeS: this.counters.lastFrameAgeS(),
      }),
    })
  }

  /**
   * Runs `listener` after every reconnect (not the first connection): the hook for resetting a
   * latest-value cache, since values from before the outage are no longer current.
   */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener)
  }

  batches(): AsyncIterable<FrameBatch> {
    this.start()
    return this.counters.drain()
  }

  /** Starts reading (batches() does it too). */
  start(): void {
    this.running ??= this.run()
  }

  async stop(): Promise<void> {
    if (!this.abort.signal.aborted) this.abort.abort(new Error('stopped'))
    this.finishConnection({kind: 'stop', message: 'stopped'})
    await this.running
  }

  /** Resolves when the source has ended (stopped, EOF, absent, or a fatal error). */
  async ended(): Promise<void> {
    await this.running
  }

  status(): SourceStatus {
    const c = this.counters
    const parser = this.parserStats()
    const dropped = {...c.dropped}
    const bad = parser.badLines + parser.overlongLines
    if (bad > 0) dropped.bad_line = bad
    return {
      dropped,
      fps: c.fps.rate(),
      framesTotal: c.framesTotal,
      hints: this.hints(),
      kind: this.kind,
      lastFrameAgeS: c.lastFrameAgeS(),
      missedById: c.missed.byId(),
      name: this.name,
      reconnects: this.policy.attempts,
      state: this.state,
      ...(this.statusFlags === undefined ? {} : {adapterFlags: Object.fromEntries(statusFlagNames(0xff).map((n) => [n, (this.statusFlags! & STATUS_FLAGS[n]) !== 0]))}),
    }
  }

  details(): SlcanSourceDetails {
    return {
      connections: this.connections,
      link: this.options.opener.describe,
      parser: this.parserStats(),
      reopenSends: this.reopenSends,
      watchdogRestarts: this.watchdog.restarts,
      ...(this.firmware ? {firmware: this.firmware} : {}),
    }
  }

  private parserStats(): SlcanParserStats {
    const sum = {...this.pastParserStats}
    const now = this.parser.stats
    for (const key of Object.keys(sum) as (keyof SlcanParserStats)[]) sum[key] = key === 'lastStatusFlags' ? now[key] : sum[key] + now[key]
    return sum
  }

  private hints(): string[] {
    if (this.state === 'absent') return [`the adapter is gone and ${this.options.opener.describe} cannot be reopened: plug it in again (termux-usb hands over a new descriptor)`]
    if (this.state === 'reconnecting' && this.lastEnd) {
      const inS = Math.max(0, Math.round((this.nextRetryMs - performance.now()) / 1000))
      return [`lost the adapter (${this.lastEnd.message}); trying ${this.options.opener.describe} again${Number.isNaN(inS) ? '' : ` in ${inS} s`} or as soon as it reappears`]
    }
    if (this.state !== 'connected') return []
    return silenceHints({
      bitrateBps: this.options.bitrateBps,
      framesSinceOpen: this.parser.stats.frames - this.framesAtOpen,
      lastFrameAgeS: this.counters.lastFrameAgeS(),
      listenOnly: this.options.listenOnly,
      sinceOpenS: (performance.now() - this.openedAtMs) / 1000,
    })
  }

  private async run(): Promise<void> {
    const tick = setInterval(() => this.tick(), this.options.statusPollMs ?? 1000)
    tick.unref()
    this.watchdog.start()
    let failure: Error | undefined
    try {
      while (!this.abort.signal.aborted) {
        let ended: Promise<ConnectionEnd>
        try {
          ;({ended} = await this.connect())
        } catch (error) {
          if (this.abort.signal.aborted) break
          if (error instanceof LinkGoneError) {
            this.state = 'absent'
            this.log.error({link: this.options.opener.describe}, error.message)
            break
          }
          // A refusal (unknown firmware in listen-only, a bitrate the firmware lacks) is not retried.
          if (error instanceof PitwallError) {
            failure = error
            break
          }
          this.lastEnd = {kind: 'error', message: (error as Error).message}
          this.log.warn({err: (error as Error).message, link: this.options.opener.describe}, 'cannot open the adapter')
          // No such device: nothing is attached (yet), which is `absent`, not a lost connection.
          await this.backoff((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'reconnecting')
          continue
        }
        const end = await ended
        this.closeConnection()
        this.lastEnd = end
        if (end.kind === 'stop') break
        if (end.kind === 'restart') continue
        if (end.kind === 'eof' && this.options.opener.endsAtEof) {
          this.log.info({link: this.options.opener.describe}, 'end of input')
          break
        }
        if (this.options.opener.reopenable === false) {
          // A descriptor dies with its device: nothing to wait for, whoever handed it over must send a new one.
          this.state = 'absent'
          this.log.error({detail: end.message, link: this.options.opener.describe, reason: end.kind}, 'adapter lost, and its descriptor cannot be reopened')
          break
        }
        this.log.warn({link: this.options.opener.describe, reason: end.kind, detail: end.message}, 'adapter lost')
        await this.backoff()
      }
    } finally {
      clearInterval(tick)
      this.watchdog.stop()
      this.closeConnection()
      if (this.state !== 'absent') this.state = 'stopped'
      this.counters.close(failure)
    }
  }

  /** Waits out the next step of the backoff ladder, or less when the device path reappears. */
  private async backoff(state: 'absent' | 'reconnecting' = 'reconnecting'): Promise<void> {
    this.state = state
    const delay = this.policy.next()
    this.nextRetryMs = performance.now() + delay
    this.log.warn({attempt: this.policy.attempts, inMs: delay, link: this.options.opener.describe}, 'reconnecting')
    const cancel = new AbortController()
    const signal = AbortSignal.any([cancel.signal, this.abort.signal])
    const waits: Promise<unknown>[] = [new Promise<void>((resolve) => setTimeout(resolve, delay).unref())]
    if (this.options.opener.reappeared) waits.push(this.options.opener.reappeared(signal).catch(() => new Promise(() => undefined)))
    waits.push(new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), {once: true})))
    await Promise.race(waits)
    cancel.abort()
  }

  /** Opens, probes and opens the adapter; resolves to a promise of the connection's end. */
  private async connect(): Promise<{ended: Promise<ConnectionEnd>}> {
    this.pendingEnd = undefined
    const ended = new Promise<ConnectionEnd>((resolve) => (this.endConnection = resolve))
    this.parser = new SlcanParser({onEvent: (event) => this.onEvent(event)})
    this.framesAtOpen = 0
    this.statusFlags = undefined
    const link = await this.options.opener.open({data: (chunk, ageMs) => this.onData(chunk, ageMs), end: (reason) => this.finishConnection(reason)})
    this.link = link
    try {
      this.firmware = link.writable ? await this.chooseFirmware(link) : this.readOnlyFirmware()
      if (this.pendingEnd) return {ended}
      if (link.writable) this.sendOpen(link)
    } catch (error) {
      this.closeConnection()
      throw error
    }
    if (this.connections > 0) {
      this.counters.missed.reset()
      for (const listener of this.reconnectListeners) listener()
      this.log.info({attempts: this.policy.attempts, link: this.options.opener.describe}, 'adapter reconnected')
    }
    this.connections++
    this.openedAtMs = performance.now()
    this.framesAtOpen = this.parser.stats.frames
    this.state = 'connected'
    if (link.writable) this.scheduleReopen(link)
    return {ended}
  }

  private readOnlyFirmware(): FirmwareChoice {
    // A pipe or a file: nothing can be sent, the stream is parsed as it comes.
    return {family: this.options.firmware === 'auto' ? 'canable-stock' : this.options.firmware, how: 'read-only'}
  }

  private async chooseFirmware(link: ByteLink): Promise<FirmwareChoice> {
    if (this.options.firmware !== 'auto') return {family: this.options.firmware, how: 'forced'}
    const reply = await this.probe(link)
    // The link ended during the probe: no verdict, the connection is over anyway.
    if (this.pendingEnd) return {family: identifyFirmware(reply), how: 'fallback'}
    const known = reply !== undefined && recognised(reply)
    const family = identifyFirmware(reply)
    if (known) {
      this.log.info({family, link: this.options.opener.describe, reply}, 'adapter firmware identified')
      return {family, how: 'probe', reply: reply!}
    }
    const heard = reply === undefined ? `no answer to V within ${this.options.probeTimeoutMs ?? 300} ms` : `an answer to V that names no known firmware (${JSON.stringify(reply)})`
    if (this.options.listenOnly) {
      throw new UsageError(`the adapter on ${this.options.opener.describe} did not identify its firmware (${heard}); listen-only needs the firmware's own command (M1, L or OS), and a wrong guess could put the adapter on the bus acknowledging frames`, {
        code: 'PW_SLCAN_FIRMWARE_UNKNOWN',
        suggestions: ['name the firmware: --firmware canable-stock (normaldotcom canable-fw/canable2-fw), lawicel, or canable-2.5', 'or set adapter.firmware in the car file'],
      })
    }
    this.log.warn({family, link: this.options.opener.describe, reply}, `firmware not identified (${heard}); using the stock CANable commands`)
    return {family, how: 'fallback', ...(reply === undefined ? {} : {reply})}
  }

  /** Sends the probe and waits at most probeTimeoutMs for the reply to `V`. */
  private probe(link: ByteLink): Promise<string | undefined> {
    return new Promise((resolve) => {
      let nacked = false
      const finish = (reply: string | undefined): void => {
        clearTimeout(timer)
        this.probeListener = undefined
        this.probeFinish = undefined
        resolve(reply)
      }
      this.probeFinish = () => finish(undefined)
      this.probeListener = (event) => {
        const text = versionReplyOf(event)
        if (text !== undefined) finish(text)
        else if (event.kind === 'nack') nacked = true
      }
      // A BEL and nothing else can only come from a firmware that acknowledges (Lawicel).
      const timer = setTimeout(() => finish(nacked ? '\x07' : undefined), this.options.probeTimeoutMs ?? 300)
      for (const command of PROBE_SEQUENCE) link.write(command)
    })
  }

  private probeListener: ((event: SlcanEvent) => void) | undefined
  /** Ends a running probe at once (the link went away meanwhile). */
  private probeFinish: (() => void) | undefined

  private sendOpen(link: ByteLink): void {
    const sequence = openSequence(this.firmware!.family, {bitrateBps: this.options.bitrateBps, listenOnly: this.options.listenOnly, timestamps: this.options.timestamps})
    for (const command of sequence) link.write(command)
    this.log.info({family: this.firmware!.family, link: this.options.opener.describe, sent: sequence.join('').replaceAll('\r', ' ').trim()}, 'adapter opened')
  }

  private reopenTimer: NodeJS.Timeout | undefined

  /** No frame within reopenIfSilentMs of opening: a reset adapter forgot the open; send it once more. */
  private scheduleReopen(link: ByteLink): void {
    clearTimeout(this.reopenTimer)
    this.reopenTimer = setTimeout(() => {
      if (this.link !== link || this.parser.stats.frames > this.framesAtOpen) return
      this.reopenSends++
      this.log.warn({link: this.options.opener.describe, silentMs: this.options.reopenIfSilentMs ?? 2000}, 'no frame since opening: sending the open sequence again')
      this.sendOpen(link)
    }, this.options.reopenIfSilentMs ?? 2000)
    this.reopenTimer.unref()
  }

  private onData(chunk: Uint8Array, ageMs = 0): void {
    // Stamped when read: a reader thread may hand bytes over a little later.
    const hostUs = Math.round(this.clock.nowUs() - ageMs * 1000)
    const before = this.parser.stats.frames
    let offset = 0
    while (offset < chunk.length) {
      offset = this.parser.feed(chunk, hostUs, this.batch, offset)
      if (this.batch.full) this.flush()
    }
    if (this.parser.stats.frames !== before) {
      this.counters.sawFrames()
      this.policy.succeeded()
    }
    if (this.batch.length > 0 && this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.flush(), this.options.flushMs ?? 250)
    }
  }

  private onEvent(event: SlcanEvent): void {
    this.probeListener?.(event)
    if (event.kind === 'status') {
      this.statusFlags = event.flags
      // The adapter lost frames it could not hand on: we learn that it happened, not how many.
      if (event.flags & (STATUS_FLAGS.rxFifoFull | STATUS_FLAGS.dataOverrun)) this.counters.drop('adapter_overflow')
    } else if (event.kind === 'bus-error' && event.errors.includes('rx-overrun')) {
      this.counters.drop('adapter_overflow')
    }
  }

  private flush(): void {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.batch.length === 0) return
    const full = this.batch
    this.batch = new FrameBatch(this.nextCapacity(full))
    this.counters.deliver(full, this.clock.nowUs())
  }

  /**
   * The size of the next batch: about twice what the last flush held, a power of two from 64 to
   * MAX_BATCH_FRAMES. A batch is handed over (its buffers transferred to the store) so it cannot be
   * reused; at the seed's 350 frames/s a full-size batch per flush would allocate and zero 170 KB
   * every 50 ms for a dozen frames.
   */
  private nextCapacity(last: FrameBatch): number {
    let capacity = 64
    while (capacity < last.length * 2 && capacity < MAX_BATCH_FRAMES) capacity *= 2
    return capacity
  }

  /** Once a second: the wall-clock check and the `F` status poll. */
  private tick(): void {
    const jump = this.clock.check()
    if (jump) this.log.warn({...jump}, jump.applied ? 'wall clock jumped forward: followed' : 'wall clock jumped backwards: ignored (stamps stay monotonic)')
    const link = this.link
    if (link?.writable && this.state === 'connected' && this.firmware && FIRMWARE[this.firmware.family].statusFlags) link.write('F\r')
  }

  /** The watchdog fired: restart the reader (reopen the link, or re-send the open sequence when it cannot be reopened). */
  private restartReader(silentS: number): void {
    this.log.error({link: this.options.opener.describe, silentS: Math.round(silentS)}, 'no frame for too long from a source that was carrying traffic: restarting its reader')
    const link = this.link
    if (!link) return
    if (this.options.opener.reopenable === false) {
      if (link.writable) {
        this.reopenSends++
        this.sendOpen(link)
      }
      return
    }
    this.finishConnection({kind: 'restart', message: 'watchdog restart'})
  }

  private finishConnection(end: ConnectionEnd): void {
    if (this.pendingEnd) return
    this.pendingEnd = end
    this.probeFinish?.()
    this.endConnection?.(end)
  }

  private closeConnection(): void {
    clearTimeout(this.reopenTimer)
    const link = this.link
    this.link = undefined
    if (link) {
      if (this.parser.stats.frames > 0 || this.batch.length > 0) {
        this.parser.finish(this.clock.nowUs(), this.batch)
      }
      this.flush()
      void link.close().catch(() => undefined)
    }
    const stats = this.parser.stats
    for (const key of Object.keys(stats) as (keyof SlcanParserStats)[]) {
      if (key !== 'lastStatusFlags') this.pastParserStats[key] += stats[key]
    }
    this.parser = new SlcanParser({onEvent: (event) => this.onEvent(event)})
  }
}

/** A `V` reply we can name: a Lawicel/2.5 version line, a BEL, or the stock git line. */
function recognised(reply: string): boolean {
  if (reply === '\x07' || /^V[0-9A-Za-z]{4}$/.test(reply) || reply.startsWith('+')) return true
  return /canable/i.test(reply) || /^[0-9a-f]{7,40}(-dirty)? \S+/.test(reply)
}
