import fc from 'fast-check'

import {FD_LENGTHS, type FrameInit} from '../../../src/lib/can/index.js'

/** Any stamp candump can print: epoch (1991..2100) or relative (-tz), with or without sub-µs. */
export const timestamp = fc.record({
  subMicroNs: fc.oneof(fc.constant(0), fc.integer({max: 999, min: 0})),
  timestampUs: fc.oneof(fc.integer({max: 4_102_444_800_000_000, min: 662_688_000_000_000}), fc.integer({max: 662_687_999_999_999, min: 0})),
})

const bytes = (min: number, max: number) => fc.uint8Array({maxLength: max, minLength: min})
const stdId = fc.integer({max: 0x7ff, min: 0})
const extId = fc.integer({max: 0x1fff_ffff, min: 0})
const direction = fc.constantFrom(undefined, 'rx' as const, 'tx' as const)
const channel = fc.constantFrom('can0', 'vcan1', 'can10', 'slcan0', 'x', 'a_long-interface')

/** A classic data frame, 11- or 29-bit, raw DLC 9..15 only on 8 bytes. */
const classic = fc
  .record({data: bytes(0, 8), extended: fc.boolean(), id: stdId, idExt: extId, raw: fc.integer({max: 15, min: 9}), useRaw: fc.boolean()})
  .map(({data, extended, id, idExt, raw, useRaw}): FrameInit => ({
    data,
    extended,
    id: extended ? idExt : id,
    ...(data.length === 8 && useRaw ? {rawDlc: raw} : {}),
  }))

/** A remote request with its length (0..8) and, at 8, maybe a raw DLC. */
const remote = fc
  .record({extended: fc.boolean(), id: stdId, idExt: extId, length: fc.integer({max: 8, min: 0}), raw: fc.integer({max: 15, min: 9}), useRaw: fc.boolean()})
  .map(({extended, id, idExt, length, raw, useRaw}): FrameInit => ({
    extended,
    id: extended ? idExt : id,
    length,
    remote: true,
    ...(length === 8 && useRaw ? {rawDlc: raw} : {}),
  }))

/** A CAN FD frame of a valid length, BRS and ESI either way. */
const fd = fc
  .record({brs: fc.boolean(), esi: fc.boolean(), extended: fc.boolean(), id: stdId, idExt: extId, length: fc.constantFrom(...FD_LENGTHS), seed: bytes(64, 64)})
  .map(({brs, esi, extended, id, idExt, length, seed}): FrameInit => ({brs, data: seed.slice(0, length), esi, extended, fd: true, id: extended ? idExt : id}))

/** An error frame: class bits in the id, up to 8 data bytes. */
const error = fc.record({data: bytes(0, 8), id: extId}).map(({data, id}): FrameInit => ({data, error: true, id}))

/** Any frame candump -l can carry. */
export const candumpFrame = fc
  .record({body: fc.oneof(classic, remote, fd, error), channel, direction, stamp: timestamp})
  .map(({body, channel, direction, stamp}): FrameInit => ({...body, ...stamp, channel, ...(direction ? {direction} : {})}))
