import type {Car} from '../car/model.js'
import type {FrameBatch} from '../can/frame.js'
import type {SampleBatch} from '../decode/index.js'
import type {ArchiveFormat, ArchiveOutcome} from './archive-types.js'
import type {LiveStore} from './live-store.js'
import type {SessionInfo} from './types.js'

export interface SessionManagerOptions {
  /** End the session after this long without frames. Default 30 minutes. */
  readonly idleEndMs?: number
  /** Run-sheet values (`--meta key=value`). */
  readonly runSheet?: Readonly<Record<string, string>>
  /**
   * Archive each session as soon as it has ended (`pitwall archive`, in this format). A failed
   * archive is recorded in `ended` and the session simply stays in the live DB.
   */
  readonly autoArchive?: ArchiveFormat
  /**
   * Runs before a session ends (on request, when its sources stop, or idle), while it is still
   * the live one: the live path stores the open lap here, so every way a session ends keeps it.
   */
  readonly beforeEnd?: (session: SessionInfo) => Promise<void>
}

/**
 * The process's live session: created on the first frames, fed by every source (told apart by
 * source id), ended on request, when its sources stop, or after `idleEndMs` without frames;
 * frames after an idle end open a new session.
 */
export class SessionManager {
  private current: SessionInfo | undefined
  private opening: Promise<SessionInfo> | undefined
  private readonly sourceIds = new Map<string, number>()
  private idleTimer: NodeJS.Timeout | undefined
  private ending: Promise<void> | undefined
  /** Sessions this process ended, in order. */
  readonly ended: Array<{id: string; reason: string; archive?: ArchiveOutcome; archiveError?: string}> = []

  constructor(
    private readonly store: LiveStore,
    private readonly car: Car,
    private readonly options: SessionManagerOptions = {},
  ) {}

  get session(): SessionInfo | undefined {
    return this.current
  }

  /** The live session, opened if there is none. */
  async ensure(): Promise<SessionInfo> {
    if (this.current) return this.current
    this.opening ??= this.store
      .startSession({
        carHash: this.car.contentHash,
        carFile: this.car.file,
        carId: this.car.id,
        channels: this.car.channels.map((c) => ({
          kind: c.kind,
          name: c.name,
          unit: c.unit,
          ...(c.source ? {message: c.source.message.name, signal: c.source.signal.name} : {}),
        })),
        dbcText: this.car.dbc.text,
        ...(this.car.yamlText === undefined ? {} : {yamlText: this.car.yamlText}),
        ...(this.options.runSheet ? {runSheet: this.options.runSheet} : {}),
      })
      .then((info) => {
        this.current = info
        this.sourceIds.clear()
        return info
      })
      .finally(() => {
        this.opening = undefined
      })
    return this.opening
  }

  /** The source id of `kind:name` in the live session, registered on first use. */
  async source(kind: string, name: string): Promise<number> {
    const session = await this.ensure()
    const key = `${kind}:${name}`
    let id = this.sourceIds.get(key)
    if (id === undefined) {
      id = await this.store.addSource(session.key, kind, name)
      this.sourceIds.set(key, id)
    }
    return id
  }

  /** Hands frames and their samples to the store for the live session. False when dropped. */
  async append(kind: string, name: string, frames: FrameBatch, samples?: SampleBatch): Promise<boolean> {
    const sourceId = await this.source(kind, name)
    this.touch()
    return this.store.append(this.current!.key, sourceId, frames, samples)
  }

  /** Ends the live session, if any. */
  async end(reason: string): Promise<void> {
    // One end at a time (an idle end and a shutdown can meet): the second waits for the first.
    this.ending ??= this.endNow(reason).finally(() => (this.ending = undefined))
    return this.ending
  }

  private async endNow(reason: string): Promise<void> {
    clearTimeout(this.idleTimer)
    if (this.opening) await this.opening
    const session = this.current
    if (!session) return
    await this.options.beforeEnd?.(session)
    // Frames that came in meanwhile belong to this session: it ends now all the same.
    clearTimeout(this.idleTimer)
    this.current = undefined
    await this.store.endSession(session.key, reason)
    const entry: (typeof this.ended)[number] = {id: session.id, reason}
    this.ended.push(entry)
    if (this.options.autoArchive) {
      try {
        entry.archive = await this.store.archive(session.id, {format: this.options.autoArchive})
      } catch (error) {
        entry.archiveError = error instanceof Error ? error.message : String(error)
      }
    }
  }

  private touch(): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => void this.end('idle').catch(() => undefined), this.options.idleEndMs ?? 30 * 60_000)
    this.idleTimer.unref()
  }
}
