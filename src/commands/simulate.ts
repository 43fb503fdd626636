import {Flags} from '@oclif/core'

import {carFlag, durationFlag, emulatedFirmwareFlag, metaFlag, numberFlag, onShutdown, PitwallCommand, sinkFlag, speedFlag, startTimeFlag} from '../lib/cli/index.js'
import {UsageError} from '../lib/errors.js'
import {DRIVER_FAULT_KINDS} from '../lib/sim/index.js'
import {describeSimulation, runSimulateJob, type SimulateSummary} from '../lib/simulate/index.js'
import {DEFAULT_TRACK} from '../lib/track/index.js'

export type SimulateResult = SimulateSummary

export default class Simulate extends PitwallCommand {
  static override description = `A synthetic BMW E46 M3 behind an AiM MXP, driving laps of a shipped track: a deterministic physical model (speed from grip and power, rpm through the car file's gearbox, g forces from speed and curvature, warming temperatures, falling fuel, GPS tracing the lap) encoded into the car's CAN frames at each message's cycle time.

--to: stdout (candump lines), candump:FILE, slcan:PATH (act as a CANable on a tty), slcan:pty:LINK (create a pty with socat and be the CANable on it), udp://HOST:PORT (JSON points, 20/s), db (the live DB, with the laps the lap detector finds), bridge[:URL] (a running pitwall serve stores them; the URL defaults to <data-dir>/serve.json's). While serve holds the live DB, --to db sends to its bridge instead (stderr says so).

Real time by default; --speed max runs file sinks as fast as possible. Ends after --laps or --duration, or on SIGTERM, SIGINT or SIGHUP, with a summary on stderr (on stdout with --json). Fault injection: --drop-rate, --garbage-rate, --unplug-after with --unplug-for; driver mistakes for the coach: --driver-fault. See docs/simulate.md.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> --to slcan:pty:/tmp/canable', description: 'Be a CANable on a pty; read it with pitwall ingest --device /tmp/canable.'},
    {command: '<%= config.bin %> <%= command.id %> --laps 3 --speed max --to candump:three-laps.log', description: 'Three laps into a candump log, as fast as possible.'},
    {command: '<%= config.bin %> <%= command.id %> --to db --laps 5 --speed max', description: 'Five laps straight into the live DB, laps timed.'},
    {command: '<%= config.bin %> <%= command.id %> --fps 50000 --duration 60s --to candump:load.log --speed max', description: 'A load test log at 50,000 frames/s.'},
    {command: '<%= config.bin %> <%= command.id %> --to slcan:pty:/tmp/canable --unplug-after 5s --unplug-for 5s --drop-rate 0.01', description: 'An adapter that loses 1 % of frames and is unplugged for 5 s.'},
    {command: '<%= config.bin %> <%= command.id %> --to db --laps 4 --speed max --driver-fault late-brake@T1:lap3,coast@T5:lap4,over-rev@lap2', description: 'Laps with known mistakes, for the coach to find.'},
  ]

  static override flags = {
    car: carFlag(),
    'driver-fault': Flags.string({description: `Driver mistakes: KIND@T<n> (every lap), KIND@lap<n> (the whole lap), KIND@T<n>:lap<n>; corners by number or name from the track file. Kinds: ${DRIVER_FAULT_KINDS.join(', ')}.`}),
    'drop-rate': numberFlag({description: 'Share of frames (UDP: points) not sent, 0 to below 1; counted per id in the summary.'}),
    duration: durationFlag({description: 'Stop after this much simulated time (duration: 90s, 10m).'}),
    firmware: emulatedFirmwareFlag({default: 'canable-stock', description: 'Firmware the emulated adapter runs (slcan sinks).'}),
    fps: numberFlag({description: "Frames per second for the whole car (every message's rate scales); UDP: points per second (default 20). Default: the car's nominal rate."}),
    'garbage-rate': numberFlag({description: 'Chance, per frame, of a garbage line (slcan, candump) or a malformed datagram (udp) before it; counted.'}),
    laps: Flags.integer({description: 'Stop after this many full laps (the out-lap from the start does not count).', min: 1}),
    meta: metaFlag({description: 'Run-sheet entry key=value for --to db; repeatable.'}),
    seed: Flags.integer({default: 1, description: 'Random seed: the same seed drives the same laps.'}),
    speed: speedFlag({default: '1', description: 'Factor of real time, or max (stdout, candump:FILE and db only).'}),
    'start-time': startTimeFlag({description: 'Epoch of the first frame (ISO date-time or epoch seconds), for byte-identical files. Default: now.'}),
    to: sinkFlag({default: 'stdout', description: 'stdout | candump:FILE | slcan:PATH | slcan:pty:LINK | udp://HOST:PORT | db | bridge[:URL]'}),
    track: Flags.string({default: DEFAULT_TRACK, description: 'Track id or track YAML.'}),
    'unplug-after': durationFlag({description: 'slcan:pty only: unplug the adapter after this much simulated time (duration).'}),
    'unplug-for': durationFlag({description: 'slcan:pty only: how long it stays unplugged (duration).'}),
  }

  static override summary = 'Drive a synthetic E46 M3 around a track and send its CAN frames somewhere.'

  async run(): Promise<SimulateResult> {
    const {flags} = await this.parse(Simulate)
    const abort = new AbortController()
    const shutdown = onShutdown(async () => abort.abort())
    try {
      if (this.jsonEnabled() && flags.to.kind === 'stdout') {
        throw new UsageError('--json and --to stdout both want stdout', {code: 'PW_JSON_STREAM', suggestions: ['--to candump:FILE --json', 'leave out --json: the summary goes to stderr']})
      }
      const settings = await this.settings({car: flags.car, dataDir: flags['data-dir'], logLevel: flags['log-level']})
      const summary = await runSimulateJob({
        car: settings.get('car')!,
        dataDir: settings.dataDir,
        driverFault: flags['driver-fault'],
        dropRate: flags['drop-rate'],
        durationMs: flags.duration,
        firmware: flags.firmware,
        fps: flags.fps,
        garbageRate: flags['garbage-rate'],
        laps: flags.laps,
        logLevel: settings.get('logLevel'),
        runSheet: flags.meta,
        seed: flags.seed,
        signal: abort.signal,
        sink: flags.to,
        speed: flags.speed,
        startUs: flags['start-time'],
        track: flags.track,
        unplugAfterMs: flags['unplug-after'],
        unplugForMs: flags['unplug-for'],
      })
      if (!this.jsonEnabled()) this.logToStderr(describeSimulation(summary))
      return summary
    } finally {
      shutdown.dispose()
    }
  }
}
