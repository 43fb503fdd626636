/**
 * The `--to` grammar, shared by `simulate` and `replay`: where frames go.
 *
 * | spec | meaning |
 * |---|---|
 * | `stdout` | candump `-l` lines on standard output |
 * | `candump:FILE` | a candump `-l` log file |
 * | `slcan:PATH` | act as a CANable on an existing tty (a pty end, a serial gadget) |
 * | `slcan:pty:LINK` | create a pty pair with socat, link one end at LINK, act as the CANable on the other |
 * | `udp://HOST:PORT` | JSON telemetry points (seed 001's shape), one per datagram |
 * | `db` | the live DB (`<data-dir>/pitwall.duckdb`), one session |
 * | `bridge` / `bridge:URL` | a running `pitwall serve` (POST /api/frames); the URL defaults to serve.json's |
 */
import {UsageError} from '../errors.js'

export type SinkSpec =
  | {readonly kind: 'stdout'}
  | {readonly kind: 'candump'; readonly path: string}
  | {readonly kind: 'slcan'; readonly path: string}
  | {readonly kind: 'slcan-pty'; readonly link: string}
  | {readonly kind: 'udp'; readonly host: string; readonly port: number}
  | {readonly kind: 'db'}
  | {readonly kind: 'bridge'; readonly url?: string}

export type SinkKind = SinkSpec['kind']

/** Sinks that are files (or a pipe, or the bridge, which answers once it has committed): they may run unpaced (`--speed max`). */
export const FILE_SINKS: ReadonlySet<SinkKind> = new Set(['stdout', 'candump', 'db', 'bridge'])

const EXAMPLES = ['--to stdout', '--to candump:session.log', '--to slcan:pty:/tmp/canable', '--to udp://127.0.0.1:20777', '--to db']

export function parseSinkSpec(text: string): SinkSpec {
  const bad = (why: string): UsageError => new UsageError(`--to ${text}: ${why}`, {code: 'PW_BAD_TARGET', suggestions: EXAMPLES})
  if (text === 'stdout') return {kind: 'stdout'}
  if (text === 'db') return {kind: 'db'}
  if (text === 'bridge') return {kind: 'bridge'}
  if (text.startsWith('bridge:')) return {kind: 'bridge', url: text.slice(7)}
  if (text.startsWith('candump:')) {
    if (text.length === 8) throw bad('name the file: candump:FILE')
    return {kind: 'candump', path: text.slice(8)}
  }
  if (text.startsWith('slcan:pty:')) {
    if (text.length === 10) throw bad('name the link: slcan:pty:LINK')
    return {kind: 'slcan-pty', link: text.slice(10)}
  }
  if (text.startsWith('slcan:')) {
    if (text.length === 6) throw bad('name the tty: slcan:PATH')
    return {kind: 'slcan', path: text.slice(6)}
  }
  if (text.startsWith('udp://')) {
    const m = /^udp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(text)
    const port = m ? Number(m[2]) : Number.NaN
    if (!m || !(port > 0 && port < 65536)) throw bad('write udp://HOST:PORT with a port from 1 to 65535')
    return {host: m[1]!.replace(/^\[|\]$/g, ''), kind: 'udp', port}
  }
  throw bad('give stdout, candump:FILE, slcan:PATH, slcan:pty:LINK, udp://HOST:PORT, db or bridge[:URL]')
}
