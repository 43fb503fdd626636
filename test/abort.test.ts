import {describe, expect, it} from 'vitest'

import {onAbort, sleep} from '../src/lib/abort.js'

describe('onAbort', () => {
  it('runs once when the signal aborts, with its reason', () => {
    const abort = new AbortController()
    const reasons: unknown[] = []
    onAbort(abort.signal, (reason) => reasons.push(reason))
    abort.abort('stop')
    abort.abort('again')
    expect(reasons).toEqual(['stop'])
  })

  it('runs at once for a signal that has already aborted (a bare addEventListener never would)', () => {
    const reasons: unknown[] = []
    onAbort(AbortSignal.abort('early'), (reason) => reasons.push(reason))
    expect(reasons).toEqual(['early'])
  })

  it('runs nothing once disposed, or without a signal', () => {
    const abort = new AbortController()
    let runs = 0
    onAbort(abort.signal, () => runs++).dispose()
    onAbort(undefined, () => runs++).dispose()
    abort.abort()
    expect(runs).toBe(0)
  })
})

describe('sleep', () => {
  it('is cut short by an abort, and returns at once for an aborted signal', async () => {
    const abort = new AbortController()
    const started = performance.now()
    setTimeout(() => abort.abort(), 20)
    await sleep(60_000, abort.signal)
    await sleep(60_000, abort.signal)
    // A liveness bound: far below the minute it would otherwise wait.
    expect(performance.now() - started).toBeLessThan(30_000)
  })

  it('waits the time without a signal', async () => {
    const started = performance.now()
    await sleep(30)
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
  })
})
