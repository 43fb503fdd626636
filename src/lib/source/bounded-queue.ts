/**
 * The queue between a reader (bytes or datagrams arriving on their own schedule) and the consumer
 * that stores what it reads. It is bounded: a consumer that falls too far behind (a store stuck on
 * a full disk) must not make the reader grow memory until the phone kills the process. Past the
 * bound the newest item is refused and handed to `onOverflow`, where its source counts it as a
 * `queue_full` drop: lost, but counted and reported.
 */
export interface BoundedQueueOptions<T> {
  /** Items waiting for the consumer before new ones are refused. Default 256. */
  readonly maxItems?: number
  /** Called with each refused item (the source counts it). */
  readonly onOverflow?: (item: T) => void
}

export class BoundedQueue<T> {
  private readonly items: T[] = []
  private readonly maxItems: number
  private wake: (() => void) | undefined
  private closed = false
  private failure: Error | undefined

  constructor(private readonly options: BoundedQueueOptions<T> = {}) {
    this.maxItems = options.maxItems ?? 256
  }

  /** Items waiting. */
  get length(): number {
    return this.items.length
  }

  /** Queues `item`; false when it was refused (full: `onOverflow` got it). */
  push(item: T): boolean {
    if (this.items.length >= this.maxItems) {
      this.options.onOverflow?.(item)
      return false
    }
    this.items.push(item)
    this.wake?.()
    return true
  }

  /** No more items; `failure` is thrown to the consumer after the queued ones. */
  close(failure?: Error): void {
    this.closed = true
    this.failure ??= failure
    this.wake?.()
  }

  /** The consumer's side: every queued item, in order, until closed. One consumer at a time. */
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift()!
        continue
      }
      if (this.closed) {
        if (this.failure) throw this.failure
        return
      }
      await new Promise<void>((resolve) => (this.wake = resolve))
      this.wake = undefined
    }
  }
}
