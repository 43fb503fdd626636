import {Flags} from '@oclif/core'

import {openCar} from '../lib/car/index.js'
import {bitrateFlag, carFlag, durationFlag, firmwareFlag, metaFlag, onShutdown, PitwallCommand, urlFlag} from '../lib/cli/index.js'
import {chooseInput, describeIngest, ingestExitCode, type IngestResult, runIngest} from '../lib/ingest/index.js'
import {createLogger} from '../lib/log.js'
import {resolveBus} from '../lib/source/index.js'
import {lapTrack} from '../lib/track/index.js'

export type {IngestResult} from '../lib/ingest/index.js'

export default class Ingest extends PitwallCommand {
  static override description = `Reads CAN frames into the live DB (<data-dir>/pitwall.duckdb) without the HTTP bridge: every frame is stored raw, with the samples the car decodes from it and the laps timed on the track (--track, else the run sheet's track), in one live session.

Inputs (exactly one):
  --stdin        a candump log (or candump screen output, Vector ASC; sniffed unless --input-format says), or slcan bytes with --input-format slcan. Logs keep their own timestamps.
  --device PATH  a serial slcan adapter (/dev/ttyACM0, a pty). Probed with V, opened for the car's bitrate and listen-only setting; when it goes away ingest reconnects (1 s, 2 s, 5 s, 10 s, then every 10 s, at once when the path reappears).
  --can-fd N     a descriptor opened by the caller: a tty, a socket, a pipe, a file, or the USB device node termux-usb hands over (read through the usb-pump helper). A descriptor cannot be reopened: when its adapter goes away ingest ends (exit 69) and the supervisor gets a new one.
  --udp PORT     JSON telemetry points on 127.0.0.1:PORT, stored as samples of the car's channels.

After each commit (at most every 50 ms) "committed N" goes to stderr: N frames of this session are durably stored. At EOF, or on SIGTERM, SIGINT or SIGHUP after a clean flush, the session ends and a summary is printed (--json: as JSON on stdout). Exit 1 when frames could not be kept, 69 when a descriptor's adapter is gone. See docs/sources.md.

--forward sends the frames to the running bridge (pitwall serve, POST /api/frames) instead; so does any ingest that finds a running serve holding the live DB (stderr says so). The run sheet, --session-idle, --archive-on-end and the track are then serve's: a --track other than serve's is refused. Any other holder of the live DB: exit 69, naming it.`

  static override enableJsonFlag = true

  static override examples = [
    {command: 'candump -L can0 | <%= config.bin %> <%= command.id %> --stdin', description: 'Log a SocketCAN bus.'},
    {command: '<%= config.bin %> <%= command.id %> --stdin --meta driver=Alex --track pitwall_park < session.log', description: 'Import a log with a run sheet; laps timed on the track.'},
    {command: '<%= config.bin %> <%= command.id %> --device /dev/ttyACM0', description: 'Log a CANable on a laptop or a rooted phone.'},
    {command: 'termux-usb -r -e "<%= config.bin %> <%= command.id %> --can-fd" /dev/bus/usb/001/002', description: 'Log a CANable on a stock phone (docs/termux.md).'},
  ]

  static override flags = {
    'archive-on-end': Flags.boolean({description: 'Archive each session when it ends (as pitwall archive does, duckdb format), so the live DB keeps only what is being recorded.'}),
    bitrate: bitrateFlag({description: 'CAN bitrate in bit/s (500000, 500k, 1M); overrides the car. Required with a bare DBC when opening an adapter.'}),
    'can-fd': Flags.integer({description: 'Read an adapter from this already-open descriptor (termux-usb appends it).', exclusive: ['stdin', 'device', 'udp'], min: 0}),
    car: carFlag(),
    device: Flags.string({description: 'Read a serial slcan adapter at this path (/dev/ttyACM0).', exclusive: ['stdin', 'can-fd', 'udp']}),
    firmware: firmwareFlag({description: "The adapter's slcan firmware family; auto probes with V. Overrides the car."}),
    forward: Flags.boolean({description: 'Send frames to the running bridge (pitwall serve) instead of the live DB.', exclusive: ['udp']}),
    'input-format': Flags.option({default: 'auto', description: 'Format of --stdin; auto sniffs the log formats; slcan is adapter bytes.', options: ['auto', 'candump', 'candump-screen', 'asc', 'slcan'] as const})(),
    'listen-only': Flags.boolean({allowNo: true, description: 'Open the adapter without ever transmitting (no ACK); overrides the car. A sole receiver on a bus must not be listen-only.'}),
    meta: metaFlag({description: 'Run-sheet entry key=value (driver, track, event, outing, tyres, fuel, notes, …); repeatable.'}),
    'session-idle': durationFlag({description: 'End the session after this long without frames (duration). Default 30m.'}),
    stdin: Flags.boolean({description: 'Read a CAN log (or slcan bytes) from standard input.', exclusive: ['device', 'can-fd', 'udp']}),
    track: Flags.string({description: "Track id or YAML laps are timed on. Default: the run sheet's track (--meta track=ID) when it is a known track."}),
    udp: Flags.integer({description: 'Listen for JSON telemetry points on 127.0.0.1:PORT.', exclusive: ['stdin', 'device', 'can-fd'], max: 65_535, min: 0}),
    url: urlFlag(),
    'probe-timeout': durationFlag({description: "Longest wait for the adapter's answer to V (duration; tests on a loaded machine lengthen it).", hidden: true}),
    'watchdog-after': durationFlag({description: 'Restart a reader silent this long (duration; tests shorten it).', hidden: true}),
  }

  static override summary = 'Log CAN frames into the live DB, headless.'

  async run(): Promise<IngestResult> {
    const {flags: f} = await this.parse(Ingest)
    // Listen for SIGTERM/SIGINT/SIGHUP before anything slow: a stop during start-up is a clean stop too.
    const abort = new AbortController()
    const shutdown = onShutdown(async () => abort.abort())
    try {
      const input = chooseInput({...f, stream: process.stdin})
      const settings = await this.settings({car: f.car, dataDir: f['data-dir'], logLevel: f['log-level'], url: f.url})
      const car = await openCar(settings.get('car')!, {dataDir: settings.dataDir})
      const laps = await lapTrack(f.track, {dataDir: settings.dataDir, runSheet: f.meta})
      const result = await runIngest({
        access: {token: settings.get('token'), url: settings.get('url')},
        archiveOnEnd: f['archive-on-end'],
        bus: resolveBus(car, {...(f.bitrate === undefined ? {} : {bitrate: f.bitrate}), ...(f['listen-only'] === undefined ? {} : {listenOnly: f['listen-only']})}),
        car,
        dataDir: settings.dataDir,
        ...(f.firmware ? {firmware: f.firmware} : {}),
        forward: f.forward,
        ...(f['session-idle'] === undefined ? {} : {idleEndMs: f['session-idle']}),
        input,
        log: createLogger({level: settings.get('logLevel') ?? 'info'}).child({module: 'ingest'}),
        ...(f['probe-timeout'] === undefined ? {} : {probeTimeoutMs: f['probe-timeout']}),
        runSheet: f.meta,
        say: (line) => process.stderr.write(`${line}\n`),
        signal: abort.signal,
        ...(laps ? {track: laps.track, trackGiven: laps.given} : {}),
        ...(f['watchdog-after'] === undefined ? {} : {watchdogSilentMs: f['watchdog-after']}),
      })
      if (!this.jsonEnabled()) for (const line of describeIngest(result)) this.logToStderr(line)
      process.exitCode ||= ingestExitCode(result)
      return result
    } finally {
      shutdown.dispose()
    }
  }
}
