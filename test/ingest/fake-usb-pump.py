#!/usr/bin/python3
"""A stand-in for native/usb-pump for tests: the same contract (the device on fd 3, device bytes
to stdout, stdin to the device), over whatever fd 3 is (CI has no USB device to hand over).
It announces itself on stderr so the test can see it ran."""
import os
import select
import sys

sys.stderr.write('fake-usb-pump: pumping fd 3\n')
sys.stderr.flush()
while True:
    r, _, _ = select.select([0, 3], [], [])
    if 3 in r:
        data = os.read(3, 4096)
        if not data:
            sys.exit(2)  # the device went away
        os.write(1, data)
    if 0 in r:
        data = os.read(0, 4096)
        if not data:
            sys.exit(0)  # pitwall closed stdin
        os.write(3, data)
