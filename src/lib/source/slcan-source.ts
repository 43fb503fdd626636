/**
 * An slcan adapter as a CanSource, over any byte link (serial port, pty, descriptor, USB pump).
 * The parts, each in its own file:
 *
 * - firmware-probe.ts: `C` `V`, at most `probeTimeoutMs` (300 ms) for the reply, the family;
 * - slcan-connection.ts: one connection: the open sequence for the bus's bitrate and listen-only
 *   setting, sent once more when no frame comes within 2 s; parsing; the `F` flags;
 * - connection-loop.ts: reconnecting with the backoff ladder when the link ends, `absent` for a
 *   descriptor that cannot be reopened, `stopped` at EOF of a pipe or a file;
 * - frame-accumulator.ts: frames gathered into batches, handed on full or after `flushMs`;
 * - here: the status, the watchdog, the once-a-second clock check and `F` poll, and the bounded
 *   queue to the consumer.
 *
 * Frames are stamped by the host clock unless the adapter sends `Z1` stamps.
 */
import type {FrameBatch} from '../can/frame.js'
import {type FirmwareChoice, type SlcanParserStats, STATUS_FLAGS, statusFlagNames} from '../can/slcan/index.js'
import {BoundedQueue} from './bounded-queue.js'
import type {LinkOpener} from './byte-link.js'
import {ConnectionLoop} from './connection-loop.js'
import type {ChosenFirmware} from './firmware-probe.js'
import {FrameAccumulator} from './frame-accumulator.js'
import {HostClock} from './host-clock.js'
import {silenceHints} from './silence-hints.js'
import {SourceCounters} from './source-counters.js'
import {type CanSource, type SourceLog, type SourceStatus, silentLog} from './source.js'
import {Watchdog} from './watchdog.js'

export interface SlcanSourceOptions {
  /** The name frames are stored under (the device path, `fd 3`). Default: the opener's description. */
  readonly name?: string
  /** Source kind recorded with the frames. Default `adapter`. */
  readonly kind?: string
  readonly opener: LinkOpener
  readonly bitrateBps: number
  readonly listenOnly: boolean
  /** `auto` probes; a family name forces it (`--firmware`). */
  readonly firmware: FirmwareChoice
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
   * A partial batch is handed on this long after its first frame. Default 250 ms (see
   * frame-accumulator.ts); a full batch is handed on at once. `serve` may pass less for a livelier view.
   */
  readonly flushMs?: number
  /** `F` status poll interval for families that answer it. Default 1000 ms. */
  readonly statusPollMs?: number
  /** Batches waiting for the consumer before new ones are dropped (`queue_full`). Default 256. */
  readonly maxQueuedBatches?: number
  readonly clock?: HostClock
}

/** Everything the ingest summary adds to SourceStatus. */
export interface SlcanSourceDetails {
  readonly link: string
  readonly firmware?: ChosenFirmware
  readonly connections: number
  /** Times the open sequence was sent again because the adapter stayed silent. */
  readonly reopenSends: number
  readonly watchdogRestarts: number
  readonly parser: SlcanParserStats
}

export class SlcanAdapterSource implements CanSource {
  readonly kind: string
  readonly name: string
  private readonly counters: SourceCounters
  private readonly queue: BoundedQueue<FrameBatch>
  private readonly loop: ConnectionLoop
  private readonly clock: HostClock
  private readonly log: SourceLog
  private readonly watchdog: Watchdog
  private readonly reconnectListeners: Array<() => void> = []
  private readonly abort = new AbortController()
  private running: Promise<void> | undefined

