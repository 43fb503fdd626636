"""Independent decoder for the road-capture test: python-can reads the candump log, canmatrix
decodes it with the DBC. Prints {signal: {count, min, max, sum}} as JSON. Run with /usr/bin/python3
(Debian's python3-can and python3-canmatrix)."""
import json
import sys

import can
import canmatrix.formats

log_path, dbc_path = sys.argv[1], sys.argv[2]
db = list(canmatrix.formats.loadp(dbc_path).values())[0]
by_id = {frame.arbitration_id.id: frame for frame in db.frames}
stats = {}
for msg in can.CanutilsLogReader(log_path):
    frame = by_id.get(msg.arbitration_id)
    if frame is None or msg.is_error_frame or msg.is_remote_frame:
        continue
    decoded = frame.decode(bytes(msg.data))
    for name, value in decoded.items():
        v = float(value.phys_value)
        s = stats.setdefault(f"{frame.name}.{name}", {"count": 0, "min": v, "max": v, "sum": 0.0})
        s["count"] += 1
        s["min"] = min(s["min"], v)
        s["max"] = max(s["max"], v)
        s["sum"] += v
json.dump(stats, sys.stdout)
