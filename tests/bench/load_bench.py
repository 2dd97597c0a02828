"""make bench's load figures (tests/bench/run.py, fig_load): an exit
button's press -> its lock's move on the wire (median, p99), idle and
under load, in one run of one daemon:

  - idle;
  - during an MQTT command flood: one staff login sending `status` with
    mosquitto_pub -l, 5,000 at a time, again and again;
  - during control-socket exhaustion: 1,000 idle and 50 half-line
    connections, kept up (closed ones are opened again);
  - during journal verifications of a 1,000,000-row journal: 8 at once,
    each asked again as soon as it is answered;
  - during a full journal.export of that journal (asked again as soon as
    it is answered);

and the daemon's resident memory: before and after the flood, and its
peak (VmHWM) during the export.  Presses: DOORS' exit buttons in turn,
ROUNDS times, waiting for the relock (release_s = 3) between rounds; the
press time is taken before the sim request is sent, the move from the
sim's wire history (CLOCK_MONOTONIC ms).
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / "tests/system"))

from conftest import Building  # noqa: E402
from loadsite import Flood, hwm_kb, press_ms, rss_kb, wait_locked  # noqa
from mqttbroker import Broker  # noqa: E402

DOORS = ["front", "garden", "corridor-1", "corridor-2"]
ROUNDS = 16
FLOOD = 5000
CTL_IDLE, CTL_HALF = 1000, 50
JOURNAL = 1000000
VERIFIES = 8
FAST = "[defaults]\nrelease_s = 3\nheld_warning_s = 5\nheld_s = 8\n"

CROWD = r"""
import socket, sys, time, resource
path, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
def one(half):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    if half:
        try: s.sendall(b'{"verb": "status", "args": {')
        except OSError: pass
    s.setblocking(False)
    return s
held = [one(i >= n) for i in range(n + k)]
print("ready", flush=True)
while True:
    for i, s in enumerate(held):
        try:
            gone = s.recv(4096) == b""
        except BlockingIOError:
            gone = False
        except OSError:
            gone = True
        if gone:
            s.close()
            held[i] = one(i >= n)
    time.sleep(0.2)
"""


def presses(b):
    """The press -> move times; a press the daemon did not answer within
    60 s (or whose sim request timed out) counts as None."""
    xs = []
    for _ in range(ROUNDS):
        for d in DOORS:
            try:
                xs.append(press_ms(b, d, timeout=60))
            except (OSError, AssertionError) as e:
                print("press %s: %s" % (d, e), flush=True)
                xs.append(None)
            time.sleep(0.04)
        try:
            wait_locked(b, DOORS, timeout=60)
        except (OSError, AssertionError) as e:
            print("relock: %s" % e, flush=True)
    return xs


def turn_cpu(b):
    """The daemon's own figure: the most CPU time one loop turn took in
    the last 10 to 20 s (status loop.turn_cpu_max_us), which the machine's
    scheduling does not blur."""
    try:
        return "; longest turn %.1f ms CPU" % (
            b.ok("status")["loop"]["turn_cpu_max_us"] / 1000.0)
    except (OSError, AssertionError, KeyError):
        return ""


def p99(s):
    return s[min(len(s) - 1, int(round(0.99 * (len(s) - 1))))]


def stats(xs, idle=None):
    """median / p99 in ms, and with idle's presses, both as multiples of
    idle's."""
    lost = sum(1 for x in xs if x is None)
    s = sorted(x for x in xs if x is not None)
    if not s:
        return "no press answered (%d lost)" % lost
    if lost:
        return "%.2f / %.2f ms, %d of %d presses lost" % (
            statistics.median(s), s[-1], lost, len(xs))
    out = "%.2f / %.2f ms" % (statistics.median(s), p99(s))
    i = sorted(x for x in (idle or []) if x is not None)
    if i:
        out += " (x%.1f / x%.1f idle)" % (
            statistics.median(s) / max(statistics.median(i), 0.01),
            p99(s) / max(p99(i), 0.01))
    return out


