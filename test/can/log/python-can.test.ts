import {execFileSync, spawnSync} from 'node:child_process'
import path from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {FrameBatch} from '../../../src/lib/can/index.js'
import {AscWriter, CandumpWriter} from '../../../src/lib/can/log/index.js'
import {hex, readAll, tempDir} from './helpers.js'

/**
 * Logs written by python-can (an independent implementation), read back. /usr/bin/python3 must
 * have python-can (Debian: apt-get install python3-can): without it these tests fail, on purpose.
 */
const PYTHON = '/usr/bin/python3'

interface PyFrame {
  t: string
  id: number
  ext: boolean
  remote: boolean
  error: boolean
  fd: boolean
  brs: boolean
  esi: boolean
  dlc: number
  data: string
  channel: string
  rx: boolean
}

const WRITE = `
import json, sys, can
spec = json.load(sys.stdin)
for writer in (can.CanutilsLogWriter(spec['log']), can.ASCWriter(spec['asc'])):
    for f in spec['frames']:
        writer.on_message_received(can.Message(
            timestamp=float(f['t']), arbitration_id=f['id'], is_extended_id=f['ext'],
            is_remote_frame=f['remote'], is_error_frame=f['error'], is_fd=f['fd'],
            bitrate_switch=f['brs'], error_state_indicator=f['esi'], dlc=f['dlc'],
            data=None if f['remote'] else bytes.fromhex(f['data']), channel=f['channel'], is_rx=f['rx']))
    writer.stop()
`

const f = (over: Partial<PyFrame> & {t: string; id: number}): PyFrame => ({
  brs: false,
  channel: 'can0',
  data: '',
  dlc: (over.data ?? '').length / 2,
  error: false,
  esi: false,
  ext: false,
  fd: false,
  remote: false,
  rx: true,
  ...over,
})

// In time order (python-can clamps stamps that go backwards); the first on a whole millisecond,
// which is all the ASC "Begin Triggerblock" date keeps.
const FRAMES: PyFrame[] = [
  f({data: '2a366c2bba', id: 0x44, t: '1700000000.125000'}),
  f({channel: 'can1', data: '112233', ext: true, id: 0x12345678, rx: false, t: '1700000000.125001'}),
  f({dlc: 7, id: 0x123, remote: true, t: '1700000000.200000'}),
  f({brs: true, data: '00112233445566778899aabb', fd: true, id: 0x1ff, t: '1700000000.250123'}),
  f({channel: 'can2', data: 'ff'.repeat(64), esi: true, ext: true, fd: true, id: 0x1abcdef, rx: false, t: '1700000001.000000'}),
  f({data: '', id: 0x7ff, t: '1700000001.999999'}),
  f({data: '0102030405060708', id: 0x7e8, t: '1700000002.000000'}),
  f({data: '0000000000000000', error: true, id: 0x80, t: '1700000002.500000'}), // bus error
]

const usOf = (t: string): number => Number(t.split('.')[0]) * 1e6 + Number(t.split('.')[1])

const tmp = tempDir()
const logFile = path.join(tmp.dir, 'python.log')
const ascFile = path.join(tmp.dir, 'python.asc')

