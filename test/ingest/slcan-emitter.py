#!/usr/bin/python3
"""An independent slcan adapter for the ingest tests: standard library only, written from the
firmware behaviour in shared/research/mission-anchors.md §7.2-7.3, not from pitwall's code.

It talks on stdin/stdout (run it under `socat PTY,link=LINK,rawer EXEC:...,pty,rawer`, so its
stdio is a pty) or on --tty PATH. It answers commands like one firmware family and, while open,
streams the frames of candump -l logs, paced by the wall clock.

  --mode stock    normaldotcom canable-fw: answers nothing but V (a git line); M1 = silent.
  --mode lawicel  Lawicel CAN232 / slcanpty: \\r = OK, BEL = error, V1013, F00, Z1 ms stamps, L = listen-only.

Other options: --log FILE (repeatable, streamed in order), --fps N (default 20000), --start N and
--count N (a slice of the frames), --ignore-opens N (drop the first N open commands: an adapter
that reset and forgot), --exit-when-done (exit after the last frame: an unplug), --stop-after-frames N
(then stay open and silent: a bus that went quiet).
A line `emitter: open ...` / `emitter: sent N` goes to stderr when it opens and when it finishes.
"""
import argparse
import os
import select
import sys
import termios
import time
import tty


def frames_of(paths):
    for path in paths:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3 or '#' not in parts[2]:
                    continue
                ident, _, data = parts[2].partition('#')
                if data.startswith('#'):
                    continue  # CAN FD: not sent by these adapters
                extended = len(ident) > 3
                if data.startswith('R'):
                    yield (int(ident, 16), extended, True, b'')
                else:
                    yield (int(ident, 16), extended, False, bytes.fromhex(data))


def slcan_line(frame, stamp_ms):
    ident, extended, remote, data = frame
    letter = ('R' if extended else 'r') if remote else ('T' if extended else 't')
    text = letter + ('%08X' % ident if extended else '%03X' % ident) + '%d' % len(data) + data.hex().upper()
    if stamp_ms is not None:
        text += '%04X' % (stamp_ms % 60000)
    return (text + '\r').encode('ascii')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--mode', choices=['stock', 'lawicel'], required=True)
    p.add_argument('--log', action='append', default=[])
    p.add_argument('--fps', type=float, default=20000)
    p.add_argument('--start', type=int, default=0)
    p.add_argument('--count', type=int, default=-1)
    p.add_argument('--ignore-opens', type=int, default=0)
    p.add_argument('--exit-when-done', action='store_true')
    p.add_argument('--stop-after-frames', type=int, default=-1)
    p.add_argument('--tty')
    a = p.parse_args()

    frames = list(frames_of(a.log))[a.start:]
    if a.count >= 0:
        frames = frames[:a.count]
    if a.stop_after_frames >= 0:
        frames = frames[:a.stop_after_frames]

    if a.tty:
        fd_in = fd_out = os.open(a.tty, os.O_RDWR | os.O_NOCTTY)
    else:
        fd_in, fd_out = 0, 1
    if os.isatty(fd_in):
        tty.setraw(fd_in, termios.TCSANOW)

    lawicel = a.mode == 'lawicel'
    is_open = False
    stamps = False
    ignore_opens = a.ignore_opens
    opened_at = 0.0
    sent = 0
    base = 0
    pending = b''
    t0 = time.monotonic()

    def reply(text):
        if text:
            os.write(fd_out, text.encode('latin1'))

    def command(cmd):
        nonlocal is_open, stamps, ignore_opens, opened_at, sent, base
        c = cmd[:1]
        if cmd == 'V':
            return reply('V1013\r' if lawicel else 'ba6b1dd https://github.com/normaldotcom/canable-fw.git\r')
        if cmd in ('O', 'L'):
            if cmd == 'L' and not lawicel:
                return  # stock: unknown command, ignored
            if lawicel and is_open:
                return reply('\x07')
            if ignore_opens > 0:
                ignore_opens -= 1
                sys.stderr.write('emitter: ignored %s\n' % cmd)
                return
            if not is_open:
                is_open = True
                opened_at = time.monotonic()
                base = sent
                sys.stderr.write('emitter: open %s at frame %d\n' % (cmd, sent))
                sys.stderr.flush()
            return reply('\r' if lawicel else '')
        if cmd == 'C':
            was = is_open
            is_open = False
            return reply(('\r' if was else '\x07') if lawicel else '')
        if lawicel:
            if c == 'S' or cmd in ('Z0', 'Z1'):
                if is_open:
                    return reply('\x07')
                if cmd in ('Z0', 'Z1'):
                    stamps = cmd == 'Z1'
                return reply('\r')
            if cmd == 'F':
                return reply('F00\r' if is_open else '\x07')
            return reply('\x07')
        # stock: S, M, A accepted silently; everything else ignored
        return None

    done_reported = False
    while True:
        timeout = 0.002 if is_open and sent < len(frames) else 0.05
        r, _, _ = select.select([fd_in], [], [], timeout)
        if r:
            try:
                chunk = os.read(fd_in, 4096)
            except OSError:
                chunk = b''
            if not chunk:
                break
            pending += chunk
            while b'\r' in pending:
                cmd, _, pending = pending.partition(b'\r')
                command(cmd.decode('latin1').strip('\n'))
        if is_open and sent < len(frames):
            due = min(len(frames), base + int((time.monotonic() - opened_at) * a.fps) + 1)
            # Frames are only sent while open: none are "sent" to a closed or absent host.
            out = []
            while sent < due:
                stamp = int((time.monotonic() - t0) * 1000) if stamps else None
                out.append(slcan_line(frames[sent], stamp))
                sent += 1
            data = b''.join(out)
            while data:
                n = os.write(fd_out, data)
                data = data[n:]
        if sent == len(frames) and not done_reported:
            done_reported = True
            sys.stderr.write('emitter: sent %d\n' % sent)
            sys.stderr.flush()
            if a.exit_when_done:
                time.sleep(0.2)
                return


if __name__ == '__main__':
    main()
