import {PassThrough, Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {describe, expect, it} from 'vitest'

import type {FrameBatch} from '../../../src/lib/can/frame.js'
import {SlcanDecoderStream} from '../../../src/lib/can/slcan/stream.js'
import type {SlcanEvent} from '../../../src/lib/can/slcan/reply-line.js'
import {brief} from './helpers.js'

async function collect(stream: SlcanDecoderStream, chunks: readonly (string | Buffer)[]): Promise<FrameBatch[]> {
  const batches: FrameBatch[] = []
  stream.on('data', (batch: FrameBatch) => batches.push(batch))
  await pipeline(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c))), stream)
  return batches
}

describe('SlcanDecoderStream', () => {
  it('pipes bytes in and FrameBatches out: full batches at once, the rest at the end, nothing lost', async () => {
    const lines = Array.from({length: 10}, (_, i) => `t${(0x420 + i).toString(16).toUpperCase()}1${i.toString(16).padStart(2, '0').toUpperCase()}\r`).join('')
    const events: SlcanEvent[] = []
    let now = 1_000_000
    const stream = new SlcanDecoderStream({capacity: 4, now: () => (now += 10), onEvent: (event) => events.push(event)})
    const batches = await collect(stream, [lines.slice(0, 17), lines.slice(17), 'z\rt4561FF'])
    expect(batches.map((b) => b.length)).toEqual([4, 4, 3])
    expect(batches.flatMap((b) => b.frames()).map(brief).at(-1)).toBe('std data 456 [1] FF')
    expect(batches.flatMap((b) => b.frames()).map((f) => f.id)).toEqual([...Array.from({length: 10}, (_, i) => 0x420 + i), 0x456])
    expect(events).toEqual([{extended: false, kind: 'tx-ack'}])
    expect(stream.parser.stats.frames).toBe(11)
  })

  it('pushes a partial batch after flushMs on a quiet bus', async () => {
    const input = new PassThrough()
    const stream = new SlcanDecoderStream({flushMs: 5})
    input.pipe(stream)
    const first = new Promise<FrameBatch>((resolve) => stream.once('data', resolve))
    input.write(Buffer.from('t1230\rt1241AA\r'))
    const batch = await first
    expect(batch.frames().map(brief)).toEqual(['std data 123 [0]', 'std data 124 [1] AA'])
    input.end()
    await new Promise((resolve) => stream.on('end', resolve).resume())
  })

  it('stamps frames with the injected host clock', async () => {
    const stream = new SlcanDecoderStream({now: () => 42_000_000})
    const [batch] = await collect(stream, ['t1230\r'])
    expect(batch!.timestampUs[0]).toBe(42_000_000)
  })
})
