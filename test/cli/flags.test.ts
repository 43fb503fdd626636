import {join} from 'node:path'

import {type Interfaces, Parser} from '@oclif/core'
import {afterAll, describe, expect, it} from 'vitest'

import {FIRMWARE_FAMILIES} from '../../src/lib/can/slcan/index.js'
import {
  bitrateFlag,
  carFlag,
  durationFlag,
  firmwareFlag,
  metaFlag,
  numberFlag,
  PitwallCommand,
  sinkFlag,
  sinkFlagOf,
  speedFlag,
  startTimeFlag,
  unwrapFlagError,
  urlFlag,
} from '../../src/lib/cli/index.js'
import {ROOT, runCli, SHARED_FIXTURES, tempDir, unwrapOclifError} from '../helpers.js'

const ROAD_LOG = join(SHARED_FIXTURES, 'road-capture', 'can_sample.log')
const ROAD_DBC = join(SHARED_FIXTURES, 'road-capture', 'sample_can_spec.dbc')

/** Parses `argv` with one flag `--name`, through oclif's parser: what a command's run() gets. */
async function parsed<T>(flag: Interfaces.OptionFlag<T>, argv: string[], name = 'x'): Promise<unknown> {
  const out = await Parser.parse(argv, {flags: {[name]: flag}})
  return (out.flags as Record<string, unknown>)[name]
}

/** The error a bad value gives, as PitwallCommand.catch shows it. */
async function refusal<T>(flag: Interfaces.OptionFlag<T>, argv: string[], name = 'x'): Promise<{code: unknown; exit: unknown; message: string}> {
  try {
    await parsed(flag, argv, name)
  } catch (error) {
    const e = error as Error & {code?: string; exit?: number}
    return {code: e.code, exit: e.exit, message: unwrapFlagError(e.message)}
  }
  throw new Error(`${argv.join(' ')} was accepted`)
}

