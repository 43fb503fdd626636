/**
 * The bridge's memory over a long run (issue: "stays under 150 MB RSS, flat over an hour"):
 * `serve --simulate` at the car's nominal rate (about 350 frames/s), one client polling
 * `/session/_live/signals` at 5 Hz, one WebSocket client reading `telemetry_update`; the serve
 * process's RSS (from /proc) sampled every 10 s. Not part of `npm run bench` (it takes an hour):
 *
 *   SOAK_MINUTES=60 npx tsx bench/bridge-soak.ts > soak.json
 *
 * Prints one JSON object: the samples, start/end/max RSS, the growth per minute over the second
 * half (after warm-up), request errors, WebSocket messages, frames stored and dropped.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import WebSocket from 'ws'

const minutes = Number(process.env['SOAK_MINUTES'] ?? 60)
const root = join(import.meta.dirname, '..')
const dataDir = mkdtempSync(join(tmpdir(), 'pitwall-soak-'))
const serve = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'serve', '--simulate', '--port', '0', '--no-wake-lock', '--data-dir', dataDir, '--log-level', 'warn'], {stdio: ['ignore', 'ignore', 'inherit']})
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
while (!existsSync(join(dataDir, 'serve.json'))) await sleep(100)
await sleep(200)
const {url} = JSON.parse(readFileSync(join(dataDir, 'serve.json'), 'utf8')) as {url: string}
const token = readFileSync(join(dataDir, 'token'), 'utf8').trim()
const headers = {'x-pitwall-token': token}

const rssKb = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serve.pid}/status`, 'utf8'))?.[1] ?? 0)
const samples: Array<{minute: number; rssMb: number}> = []
let requests = 0
let errors = 0
let wsMessages = 0
const ws = new WebSocket(url.replace('http', 'ws') + '/ws/realtime', ['pitwall', `token.${token}`])
ws.on('message', () => wsMessages++)
ws.on('error', () => errors++)

const start = Date.now()
const poll = setInterval(() => {
  requests++
  fetch(`${url}/session/_live/signals?names=rpm,speed_ms,throttle_pct,brake_bar&from=-10&rate_hz=10`, {headers})
    .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(String(r.status)))))
    .catch(() => errors++)
}, 200)
while (Date.now() - start < minutes * 60_000) {
  samples.push({minute: Math.round((Date.now() - start) / 600) / 100, rssMb: Math.round(rssKb() / 102.4) / 10})
  await sleep(10_000)
}
clearInterval(poll)
const health = (await (await fetch(`${url}/health`, {headers})).json()) as {can: {frames_total: number; frames_dropped: Record<string, number>}; db: {committed_frames: number}}
ws.close()
serve.kill('SIGTERM')
await new Promise((r) => serve.on('exit', r))
rmSync(dataDir, {force: true, recursive: true})

const half = samples.filter((s) => s.minute >= minutes / 2)
const slope = half.length > 1 ? (half.at(-1)!.rssMb - half[0]!.rssMb) / (half.at(-1)!.minute - half[0]!.minute) : 0
console.log(
  JSON.stringify(
    {
      dropped: health.can.frames_dropped,
      errors,
      framesStored: health.db.committed_frames,
      framesTotal: health.can.frames_total,
      growthMbPerMinSecondHalf: Math.round(slope * 1000) / 1000,
      maxRssMb: Math.max(...samples.map((s) => s.rssMb)),
      minutes,
      requests,
      rssEndMb: samples.at(-1)?.rssMb,
      rssStartMb: samples[0]?.rssMb,
      samples,
      wsMessages,
    },
    null,
    1,
  ),
)
