/**
 * End-to-end ingest throughput: slcan bytes in → frames stored, through a real pty and the real
 * CLI (`pitwall ingest --device LINK`, the shipped E46 car: decode, samples, DuckDB).
 *
 * The sender is a minimal stock CANable written in Python (standard library only, below): it makes
 * a pty, links its slave at LINK, answers the probe, and once opened writes a pre-generated stream
 * paced by the wall clock with non-blocking writes, every half millisecond what is due. Frames the
 * pty does not take at once wait in a 4 KiB buffer (the adapter's own transmit buffer, about 180
 * frames); a frame that finds it full is lost and counted as adapter overflow, as on a real adapter
 * whose host stopped reading.
 *
 * A rate passes when, over the whole window, sent == stored, overflow == 0 and nothing was dropped
 * anywhere (source or store). The search tries rising rates in short windows, then confirms the
 * highest passing one for 60 s. Then the CPU use of the ingest process at the seed's 350 frames/s.
 *
 *   npx tsx bench/ingest-e2e.ts [--quick]     (--quick: 10 s confirm, 15 s CPU window)
 *   npx tsx bench/ingest-e2e.ts --cpu-only    (only the CPU measurement at 350 frames/s; --cpu-runs=N repeats it)
 *   npx tsx bench/ingest-e2e.ts --rate=N --once [--quick]   (one window at N frames/s, nothing else)
 *
 * The CPU figure is the ingest process's utime + stime over the window, all threads, and per
 * thread group (main, the tty reader, the store worker, DuckDB's threads, libuv's pool) from
 * /proc/PID/task. Environment variables reach ingest (e.g. PITWALL_DUCKDB_THREADS=1).
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

import {openCar} from '../src/lib/car/index.js'
import {formatFrameLine} from '../src/lib/can/slcan/index.js'
import type {BenchResult} from './harness.js'
import {e46Stream} from './e46-stream.js'

const ROOT = resolve(import.meta.dirname, '..')
const QUICK = process.argv.includes('--quick')
const CONFIRM_S = QUICK ? 10 : 60
const SEARCH_S = 8
const CPU_S = QUICK ? 15 : 40
const TARGET = 50_000
/**
 * Sender and ingest run at nice -10 (root) so that other jobs on a shared machine do not take their
 * time slices: a pty holds about 21 KiB with the adapter buffer, 47 ms at 20,000 frames/s, less
 * than a scheduling delay on a 2-core machine with a load of 7. In the car the phone runs nothing
 * else. Without root the children run at the default priority (nice refuses to lower it).
 */
const NICE = process.getuid?.() === 0 ? ['-n', '-10'] : ['-n', '0']
/** `--via fd`: hand the pty over as `--can-fd 3` (tty.ReadStream) instead of `--device` (serialport). */
const VIA_FD = process.argv.includes('--via=fd')

const SENDER = String.raw`
import json, os, sys, time, tty, termios, select
link, stream, rate, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
lines = open(stream, 'rb').read().split(b'\r')[:-1]
lines = [l + b'\r' for l in lines]
master, slave = os.openpty()
tty.setraw(slave, termios.TCSANOW)
if os.path.lexists(link): os.unlink(link)
os.symlink(os.ttyname(slave), link)
os.set_blocking(master, False)
buf = b''
# A stock CANable: answer V, wait for O.
while not buf.endswith(b'O\r'):
    select.select([master], [], [], 1.0)
    try:
        chunk = os.read(master, 4096)
    except BlockingIOError:
        continue
    buf += chunk
    if b'V\r' in chunk:
        os.write(master, b'ba6b1dd https://github.com/normaldotcom/canable-fw.git\r')
sent = overflow = 0
n = len(lines)
# The adapter's own buffer: frames that cannot be written yet wait here (4 KiB, about 180 frames,
# like a CANable's USB transmit buffer); a frame that finds it full is lost: adapter overflow.
CAP = 4096
pending = bytearray()
import collections
queued = collections.deque()  # sizes of the lines still (partly) in pending, oldest first
qbytes = 0
lost_at = {}
t0 = time.monotonic()
total = int(rate * seconds)
prev = t0
stalls = {}  # second -> the sender's own longest gap between two passes, ms (when over 10 ms)
while True:
    now = time.monotonic()
    if now - prev > 0.010:
        sec = int(now - t0)
        stalls[sec] = max(stalls.get(sec, 0), round((now - prev) * 1000))
    prev = now
    due = min(total, int((now - t0) * rate))
    # Everything due goes to the pty; what it does not take waits in the adapter's buffer, and what
    # does not fit there is lost. (A sender that was itself descheduled catches up in one write:
    # that is not the reader's fault and costs nothing as long as the pty takes it.)
    while sent + overflow < due:
        line = lines[(sent + overflow) % n]
        pending += line
        queued.append(len(line))
        qbytes += len(line)
        sent += 1
    if pending:
        try:
            written = os.write(master, pending)
            del pending[:written]
        except BlockingIOError:
            pass
        while len(pending) > CAP:
            size = queued.pop()
            qbytes -= size
            del pending[len(pending) - size:]
            sent -= 1
            overflow += 1
            sec = int(now - t0)
            lost_at[sec] = lost_at.get(sec, 0) + 1
        # Lines written out completely leave the queue (the first one may be half written).
        while queued and qbytes - queued[0] >= len(pending):
            qbytes -= queued.popleft()
    if sent + overflow >= total and not pending:
        break
    try:
        os.read(master, 4096)  # status polls, if any
    except BlockingIOError:
        pass
    time.sleep(0.0005)
print(json.dumps({'sent': sent, 'overflow': overflow, 'seconds': time.monotonic() - t0, 'lostAt': lost_at, 'senderStalls': stalls}), flush=True)
sys.stdin.read()  # keep the pty until the bench is done with it
`