describe('the shared flags parse their values when the command line is parsed', () => {
  it('durations: ms, the default as written, and PW_BAD_DURATION naming the flag and the value', async () => {
    expect(await parsed(durationFlag(), ['--x', '500ms'])).toBe(500)
    expect(await parsed(durationFlag(), ['--x', '1.5m'])).toBe(90_000)
    expect(await parsed(durationFlag({default: '90d'}), [])).toBe(90 * 86_400_000)
    expect(await parsed(durationFlag(), [])).toBeUndefined()
    for (const bad of ['5', '7days', '-5s']) {
      expect(await refusal(durationFlag(), ['--retention', bad], 'retention')).toEqual({
        code: 'PW_BAD_DURATION',
        exit: 64,
        message: `--retention ${bad}: not a duration; write a number and a unit, e.g. 500ms, 5s, 10m, 2h, 7d`,
      })
    }
  })

  it('bitrates: bit/s from 500000, 500k, 1M, 83.333k', async () => {
    const values = await Promise.all(['500000', '500k', '1M', '83.333k'].map((v) => parsed(bitrateFlag(), ['--x', v])))
    expect(values).toEqual([500_000, 500_000, 1_000_000, 83_333])
    expect(await refusal(bitrateFlag(), ['--bitrate', 'fast'], 'bitrate')).toEqual({code: 'PW_BAD_BITRATE', exit: 64, message: '--bitrate fast: expected bit/s like 500000, 500k or 1M'})
    expect((await refusal(bitrateFlag(), ['--bitrate', '0'], 'bitrate')).code).toBe('PW_BAD_BITRATE')
  })

  it('speeds: max is Infinity, a factor is a number, the message names the flag it came from', async () => {
    expect(await parsed(speedFlag({default: 'max'}), [])).toBe(Number.POSITIVE_INFINITY)
    expect(await parsed(speedFlag({default: 'max'}), ['--x', '0.5'])).toBe(0.5)
    expect(await refusal(speedFlag(), ['--replay-speed', '0'], 'replay-speed')).toEqual({
      code: 'PW_BAD_SPEED',
      exit: 64,
      message: '--replay-speed 0: give "max" or a positive factor of real time',
    })
    expect((await refusal(speedFlag(), ['--speed', 'fast'], 'speed')).code).toBe('PW_BAD_SPEED')
  })

  it('start times: epoch µs from an ISO date-time with a zone or epoch seconds', async () => {
    expect(await parsed(startTimeFlag(), ['--x', '2026-11-22T09:14:03Z'])).toBe(Date.parse('2026-11-22T09:14:03Z') * 1000)
    expect(await parsed(startTimeFlag(), ['--x', '1763802843.5'])).toBe(1_763_802_843_500_000)
    expect(await refusal(startTimeFlag(), ['--start-time', 'yesterday'], 'start-time')).toMatchObject({code: 'PW_BAD_START_TIME', exit: 64, message: '--start-time yesterday: give an ISO date-time with a zone or epoch seconds'})
  })

  it('plain numbers: decimals only', async () => {
    expect(await parsed(numberFlag(), ['--x', '0.02'])).toBe(0.02)
    for (const bad of ['1e-3', '-1', '.5']) expect(await refusal(numberFlag(), ['--drop-rate', bad], 'drop-rate')).toMatchObject({code: 'PW_BAD_NUMBER', message: `--drop-rate ${bad}: give a plain number, e.g. 0.01`})
  })

  it('URLs: http(s) kept as written; anything else is PW_BAD_URL', async () => {
    expect(await parsed(urlFlag(), ['--x', 'http://127.0.0.1:8765'])).toBe('http://127.0.0.1:8765')
    expect(await parsed(urlFlag(), ['--x', 'https://pits.example/bridge/'])).toBe('https://pits.example/bridge/')
    for (const bad of ['ftp://127.0.0.1', '127.0.0.1:8765', 'not a url']) {
      expect(await refusal(urlFlag(), ['--url', bad], 'url')).toEqual({code: 'PW_BAD_URL', exit: 64, message: `--url ${bad}: give an http or https URL`})
    }
  })

  it('--to: a sink spec; a command that takes only some sinks refuses the others', async () => {
    expect(await parsed(sinkFlag({default: 'stdout'}), [])).toEqual({kind: 'stdout'})
    expect(await parsed(sinkFlag(), ['--x', 'candump:/tmp/a.log'])).toEqual({kind: 'candump', path: '/tmp/a.log'})
    expect(await refusal(sinkFlag(), ['--to', 'udp://nohost'], 'to')).toMatchObject({code: 'PW_BAD_TARGET', exit: 64, message: '--to udp://nohost: write udp://HOST:PORT with a port from 1 to 65535'})
    const replayTo = sinkFlagOf(['stdout', 'candump', 'db', 'bridge'], 'replay writes to stdout, candump:FILE, db or bridge[:URL]')
    expect(await parsed(replayTo(), ['--x', 'bridge:http://127.0.0.1:9'])).toEqual({kind: 'bridge', url: 'http://127.0.0.1:9'})
    expect(await refusal(replayTo(), ['--to', 'slcan:/dev/ttyGS0'], 'to')).toEqual({
      code: 'PW_BAD_TARGET',
      exit: 64,
      message: '--to slcan:/dev/ttyGS0: replay writes to stdout, candump:FILE, db or bridge[:URL]',
    })
  })

  it('firmware: the families from the one list, plus auto', async () => {
    expect(firmwareFlag().options).toEqual(['auto', ...FIRMWARE_FAMILIES])
    expect(await parsed(firmwareFlag(), ['--x', 'lawicel'])).toBe('lawicel')
    expect(await refusal(firmwareFlag(), ['--firmware', 'slcan-9'], 'firmware')).toMatchObject({message: '--firmware slcan-9: give one of auto, canable-stock, lawicel, canable-2.5'})
  })

  it('--car: one description, the value kept as a reference', async () => {
    expect(carFlag().description).toBe('Car id, car YAML or bare .dbc. Env: PITWALL_CAR. Default: bmw_e46_m3.')
    expect(await parsed(carFlag(), ['--x', 'cars/bmw_e46_m3.yaml'])).toBe('cars/bmw_e46_m3.yaml')
  })

  it('--meta: every pair into one record (a later key wins), {} when not given, PW_BAD_META for a bad pair', async () => {
    class Probe extends PitwallCommand {
      static override flags = {meta: metaFlag({description: 'run sheet'})}
      async run(): Promise<unknown> {
        return (await this.parse(Probe)).flags.meta
      }
    }
    expect(await Probe.run(['--meta', 'driver=Alex', '--meta', 'tyres=Pilot Sport Cup 2', '--meta', 'driver=Sam', '--meta', 'notes=a=b'], ROOT)).toEqual({
      driver: 'Sam',
      notes: 'a=b',
      tyres: 'Pilot Sport Cup 2',
    })
    expect(await Probe.run([], ROOT)).toEqual({})
    await expect(Probe.run(['--meta', 'Driver=Alex'], ROOT)).rejects.toMatchObject({message: '--meta Driver=Alex: write key=value with a lower-case key', oclif: {exit: 64}})
  })

  it("oclif's own flag errors get the same shape: the flag first, then why", () => {
    expect(unwrapFlagError('Parsing --port \n\tExpected an integer less than or equal to 65535 but received: 99999\nSee more help with --help')).toBe(
      '--port: Expected an integer less than or equal to 65535 but received: 99999',
    )
    expect(unwrapFlagError('Parsing --speed \n\t--speed fast: give "max"\nSee more help with --help')).toBe('--speed fast: give "max"')
    expect(unwrapFlagError('Expected --format=xml to be one of: text, github\nSee more help with --help')).toBe('--format xml: give one of text, github')
    expect(unwrapFlagError('Nonexistent flag: --nope\nSee more help with --help')).toBe('Nonexistent flag: --nope\nSee more help with --help')
  })
})