let written = false
/** Writes both logs with python-can once; throws (failing the test, never skipping it) without python-can. */
function writeWithPythonCan(): void {
  if (written) return
  const probe = spawnSync(PYTHON, ['-c', 'import can'], {encoding: 'utf8'})
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import python-can (${(probe.stderr || String(probe.error)).trim()}): install it with "apt-get install -y python3-can"; these tests compare against it and must not be skipped`)
  }
  // UTC, so the ASC trigger-block date python-can writes in local time reads back with utcOffsetMinutes 0.
  execFileSync(PYTHON, ['-c', WRITE], {env: {...process.env, TZ: 'UTC'}, input: JSON.stringify({asc: ascFile, frames: FRAMES, log: logFile})})
  written = true
}
afterAll(tmp.remove)

describe('python-can CanutilsLogWriter output', () => {
  it('reads back every frame: ids, payloads, FD flags (old ##1 style), remote, error, direction, stamps', async () => {
    writeWithPythonCan()
    const {frames, stats, format} = await readAll(logFile)
    expect(format).toBe('candump')
    expect(stats).toMatchObject({badLines: 0, framesRead: FRAMES.length, skippedLines: 0, timeBase: 'absolute'})
    expect(frames.map((fr) => ({...fr, data: hex(fr.data)}))).toEqual(
      FRAMES.map((p) =>
        p.error
          ? // python-can writes every error frame as 20000080# (bus error) and no direction
            {brs: false, channel: p.channel, data: p.data, error: true, esi: false, extended: false, fd: false, id: 0x80, length: p.data.length / 2, remote: false, timestampUs: usOf(p.t)}
          : {
              brs: p.brs,
              channel: p.channel,
              data: p.remote ? '' : p.data,
              direction: p.rx ? 'rx' : 'tx',
              error: false,
              esi: p.esi,
              extended: p.ext,
              fd: p.fd,
              id: p.id,
              // python-can writes a remote frame as "#R", without its length
              length: p.remote ? 0 : p.data.length / 2,
              remote: p.remote,
              timestampUs: usOf(p.t),
            },
      ),
    )
  })
})

describe('python-can ASCWriter output', () => {
  it('reads back every frame, anchored at the trigger block date', async () => {
    writeWithPythonCan()
    const {frames, stats, format} = await readAll(ascFile, {utcOffsetMinutes: 0})
    expect(format).toBe('asc')
    // header lines, "Start of measurement" and "End TriggerBlock" are skipped
    expect(stats).toMatchObject({badLines: 0, framesRead: FRAMES.length, skippedLines: 6, timeBase: 'absolute'})
    expect(frames.map((fr) => ({...fr, data: hex(fr.data)}))).toEqual(
      FRAMES.map((p) =>
        p.error
          ? // python-can writes "<default channel 1>  ErrorFrame": no id, data or direction
            {brs: false, channel: 'can0', data: '', error: true, esi: false, extended: false, fd: false, id: 0, length: 0, remote: false, timestampUs: usOf(p.t)}
          : {
              brs: p.brs,
              channel: p.channel,
              data: p.remote ? '' : p.data,
              direction: p.rx ? 'rx' : 'tx',
              error: false,
              esi: p.esi,
              extended: p.ext,
              fd: p.fd,
              id: p.id,
              length: p.remote ? p.dlc : p.data.length / 2,
              remote: p.remote,
              timestampUs: usOf(p.t),
            },
      ),
    )
  })

  it('can be told a start time instead of the date', async () => {
    writeWithPythonCan()
    const {frames} = await readAll(ascFile, {startTimeUs: 0})
    expect(frames.map((fr) => fr.timestampUs)).toEqual(FRAMES.map((p) => usOf(p.t) - usOf(FRAMES[0]!.t)))
  })
})

/** Reads a log with python-can's own reader and returns its messages as JSON. */
const READ = `
import json, sys, can
reader = can.CanutilsLogReader(sys.argv[1]) if sys.argv[1].endswith('.log') else can.ASCReader(sys.argv[1], relative_timestamp=False)
print(json.dumps([dict(t='%.6f' % m.timestamp, id=m.arbitration_id, ext=m.is_extended_id, remote=m.is_remote_frame, error=m.is_error_frame,
    fd=m.is_fd, brs=m.bitrate_switch, esi=m.error_state_indicator, dlc=m.dlc, data=bytes(m.data or b'').hex(), channel=m.channel, rx=m.is_rx) for m in reader]))
`

describe('our writers, read by python-can', () => {
  const batch = new FrameBatch(FRAMES.length)
  for (const p of FRAMES) {
    batch.push({
      brs: p.brs,
      channel: p.channel,
      data: Buffer.from(p.data, 'hex'),
      direction: p.rx ? 'rx' : 'tx',
      error: p.error,
      esi: p.esi,
      extended: p.ext,
      fd: p.fd,
      id: p.id,
      length: p.dlc,
      remote: p.remote,
      timestampUs: usOf(p.t),
    })
  }
  const readWithPythonCan = (file: string): PyFrame[] => {
    writeWithPythonCan() // the same python-can check
    return JSON.parse(execFileSync(PYTHON, ['-c', READ, file], {encoding: 'utf8', env: {...process.env, TZ: 'UTC'}})) as PyFrame[]
  }

  it('CandumpWriter output reads back in python-can as written', async () => {
    const file = path.join(tmp.dir, 'ours.log')
    const writer = new CandumpWriter(file)
    writer.write(batch)
    await writer.close()
    const back = readWithPythonCan(file)
    // python-can's reader knows only bus-error frames (CAN_ERR_FLAG | 0x80), and turns them into
    // bare error messages (no id, data or channel; python-can's default extended flag).
    expect(back).toEqual(FRAMES.map((p) => (p.error ? {...p, channel: null, data: '', dlc: 0, ext: true, id: 0, rx: true} : p)))
  })

  it('AscWriter output reads back in python-can as written', async () => {
    const file = path.join(tmp.dir, 'ours.asc')
    const writer = new AscWriter(file, {utcOffsetMinutes: 0})
    writer.write(batch)
    await writer.close()
    const back = readWithPythonCan(file)
    // python-can numbers ASC channels from 0; error frames carry no id, data or direction.
    expect(back).toEqual(
      FRAMES.map((p) => ({
        ...p,
        channel: Number(p.channel.slice(3)),
        ...(p.error ? {channel: 0, data: '', dlc: 0, ext: true, id: 0, rx: true} : {}),
      })),
    )
  })
})