interface Trial {
  readonly rate: number
  readonly seconds: number
  readonly sent: number
  readonly overflow: number
  readonly stored: number
  readonly dropped: number
  readonly ok: boolean
  readonly cpuPct?: number
}

async function waitFor(test: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (!test()) {
    if (Date.now() > until) return false
    await new Promise((r) => setTimeout(r, 50))
  }
  return true
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** utime + stime (s) and voluntary context switches of each thread of a process, by thread id, with its name. */
function threadCpu(pid: number): Map<number, {name: string; s: number; switches: number}> {
  const out = new Map<number, {name: string; s: number; switches: number}>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8')
      const switches = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0)
      out.set(Number(tid), {name, s: (Number(fields[11]) + Number(fields[12])) / 100, switches})
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out
}

/**
 * Per thread: % of one core and wake-ups (voluntary context switches) per second between two
 * snapshots, busiest first. Node names none of its threads, so they are told apart by id: the main
 * thread's id is the pid; the others (the tty reader, the store worker, DuckDB's, V8's and libuv's)
 * are listed by rank.
 */
function threadShares(pid: number, before: Map<number, {name: string; s: number; switches: number}>, after: Map<number, {name: string; s: number; switches: number}>, seconds: number): string {
  const rows: Array<{label: string; pct: number; wakeups: number}> = []
  for (const [tid, a] of after) {
    const b = before.get(tid) ?? {s: 0, switches: 0}
    rows.push({label: tid === pid ? 'main' : `tid ${tid}`, pct: ((a.s - b.s) / seconds) * 100, wakeups: (a.switches - b.switches) / seconds})
  }
  rows.sort((x, y) => y.pct - x.pct)
  const idle = rows.filter((r) => r.pct < 0.05).length
  return `${rows
    .filter((r) => r.pct >= 0.05)
    .map((r) => `${r.label} ${r.pct.toFixed(2)} % (${Math.round(r.wakeups)}/s)`)
    .join(', ')}${idle ? `; ${idle} threads under 0.05 %` : ''}`
}

