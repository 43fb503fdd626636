import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'

import {readCanLog} from '../../../src/lib/can/log/index.js'

describe('readCanLog on a live stream', () => {
  it('hands on what each read brought, without waiting for a full batch or the end', async () => {
    const stream = new PassThrough()
    const {batches, format} = readCanLog(stream, {live: true})
    const iterator = batches[Symbol.asyncIterator]()
    stream.write('(1700000000.000001) can0 420#0102030405060708\n(1700000000.000002) can0 421#01\n')
    const first = await iterator.next()
    expect(await format).toBe('candump')
    expect(first.value?.length).toBe(2)
    stream.write('(1700000000.000003) can0 422#02\n')
    expect((await iterator.next()).value?.frame(0).id).toBe(0x422)
    stream.end()
    expect((await iterator.next()).done).toBe(true)
  })
})