describe('a bad flag value through the real CLI: exit 64, our code, the same message shape everywhere', () => {
  const dir = tempDir()
  afterAll(() => dir.cleanup())

  it('under --json, {error: {code, exit, message}} names the flag and the value', async () => {
    const env = {PITWALL_DATA_DIR: dir.path}
    const cases: Array<[string[], string, string]> = [
      [['vacuum', '--retention', '7days'], 'PW_BAD_DURATION', '--retention 7days: not a duration; write a number and a unit, e.g. 500ms, 5s, 10m, 2h, 7d'],
      [['archive', '--all-ended', '--older-than', '1 week'], 'PW_BAD_DURATION', '--older-than 1 week: not a duration; write a number and a unit, e.g. 500ms, 5s, 10m, 2h, 7d'],
      [['archive', '--list', '--url', 'ftp://pits'], 'PW_BAD_URL', '--url ftp://pits: give an http or https URL'],
      [['health', '--url', 'localhost:8765'], 'PW_BAD_URL', '--url localhost:8765: give an http or https URL'],
      [['replay', ROAD_LOG, '--car', ROAD_DBC, '--speed', 'fast'], 'PW_BAD_SPEED', '--speed fast: give "max" or a positive factor of real time'],
      [['replay', ROAD_LOG, '--car', ROAD_DBC, '--start-time', 'yesterday'], 'PW_BAD_START_TIME', '--start-time yesterday: give an ISO date-time with a zone or epoch seconds'],
      [['replay', ROAD_LOG, '--car', ROAD_DBC, '--max-gap', '5'], 'PW_BAD_DURATION', '--max-gap 5: not a duration; write a number and a unit, e.g. 500ms, 5s, 10m, 2h, 7d'],
      [['replay', ROAD_LOG, '--car', ROAD_DBC, '--to', 'slcan:/dev/null'], 'PW_BAD_TARGET', '--to slcan:/dev/null: replay writes to stdout, candump:FILE, db or bridge[:URL]'],
      [['simulate', '--to', 'candump:x.log', '--meta', 'Driver=Alex'], 'PW_BAD_META', '--meta Driver=Alex: write key=value with a lower-case key'],
      [['simulate', '--to', 'candump:x.log', '--drop-rate', 'lots'], 'PW_BAD_NUMBER', '--drop-rate lots: give a plain number, e.g. 0.01'],
      [['simulate', '--to', 'candump:x.log', '--unplug-after', 'soon'], 'PW_BAD_DURATION', '--unplug-after soon: not a duration; write a number and a unit, e.g. 500ms, 5s, 10m, 2h, 7d'],
      [['simulate', '--to', 'udp://nohost'], 'PW_BAD_TARGET', '--to udp://nohost: write udp://HOST:PORT with a port from 1 to 65535'],
    ]
    const results = await Promise.all(cases.map(([args]) => runCli([...args, '--json'], {cwd: dir.path, env})))
    cases.forEach(([args, code, message], i) => {
      const r = results[i]!
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(64)
      expect(JSON.parse(r.stdout), args.join(' ')).toMatchObject({error: {code, exit: 64, message}})
    })
  }, 180_000)

  it('on the terminal (serve has no --json), the same message and our code', async () => {
    // Each fails before serve binds anything.
    const serve = (args: string[]) => runCli(['serve', '--no-wake-lock', ...args], {env: {PITWALL_DATA_DIR: dir.path}})
    const [bitrate, idle, firmware, port] = await Promise.all([serve(['--bitrate', 'fast']), serve(['--session-idle', '30']), serve(['--firmware', 'slcan-9']), serve(['--port', '99999'])])
    for (const r of [bitrate, idle, firmware, port]) expect(r.code, r.stderr).toBe(64)
    const [b, i, f, p] = [bitrate, idle, firmware, port].map((r) => unwrapOclifError(r.stderr))
    expect(b).toContain('Error: --bitrate fast: expected bit/s like 500000, 500k or 1M Code: PW_BAD_BITRATE')
    expect(i).toContain('Error: --session-idle 30: not a duration; write a number and a unit')
    expect(f).toContain('Error: --firmware slcan-9: give one of auto, canable-stock, lawicel, canable-2.5 Code: PW_USAGE')
    expect(p).toContain('Error: --port: Expected an integer less than or equal to 65535')
    for (const text of [b, i, f, p]) expect(text).not.toMatch(/Parsing --|See more help/)
  }, 180_000)

  it('--help shows defaults as a user writes them', async () => {
    const [serve, replay] = await Promise.all([runCli(['serve', '--help']), runCli(['replay', '--help'])])
    expect(serve.stdout).toMatch(/--session-idle=<duration>\s+\[default: 30m\]/)
    expect(serve.stdout).toMatch(/--realtime-interval=<duration>\s+\[default: 100ms\]/)
    expect(serve.stdout).toContain('--meta=<key=value>...')
    expect(replay.stdout).toMatch(/--speed=<speed>\s+\[default: max\]/)
    expect(replay.stdout).toMatch(/--to=<sink>\s+\[default: stdout\]/)
  }, 60_000)
})
