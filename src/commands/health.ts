import {Flags} from '@oclif/core'

import {onShutdown, PitwallCommand, urlFlag} from '../lib/cli/index.js'
import {UsageError} from '../lib/errors.js'
import {healthExitCode, type HealthReading, runHealth} from '../lib/ops/index.js'

export type HealthResult = HealthReading

export default class Health extends PitwallCommand {
  static override description = `Everything that matters on one screen, in green, amber and red: the CAN source and its frame rate (with a sparkline of the reads so far), the per-id table with stale and missing messages highlighted, drops, the last frame's age, the live DB's size and the free disk, the session and its duration, the coach, and the bridge's warnings in plain words with what to do.

It reads GET /health from the running bridge (the URL from --url, PITWALL_URL, <data-dir>/serve.json, else http://127.0.0.1:8765; the token from PITWALL_TOKEN or <data-dir>/token). When no bridge answers it says so and reads the live DB directly, read-only, when no process holds it: sessions, the last session's frames, size, free disk, unacknowledged recoveries.

Exit 0 ok, 1 degraded, 2 down (the bridge is not reachable). --json prints the bridge's report with {reachable, url}. On a terminal the screen is drawn with colours; into a pipe or file it is plain text (--watch then prints one line per read).`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %>', description: 'One look.'},
    {command: '<%= config.bin %> <%= command.id %> --watch', description: 'Live, refreshed every second; Ctrl-C quits.'},
    {command: '<%= config.bin %> <%= command.id %> --json | jq .status', description: 'For scripts: the figures, and the exit code.'},
  ]

  static override flags = {
    interval: Flags.integer({default: 1000, description: 'Milliseconds between reads under --watch.', hidden: true, min: 100}),
    url: urlFlag(),
    watch: Flags.boolean({char: 'w', description: 'Refresh every second until Ctrl-C.'}),
  }

  static override summary = "The bridge's state on one screen; exit 0 ok, 1 degraded, 2 down."

  async run(): Promise<HealthResult> {
    const {flags} = await this.parse(Health)
    if (flags.watch && this.jsonEnabled()) throw new UsageError('--watch draws a screen; --json prints one reading', {code: 'PW_USAGE', suggestions: ['pitwall health --json', 'pitwall health --watch']})
    const settings = await this.settings({dataDir: flags['data-dir'], url: flags.url})
    const abort = new AbortController()
    const shutdown = onShutdown(async () => abort.abort())
    try {
      const reading = await runHealth({
        access: {dataDir: settings.dataDir, token: settings.get('token'), url: settings.get('url')},
        intervalMs: flags.interval,
        print: (text) => this.log(text),
        quiet: this.jsonEnabled(),
        signal: abort.signal,
        watch: flags.watch,
      })
      // 0 ok, 1 degraded, 2 down: the last reading decides (also after Ctrl-C under --watch).
      process.exitCode = healthExitCode(reading.status)
      return reading
    } finally {
      shutdown.dispose()
    }
  }
}