  constructor(private readonly options: SlcanSourceOptions) {
    this.kind = options.kind ?? 'adapter'
    this.name = options.name ?? options.opener.describe
    this.log = options.log ?? silentLog
    this.clock = options.clock ?? new HostClock()
    const counters = new SourceCounters({state: 'reconnecting', ...(options.cycleTimesUs ? {cycleTimesUs: options.cycleTimesUs} : {})})
    this.counters = counters
    this.queue = new BoundedQueue<FrameBatch>({maxItems: options.maxQueuedBatches ?? 256, onOverflow: (batch) => counters.drop('queue_full', batch.length)})
    const accumulator = new FrameAccumulator({
      deliver: (batch) => {
        if (counters.admit(batch, this.clock.nowUs())) this.queue.push(batch)
      },
      ...(options.flushMs === undefined ? {} : {flushMs: options.flushMs}),
    })
    this.loop = new ConnectionLoop({
      counters,
      hooks: {accumulator, adapterOverflow: () => counters.drop('adapter_overflow'), clock: this.clock, framesArrived: () => counters.sawFrames()},
      reconnected: () => this.reconnectListeners.forEach((listener) => listener()),
      settings: {...options, log: this.log},
      ...(options.reconnectDelaysMs ? {reconnectDelaysMs: options.reconnectDelaysMs} : {}),
    })
    this.watchdog = new Watchdog({
      restart: (silentS) => this.restartReader(silentS),
      ...(options.watchdogSilentMs === undefined ? {} : {silentAfterMs: options.watchdogSilentMs}),
      target: () => ({connected: counters.state === 'connected', fps: counters.fps.rate(), framesTotal: counters.framesTotal, lastFrameAgeS: counters.lastFrameAgeS()}),
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
    return this.queue.drain()
  }

  /** Starts reading (batches() does it too). */
  start(): void {
    this.running ??= this.run()
  }

  async stop(): Promise<void> {
    if (!this.abort.signal.aborted) this.abort.abort(new Error('stopped'))
    this.loop.current?.finish({kind: 'stop', message: 'stopped'})
    await this.running
  }

  /** Resolves when the source has ended (stopped, EOF, absent, or a fatal error). */
  async ended(): Promise<void> {
    await this.running
  }

  status(): SourceStatus {
    const parser = this.loop.parserStats()
    const bad = parser.badLines + parser.overlongLines
    const flags = this.loop.latest?.statusFlags
    return this.counters.status(this, {
      hints: this.hints(),
      reconnects: this.loop.policy.attempts,
      ...(bad > 0 ? {dropped: {bad_line: bad}} : {}),
      ...(flags === undefined ? {} : {adapterFlags: Object.fromEntries(statusFlagNames(0xff).map((n) => [n, (flags & STATUS_FLAGS[n]) !== 0]))}),
    })
  }

  details(): SlcanSourceDetails {
    return {
      connections: this.loop.connections,
      link: this.options.opener.describe,
      parser: this.loop.parserStats(),
      reopenSends: this.loop.reopenSends,
      watchdogRestarts: this.watchdog.restarts,
      ...(this.loop.firmware ? {firmware: this.loop.firmware} : {}),
    }
  }

  private hints(): string[] {
    const {state} = this.counters
    const describe = this.options.opener.describe
    if (state === 'absent') return [`the adapter is gone and ${describe} cannot be reopened: plug it in again (termux-usb hands over a new descriptor)`]
    const {lastEnd} = this.loop
    if (state === 'reconnecting' && lastEnd) {
      const inS = Math.max(0, Math.round((this.loop.nextRetryMs - performance.now()) / 1000))
      return [`lost the adapter (${lastEnd.message}); trying ${describe} again${Number.isNaN(inS) ? '' : ` in ${inS} s`} or as soon as it reappears`]
    }
    const connection = this.loop.current
    if (state !== 'connected' || !connection) return []
    return silenceHints({
      bitrateBps: this.options.bitrateBps,
      framesSinceOpen: connection.framesSinceOpen,
      lastFrameAgeS: this.counters.lastFrameAgeS(),
      listenOnly: this.options.listenOnly,
      sinceOpenS: (performance.now() - connection.openedAtMs) / 1000,
    })
  }

  private async run(): Promise<void> {
    const tick = setInterval(() => this.tick(), this.options.statusPollMs ?? 1000)
    tick.unref()
    this.watchdog.start()
    let failure: Error | undefined
    try {
      failure = await this.loop.run(this.abort.signal)
    } finally {
      clearInterval(tick)
      this.watchdog.stop()
      if (this.counters.state !== 'absent') this.counters.state = 'stopped'
      this.queue.close(failure)
    }
  }

  /** Once a second: the wall-clock check and the `F` status poll. */
  private tick(): void {
    const jump = this.clock.check()
    if (jump) this.log.warn({...jump}, jump.applied ? 'wall clock jumped forward: followed' : 'wall clock jumped backwards: ignored (stamps stay monotonic)')
    if (this.counters.state === 'connected') this.loop.current?.pollStatus()
  }

  /** The watchdog fired: restart the reader (reopen the link, or re-send the open sequence when it cannot be reopened). */
  private restartReader(silentS: number): void {
    this.log.error({link: this.options.opener.describe, silentS: Math.round(silentS)}, 'no frame for too long from a source that was carrying traffic: restarting its reader')
    this.loop.restart()
  }
}