class Repeat(threading.Thread):
    """Run fn again and again until stopped."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.stop, self.n = fn, threading.Event(), 0

    def run(self):
        while not self.stop.is_set():
            self.fn()
            self.n += 1

    def end(self):
        self.stop.set()
        self.join(600)


def call(path, req, timeout=600):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(str(path))
    s.sendall(json.dumps(req).encode() + b"\n")
    n, last = 0, b""
    while not last.endswith(b"\n"):      # the reply is one line
        c = s.recv(1 << 20)
        if not c:
            break
        n += len(c)
        last = c
    s.close()
    return n


def fig_load(run, build, rows, shown, daemons):
    broker = Broker(run / "load-broker")
    b = None
    try:
        pw = "bench-load-%d" % os.getpid()
        broker.add_user("anna", pw, "staff")
        b = Building(run / "load", extra_conf=FAST +
                     broker.mqtt_conf(staff=False))
        pop = [build / "bench/bench_populate", "-c", b.conf, "-n", "10",
               "-j", str(JOURNAL)]
        print("$ %s" % shown(pop), flush=True)
        subprocess.run([str(a) for a in pop], check=True, timeout=1800)
        # The broker has had every row already: no backlog of a million
        # events to drain while the doors are timed.
        import sqlite3
        db = sqlite3.connect(str(b.state / "husvagt.db"))
        db.execute("INSERT OR REPLACE INTO settings (key, value) SELECT "
                   "'mqtt_acked_seq', CAST(max(seq) AS TEXT) FROM journal")
        db.commit()
        db.close()
        print("$ %s  (with [mqtt] on a Mosquitto of its own)" % shown(
            [build / "husvagtd", "-c", b.conf]), flush=True)
        b.start()
        daemons.append(b.proc)
        end = time.monotonic() + 20
        while time.monotonic() < end and b.ok("status").get("mqtt") != "up":
            time.sleep(0.1)
        idle = presses(b)
        rows.append(("exit -> release, idle (median / p99)", stats(idle),
                     "husvagt-sim input DOOR.rex 1,0 -> DOOR.lock moved, "
                     "%d presses" % len(idle)))

        before = rss_kb(b.proc.pid)
        flood = Repeat(lambda: (lambda f: (f.send(), f.settle(0.2, 30),
                                           f.close()))(
            Flood(broker, "anna", pw, FLOOD)))
        flood.start()
        time.sleep(1)
        during = presses(b)
        flood.end()
        time.sleep(1)
        after = rss_kb(b.proc.pid)
        st = b.ok("status")
        rows.append(("exit -> release, MQTT command flood (median / p99)",
                     stats(during, idle), "mosquitto_pub -l -q 1 -t "
                     "husvagt/villa/cmd/anna/status, %d a run, %d runs; "
                     "%d busy" % (FLOOD, flood.n,
                                  st["mqtt_commands"]["busy"]) +
                     turn_cpu(b)))
        rows.append(("RSS before / after the flood", "%d / %d kB (%.2fx)" % (
            before, after, after / before), "/proc/PID/status VmRSS"))

        crowd = subprocess.Popen([sys.executable, "-c", CROWD,
                                  str(b.control), str(CTL_IDLE),
                                  str(CTL_HALF)], stdout=subprocess.PIPE,
                                 text=True)
        crowd.stdout.readline()
        try:
            ctl = presses(b)
            ctl_cpu = turn_cpu(b)
        finally:
            crowd.kill()
            crowd.wait()
        rows.append(("exit -> release, control socket exhausted "
                     "(median / p99)", stats(ctl, idle),
                     "%d idle + %d half-line connections kept open" % (
                         CTL_IDLE, CTL_HALF) + ctl_cpu))

        vs = [Repeat(lambda: call(b.control, {"verb": "journal.verify"}))
              for _ in range(VERIFIES)]
        for v in vs:
            v.start()
        time.sleep(0.5)
        ver = presses(b)
        ver_cpu = turn_cpu(b)
        for v in vs:
            v.stop.set()
        for v in vs:
            v.join(600)
        rows.append(("exit -> release, %d journal.verify in flight, "
                     "%d rows (median / p99)" % (VERIFIES, JOURNAL),
                     stats(ver, idle), "%d verifications answered" %
                     sum(v.n for v in vs) + ver_cpu))

        size, secs = [], []

        def export():
            t = time.monotonic()
            size.append(call(b.control, {"verb": "journal.export",
                                         "args": {"format": "csv"}}))
            secs.append(time.monotonic() - t)
        ex = Repeat(export)
        ex.start()
        time.sleep(0.5)
        exp = presses(b)
        exp_cpu = turn_cpu(b)
        ex.end()
        rows.append(("exit -> release, journal.export running, %d rows "
                     "(median / p99)" % JOURNAL, stats(exp, idle),
                     "%d exports answered, %.0f MB each, %.1f MB/s" % (
                         len(size), (size[0] if size else 0) / 1e6,
                         statistics.median(n / t / 1e6 for n, t in
                                           zip(size, secs)) if size
                         else 0) + exp_cpu))
        rows.append(("husvagtd peak RSS (VmHWM) with export, %d rows" %
                     JOURNAL, "%d kB" % hwm_kb(b.proc.pid),
                     "/proc/PID/status VmHWM after the exports"))
    finally:
        if b is not None:
            try:
                b.stop(timeout=30)
            except subprocess.TimeoutExpired:
                b.proc.kill()
                b.proc.wait()
        broker.cleanup()
