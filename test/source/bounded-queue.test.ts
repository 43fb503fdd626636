import {createSocket} from 'node:dgram'
import {describe, expect, it} from 'vitest'

import {BoundedQueue, UdpPointSource} from '../../src/lib/source/index.js'
import {e46} from '../sim/helpers.js'

describe('BoundedQueue', () => {
  it('refuses items past its bound, hands each refused one to onOverflow, and drains the rest in order', async () => {
    const refused: number[] = []
    const queue = new BoundedQueue<number>({maxItems: 3, onOverflow: (n) => refused.push(n)})
    expect([1, 2, 3, 4, 5].map((n) => queue.push(n))).toEqual([true, true, true, false, false])
    expect(refused).toEqual([4, 5])
    expect(queue.length).toBe(3)
    queue.close()
    const drained: number[] = []
    for await (const n of queue.drain()) drained.push(n)
    expect(drained).toEqual([1, 2, 3])
  })

  it('wakes a waiting consumer, and throws the failure it was closed with after the queued items', async () => {
    const queue = new BoundedQueue<string>()
    const drained: string[] = []
    const consuming = (async () => {
      for await (const item of queue.drain()) drained.push(item)
    })()
    await new Promise((r) => setTimeout(r, 10))
    queue.push('a')
    queue.push('b')
    queue.close(new Error('adapter refused'))
    await expect(consuming).rejects.toThrow('adapter refused')
    expect(drained).toEqual(['a', 'b'])
  })
})

describe('a source whose consumer falls behind', () => {
  it('UDP points past the queue bound are dropped and counted as queue_full, in points', async () => {
    const udp = new UdpPointSource({car: await e46(), flushMs: 5, maxQueuedBatches: 1, port: 0})
    const port = await udp.listen()
    const socket = createSocket('udp4')
    const send = (rpm: number): Promise<void> => new Promise((done) => socket.send(JSON.stringify({meta_time: '2026-01-01T00:00:00Z', rpm}), port, '127.0.0.1', () => done()))
    // Nobody drains: the first batch waits in the queue, the next ones find it full.
    for (const [k, rpm] of [1000, 2000, 3000].entries()) {
      await send(rpm)
      for (let i = 0; i < 400 && udp.status().framesTotal < k + 1; i++) await new Promise((r) => setTimeout(r, 5))
      await new Promise((r) => setTimeout(r, 30))
    }
    socket.close()
    await udp.stop()
    const status = udp.status()
    expect(status.framesTotal).toBe(3)
    expect(status.dropped.queue_full).toBe(2)
    const kept: number[] = []
    for await (const samples of udp.batches()) kept.push(...Array.from(samples.value.subarray(0, samples.length)))
    expect(kept).toEqual([1000])
  })
})