async function trial(stream: string, rate: number, seconds: number, measureCpu = false): Promise<Trial> {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-bench-ingest-'))
  const link = join(dir, 'adapter')
  const sender = spawn('nice', [...NICE, '/usr/bin/python3', '-c', SENDER, link, stream, String(rate), String(seconds)], {stdio: ['pipe', 'pipe', 'inherit']})
  let senderOut = ''
  sender.stdout!.on('data', (d: Buffer) => (senderOut += d.toString()))
  await waitFor(() => existsSync(link), 10_000)
  const fd = VIA_FD ? openSync(link, 'r+') : undefined
  const input = fd === undefined ? ['--device', link] : ['--can-fd', '3']
  const ingest: ChildProcess = spawn('nice', [...NICE, process.execPath, join(ROOT, 'bin', 'run.js'), 'ingest', ...input, '--json', '--log-level', 'warn'], {
    env: {...process.env, PITWALL_DATA_DIR: join(dir, 'data')},
    stdio: ['ignore', 'pipe', 'pipe', ...(fd === undefined ? [] : [fd])],
  })
  if (fd !== undefined) closeSync(fd)
  let out = ''
  let committed = 0
  ingest.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  ingest.stderr!.on('data', (d: Buffer) => {
    for (const m of d.toString().matchAll(/^committed (\d+)$/gm)) committed = Number(m[1])
  })
  let cpuPct: number | undefined
  let threads = ''
  // nice execs node in place, so the child's pid is ingest's.
  const ingestPid = (): number => ingest.pid!
  if (measureCpu) {
    // Skip start-up (loading the car, opening DuckDB), then measure a steady window.
    await new Promise((r) => setTimeout(r, 5000))
    const c0 = cpuSeconds(ingestPid())
    const threads0 = threadCpu(ingestPid())
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, (seconds - 8) * 1000))
    const elapsedS = (performance.now() - t0) / 1000
    cpuPct = ((cpuSeconds(ingestPid()) - c0) / elapsedS) * 100
    threads = threadShares(ingestPid(), threads0, threadCpu(ingestPid()), elapsedS)
  }
  await waitFor(() => senderOut.includes('}'), (seconds + 30) * 1000)
  const sent = JSON.parse(senderOut) as {sent: number; overflow: number; lostAt: Record<string, number>; senderStalls: Record<string, number>}
  if (sent.overflow > 0) process.stderr.write(`  overflow by second: ${JSON.stringify(sent.lostAt)}; the sender's own stalls over 10 ms by second (ms): ${JSON.stringify(sent.senderStalls)}\n`)
  // Everything sent must arrive: wait until the commits stop moving.
  let last = -1
  while (committed !== last) {
    last = committed
    await new Promise((r) => setTimeout(r, 1500))
  }
  ingest.kill('SIGTERM')
  await new Promise((r) => ingest.on('exit', r))
  sender.stdin!.end()
  const summary = JSON.parse(out) as {store: {committedFrames: number; dropped: Record<string, number>}; source: {dropped: Record<string, number>}}
  rmSync(dir, {force: true, recursive: true})
  const dropped = [...Object.values(summary.store.dropped), ...Object.values(summary.source.dropped)].reduce((a, b) => a + b, 0)
  const stored = summary.store.committedFrames
  const ok = stored === sent.sent && sent.overflow === 0 && dropped === 0
  const t: Trial = {dropped, ok, overflow: sent.overflow, rate, seconds, sent: sent.sent, stored, ...(cpuPct === undefined ? {} : {cpuPct})}
  process.stderr.write(`  ${rate.toLocaleString('en')} frames/s for ${seconds} s: sent ${t.sent}, stored ${t.stored}, overflow ${t.overflow}, dropped ${t.dropped}${cpuPct === undefined ? '' : `, ingest CPU ${cpuPct.toFixed(2)} % of one core`} → ${ok ? 'ok' : 'FAIL'}\n`)
  if (threads) process.stderr.write(`    by thread (CPU, wake-ups/s): ${threads}\n`)
  return t
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'commands', 'ingest.js'))) throw new Error('build first: npm run build')
  const car = await openCar('bmw_e46_m3', {dataDir: mkdtempSync(join(tmpdir(), 'pitwall-bench-car-'))})
  // 200,000 distinct frames of the synthetic E46, as stock slcan lines; the sender cycles through them.
  const lines: string[] = []
  for (const batch of e46Stream(car, 200_000)) for (const f of batch.frames()) lines.push(formatFrameLine(f))
  const stream = join(mkdtempSync(join(tmpdir(), 'pitwall-bench-stream-')), 'e46.slcan')
  writeFileSync(stream, lines.join(''), 'latin1')

  if (process.argv.includes('--cpu-only')) {
    const runs = Number(process.argv.find((a) => a.startsWith('--cpu-runs='))?.slice(11) ?? 1)
    const pcts: number[] = []
    for (let k = 0; k < runs; k++) {
      process.stderr.write(`CPU at 350 frames/s for ${CPU_S} s (run ${k + 1} of ${runs}):\n`)
      pcts.push((await trial(stream, 350, CPU_S, true)).cpuPct!)
    }
    process.stderr.write(`CPU at 350 frames/s: ${pcts.map((p) => p.toFixed(2)).join(', ')} % of one core\n`)
    return
  }

  if (process.argv.includes('--once')) {
    const rate = Number(process.argv.find((a) => a.startsWith('--rate='))?.slice(7))
    if (!(rate > 0)) throw new Error('--once needs --rate=N')
    await trial(stream, rate, CONFIRM_S)
    return
  }

  // --rate N: skip the search and confirm N (to repeat a measurement).
  const fixed = process.argv.find((a) => a.startsWith('--rate='))
  let best = fixed ? Number(fixed.slice(7)) : 0
  if (!fixed) {
    process.stderr.write(`searching (${SEARCH_S} s windows):\n`)
    for (const rate of [20_000, 50_000, 60_000, 70_000, 80_000, 100_000, 120_000]) {
      const t = await trial(stream, rate, SEARCH_S)
      if (!t.ok) break
      best = rate
    }
  }
  process.stderr.write(`confirming ${best.toLocaleString('en')} frames/s for ${CONFIRM_S} s:\n`)
  let confirmed = best > 0 ? await trial(stream, best, CONFIRM_S) : undefined
  // One step down when the long run does not hold what the short one did.
  while (confirmed && !confirmed.ok && best > 10_000) {
    best -= 10_000
    confirmed = await trial(stream, best, CONFIRM_S)
  }
  process.stderr.write(`CPU at 350 frames/s for ${CPU_S} s:\n`)
  const cpu = await trial(stream, 350, CPU_S, true)

  const rate = confirmed?.ok ? best : 0
  const result: BenchResult = {
    checksum: (confirmed?.stored ?? 0).toString(16).padStart(8, '0'),
    items: confirmed?.stored ?? 0,
    maxPerSecond: rate,
    medianPerSecond: rate,
    minPerSecond: rate,
    name: `ingest e2e: pty → ingest --device → DuckDB, sustained ${CONFIRM_S} s, sent == stored, 0 overflow, 0 drops (CPU at 350/s: ${cpu.cpuPct!.toFixed(2)} % of a core)`,
    note: `cpu350=${cpu.cpuPct!.toFixed(2)}%`,
    runs: 1,
    target: TARGET,
    unit: 'frames',
  }
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`)
}

await main()
