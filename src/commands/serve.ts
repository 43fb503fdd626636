import {Flags} from '@oclif/core'

import {DEFAULT_PORT, openServe} from '../lib/bridge/index.js'
import {bitrateFlag, carFlag, durationFlag, firmwareFlag, metaFlag, onShutdown, PitwallCommand, speedFlag} from '../lib/cli/index.js'
import {DEFAULT_TRACK} from '../lib/track/index.js'

export default class Serve extends PitwallCommand {
  static override description = `The loopback bridge for the driver's app: reads CAN frames from one or more sources, decodes them with the car config, stores everything in the live DB (<data-dir>/pitwall.duckdb), and serves HTTP + WebSocket on http://127.0.0.1:8765 (docs/http-api.md).

Sources (any number): --simulate (the built-in E46 M3 on a track), --device PATH, --can-fd N, --udp PORT, --replay FILE, and on Termux --usb DEVICE|auto (serve runs termux-usb and its callback forwards frames; docs/termux.md). Other processes can forward frames to POST /api/frames (pitwall ingest --forward, simulate --to bridge, replay --to bridge).

Auth is on: at first start a token is written to <data-dir>/token (mode 0600) unless PITWALL_TOKEN is set; every route but /health needs it (X-Pitwall-Token or Authorization: Bearer; WebSocket: subprotocol token.<TOKEN>). Only loopback is bound unless --allow-remote (docs/security.md).

While serve runs it owns the live DB: pitwall archive, vacuum and health talk to it through the URL in <data-dir>/serve.json. SIGTERM, SIGINT or SIGHUP: stop accepting, finish requests, stop sources, flush, checkpoint, close, exit 0.`

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> --simulate', description: 'Everything on its defaults: simulator, default car, the default data dir.'},
    {command: '<%= config.bin %> <%= command.id %> --device /dev/ttyACM0 --meta driver=Alex --meta track=Spa', description: 'A CANable on a laptop in the pits.'},
    {command: '<%= config.bin %> <%= command.id %> --usb auto', description: 'On a stock phone: termux-usb hands the adapter over (docs/termux.md).'},
  ]

  static override flags = {
    'allow-remote': Flags.boolean({description: 'Allow --host beyond loopback (needs auth on: a token).'}),
    'archive-on-end': Flags.boolean({description: 'Archive each session when it ends.'}),
    bitrate: bitrateFlag({description: 'CAN bitrate for adapters (500k, 1M); overrides the car.'}),
    'can-fd': Flags.integer({description: 'Read an adapter from this open descriptor.', min: 0}),
    car: carFlag(),
    dev: Flags.boolean({description: 'Pretty, human-readable logs instead of JSON lines.'}),
    device: Flags.string({description: 'Read a serial slcan adapter at this path.'}),
    'driver-fault': Flags.string({dependsOn: ['simulate'], description: 'Simulator driver mistakes, as simulate --driver-fault (docs/coaching.md).'}),
    firmware: firmwareFlag({description: "The adapter's slcan firmware family (auto probes)."}),
    fps: Flags.integer({description: 'Simulator frame rate (default: the car\'s nominal rate).', min: 1}),
    host: Flags.string({default: '127.0.0.1', description: 'Address to listen on.'}),
    'insecure-no-auth': Flags.boolean({description: 'Turn auth off (health says so). Refused with --allow-remote.'}),
    'listen-only': Flags.boolean({allowNo: true, description: 'Open adapters listen-only; overrides the car.'}),
    'llm-model': Flags.string({description: 'Model id for the local model\'s requests (default: the first it lists). Env: PITWALL_LLM_MODEL.'}),
    'llm-url': Flags.string({description: 'OpenAI-compatible base URL of a local model, including /v1. Env: PITWALL_LLM_URL.'}),
    meta: metaFlag({description: 'Run-sheet entry key=value; repeatable.'}),
    port: Flags.integer({default: DEFAULT_PORT, description: 'Port to listen on (0: any free port; serve.json says which).', max: 65_535, min: 0}),
    'rate-limit': Flags.integer({default: 20, description: 'Requests per second per client on /coach/* and /session/*/signals.', min: 1}),
    'realtime-interval': durationFlag({default: '100ms', description: 'WebSocket telemetry_update period.'}),
    replay: Flags.string({description: 'Play a recorded CAN log as a live source (re-stamped to now).'}),
    'replay-loop': Flags.boolean({description: 'Start --replay over when it ends.', dependsOn: ['replay']}),
    'replay-speed': speedFlag({dependsOn: ['replay'], description: 'Speed of --replay: a factor of real time (default 1).'}),
    seed: Flags.integer({description: 'Simulator seed.'}),
    'session-idle': durationFlag({default: '30m', description: 'End the session after this long without frames.'}),
    simulate: Flags.boolean({description: 'Run the built-in simulator as a source.'}),
    track: Flags.string({description: `Track id or YAML, for laps (default with --simulate: ${DEFAULT_TRACK}; else the run sheet's track if shipped).`}),
    udp: Flags.integer({description: 'Accept JSON telemetry points on 127.0.0.1:PORT.', max: 65_535, min: 0}),
    usb: Flags.string({description: 'Termux: supervise termux-usb for this device path, or auto.'}),
    'wake-lock': Flags.boolean({allowNo: true, default: true, description: 'Take termux-wake-lock while serving (--no-wake-lock when a boot script holds it).'}),
    'termux-usb': Flags.string({description: 'The termux-usb executable (tests use a fake).', hidden: true}),
  }

  static override summary = 'Run the bridge: sources in, live DB, HTTP + WebSocket for the app.'

  async run(): Promise<void> {
    const {flags: f} = await this.parse(Serve)
    const shutdown = onShutdown(async () => undefined) // it only announces: run() stops serve, in order
    const settings = await this.settings({car: f.car, dataDir: f['data-dir'], logLevel: f['log-level']})
    const serve = await openServe({
      allowRemote: f['allow-remote'],
      archiveOnEnd: f['archive-on-end'],
      bitrateBps: f.bitrate,
      canFd: f['can-fd'],
      car: settings.get('car')!,
      dataDir: settings.dataDir,
      device: f.device,
      driverFault: f['driver-fault'],
      firmware: f.firmware,
      fps: f.fps,
      host: f.host,
      insecureNoAuth: f['insecure-no-auth'],
      listenOnly: f['listen-only'],
      llmModel: f['llm-model'],
      llmUrl: f['llm-url'],
      logLevel: settings.get('logLevel'),
      port: f.port,
      prettyLogs: f.dev,
      rateLimitPerS: f['rate-limit'],
      realtimeIntervalMs: f['realtime-interval'],
      replay: f.replay === undefined ? undefined : {loop: f['replay-loop'], path: f.replay, speed: f['replay-speed'] ?? 1},
      runSheet: f.meta,
      say: (line) => this.logToStderr(line),
      seed: f.seed,
      sessionIdleMs: f['session-idle'],
      simulate: f.simulate,
      termuxUsb: f['termux-usb'],
      track: f.track,
      udpPort: f.udp,
      usb: f.usb,
      version: this.config.version,
      wakeLock: f['wake-lock'],
    })
    this.logToStderr(`pitwall bridge on ${serve.url} (car ${serve.bridge.car.id}${serve.bridge.track ? `, track ${serve.bridge.track.id}` : ''}); Ctrl-C stops it`)
    // Sources that end (a replayed file) leave the bridge serving what was stored: only a signal stops it.
    await serve.stop(await shutdown.requested)
    shutdown.dispose()
  }
}
