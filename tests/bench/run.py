#!/usr/bin/python3
"""make bench: run every benchmark once and print its figures in one table,
each beside the command that produced it.

    HUSVAGT_BUILD=/abs/build /usr/bin/python3 tests/bench/run.py
    HUSVAGT_BENCH=osdp,fire ... tests/bench/run.py     only these figures

Everything runs on local files and Unix sockets under one temporary folder
($RUN below), removed at the end.  The figures:

 1. card -> lock latency with 100,000 credentials (bench_access)
 2. Wiegand end-of-frame delay after the last bit (bench_wiegand)
 3. journal appends/s, HMAC chain against plain INSERT, and the journal
    writer's group commit under a flood against plain one-row
    transactions (bench_journal)
 4. husvagtd's resident memory with 100,000 credentials and with none,
    beside the floor of the libraries it links (bench_libfloor)
 5. husvagtd's time from exec to its first `status` reply, and the round
    trip of a `status` once it serves
 6. MQTT: events/s husvagtd drains from its journal to a real Mosquitto
    after an outage (QoS 1, loopback), beside mosquitto_pub sending the
    same payloads to the same broker in the same run; the round trip of a
    command (publish on cmd/<login>/status -> reply) over the staff TLS
    listener
 7. fire across Modbus: 32 egress doors on 4 Modbus TCP modules (8 locks
    each, tools/modbus-sim); fire input -> all 32 lock outputs written
    (median, p99) beside one Modbus write round trip (bench_modbus_rtt)
    in the same run, once with the fire input on the sim backend and once
    on a module's analog input (polled); the fan-out: the spread of the 4
    modules' receive stamps in each trip, and the HAL's send-all-then-wait
    pattern alone against the same 4 simulators (bench_modbus_rtt)
 9. OSDP: a chip at an OSDP reader under the Secure Channel -> the door's
    lock output, one reader on a pty (tools/osdp-pd) and then four readers
    at four addresses on one bus: median and p99 of the whole, split into
    waiting for the poll (card queued at the reader -> its osdp_RAW
    written) and the rest (osdp_RAW written -> lock output changed: the
    pty, the CP's MAC check and decryption, the decision, the journal
    commit and the lock write).  A pty is not paced at a baud rate; the
    CP keeps a real line's pace between exchanges (docs/osdp.md), so the
    wait for the poll is what it would be at 115200 baud, but the poll
    and the osdp_RAW themselves cross the pty at once: the time they take
    on a real 115200 baud line (10 bits a byte) is computed from their
    lengths and added to every trip, so the table's figure is the line's.
    A card comes 100-120 ms after the door locked again, when the last
    decision's LED and buzzer exchanges are over
 8. reader line supervision: a reader's D0 held low on the sim (the
    driver socket's "line" op) -> alarm.fault at the reader in the journal,
    and back to idle -> fault.cleared, at random phases of the 250 ms
    sampling (median, max; the journal polled every 2 ms), beside the
    bounds: two sampling intervals to raise, one to clear
 9. load (tests/bench/load_bench.py): exit button -> lock release
    (median, p99) idle, during an MQTT command flood, during control-socket
    exhaustion, during 8 journal verifications and during a journal export
    of a 1,000,000-row journal; RSS before and after the flood, peak RSS
    during the export.  `run.py load` runs only these (any figure names
    given run only those: access wiegand journal daemon mqtt fire
    reader_line osdp exit_stall load).
10. exit button -> lock with every fsync of the database stalled 2 s
    (tests/shim/faultfs.c, LD_PRELOAD) against the same without the shim
    (median, p99 and the ratio of the means); before each press a room
    door's events keep the journal writer inside a commit

Figures 4 and 5 are medians over 5 starts; the exec time is taken just
before Popen, so it includes Python's fork and exec.  Beside figure 4,
the floor: bench_libfloor, linked with the same libraries, calls each once
(an HMAC, sd_notify, an SQLite table, a JSON text, an INI text) and
prints its own resident memory (median of 5 runs).

For 4 and 5 the state folder is filled by bench_populate, and every start
is checked: the daemon reports the credentials, and one enrolled chip
presented on the sim socket releases corridor-1 (denied with none).
"""

import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("HUSVAGT_BUILD", TOP / "build")).resolve()

ENROLLED = 100000       # credentials for figures 1, 4 and 5
ROUNDS = 2000           # cards presented in bench_access (half granted)
FRAMES = 300            # Wiegand frames per bit interval
JOURNAL_ROWS = 3000     # rows per side in bench_journal
EXIT_PRESSES = 20       # REX presses per side in the stalled-disk bench
EXIT_STALL_MS = 2000    # the shim's stall per fsync
STARTS = 5              # daemon starts per database
STATUS_CALLS = 20       # status round trips timed per start
DOOR = "corridor-1"
MQTT_BACKLOG = 10000    # events committed while the broker is down
MQTT_PUB_RUNS = 3       # mosquitto_pub runs (median)
MQTT_CMDS = 300         # command round trips
MQTT_CMD_GAP = 0.012    # s from one command to the next, at least
FIRE_MODULES = 4        # Modbus TCP modules in the fire bench
FIRE_LOCKS = 8          # egress locks per module
FIRE_TRIPS = 50         # fire set and reset, per placement of the input
FIRE_POLL_MS = 50       # the modules' poll interval
RTT_WRITES = 500        # Modbus write round trips timed
LINE_TRIPS = 30         # reader lines held low and let go
LINE_CHECK_MS = 250     # the sampling interval (hal/reader_line.h)
OSDP_CARDS = int(os.environ.get("OSDP_CARDS", 200))        # cards presented per OSDP bus layout
OSDP_BAUD = 115200
OSDP_POLL_SC = 14       # bytes of a POLL under the Secure Channel
OSDP_READERS = [("garden", 1), ("office", 2), ("corridor-1", 3),
                ("corridor-2", 4)]

NOTES = """
Notes
- card->lock: events_hal(HAL_EV_CARD) to the lock on the wire.  The rows
  are queued for the journal writer; a grant waits for its access.granted
  row's commit (SQLite WAL, one fdatasync per commit), then
  writes the lock (the sim backend logs the change and rewrites its wires
  file in place, without fsync); a denial queues one row and returns.
  Rounds alternate a grant and a denial at the same door, back to back,
  so the denial's row and the door's rows come just before each grant
  (the writer commits them with the grant's row).  bench_access prints a
  grant's parts and, after the rounds, the disk's fdatasync of a 4 KiB
  append in the same folder: the commit cannot be faster than that, and
  the p99 of a grant follows the p99 of the disk.
- exit->lock with a stalled disk: the wire log has whole milliseconds, so
  a single figure is within 1 ms; the ratio is of the means over the
  presses.  The sim backend's own wires file is not stalled (the shim
  matches "husvagt.db": the database and its WAL).
- Credentials are enrolled through cred_enrol, one transaction per row as it
  makes them, with synchronous=OFF only while loading (cred_enrol runs its own
  BEGIN IMMEDIATE, so an outer BEGIN cannot wrap it); the level before
  (NORMAL on the loop's connection, the writer's is FULL) is restored and
  checked before anything is measured.
- Wiegand: the loop's timers are whole milliseconds (hal_deadline rounds up,
  the poll timeout counts from a truncated now), which adds about 1 ms to the
  decoder's nominal gap.
- status reports the live credential count kept in memory (counted once at
  start), so it costs the same with 0 or 100,000 credentials.
- MQTT drain: the broker (tools/husvagt-mqtt-setup's configuration, as on
  the appliance) is stopped, the events are made on the sim socket (room
  doors opened and closed), the broker started again; husvagtd reconnects
  on its own backoff and logs "caught up: N events handed over in T ms",
  timed from its CONNACK to the PUBACK of the last event, at most 64 in
  flight.  mosquitto_pub -l -q 1 -M 64 sends the same N payloads (the
  journal rows as JSON lines) with husvagtd's login on the loopback
  listener; its time is the whole process, connecting included.
- MQTT command: a paho-mqtt (Python) client of a staff login over TLS
  publishes {"id": ...} to cmd/<login>/status (QoS 1) and waits for
  reply/<login>/<id>; one at a time, at most one every 12 ms (a login
  sending over 100 a second is answered "busy").
- Fire across Modbus: the end of a trip is the CLOCK_MONOTONIC time at which
  the last of the 4 modules received its coil write (modbus-sim stamps each
  write as it arrives), the start just before the bench sets the fire input
  (a sim loop op on the sim's socket, or modbus-sim's "set register" on
  its stdin); both on the same clock, nothing subtracted.  Inside: the
  daemon steps the 32 egress doors, sends each module its one coil write
  and then awaits the 4 answers (hal_flush), and only then formats and
  queues mode.changed and the 32 door.released rows (egress first).  The
  fan-out rows: the spread of the 4 modules' receive stamps in each trip
  (+ one round trip ~ first sent -> last acknowledged), and the HAL's
  send-all-then-wait pattern alone from bench_modbus_rtt against the
  same 4 simulators.  On this 2-core machine the 4 modbus-sim processes
  and the sender share the CPUs: each request's loopback send runs the
  receiving simulator's wake-up, and the simulators answer one or two at
  a time, so 4 answers cost several of its round trips however they are
  sent (real modules answer in parallel).
  With the input on a module the daemon only sees it at its next poll, so
  the figure also holds up to one poll interval (FIRE_POLL_MS) of waiting
  plus the read round trip.  Between trips the input is reset, staff reset
  the fire (mode.reset) and the bench waits for all 32 locks engaged.
  Every trip is checked: each module got exactly one write, of its 8
  coils, and reads all released afterwards.  p99 of 50 is the slowest
  trip.  The round trip is bench_modbus_rtt writing 8 coils (function 15,
  as the HAL does) to module m0's modbus-sim once the daemons stopped,
  500 times, one at a time.
- Reader line: husvagtd samples every reader's data lines every 250 ms; a
  line low at two samples in a row with no pulse between is a fault, so the
  raise takes 250 to 500 ms after the hold and the clear up to 250 ms.  The
  bench sleeps a random 0-250 ms before each change, so the phase against
  the sampling varies; the time includes polling journal.rows every 2 ms.
- Load: a press is timed from just before the sim request is sent to the
  lock's change in the sim's wire log, in microseconds (mono_us); the sim
  hands the input to the HAL before it saves its own wires file (with
  fsync), so the figure holds the daemon's path, not the sim's disk.
  With 64 presses a figure's p99 is its second slowest press; "(xM /
  xP idle)" is the median and the p99 as multiples of the idle ones.
  "longest turn" is status loop.turn_cpu_max_us just after the presses:
  the most CPU time one loop turn took in the last 10 to 20 s (husvagtd
  logs any turn over 20 ms with its parts, docs/ARCHITECTURE.md).
  Export MB/s is the reply's bytes over the request's round trip, median
  over the exports.
"""

RUN = Path(tempfile.mkdtemp(prefix="husvagt-bench-"))
rows = []               # (figure, value, command) for the table
daemons = []            # started, to be stopped whatever happens


def shown(args):
    """A command line as the table shows it, with $BUILD and $RUN."""
    text = " ".join(str(a) for a in args)
    return text.replace(str(BUILD), "$BUILD").replace(str(RUN), "$RUN")


def bench(args, timeout=300):
    """Run one bench program, echo its output, return it as lines."""
    args = [str(a) for a in args]
    print("$ " + shown(args), flush=True)
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                       cwd=TOP)
    out = p.stdout.replace(str(BUILD), "$BUILD").replace(str(RUN), "$RUN")
    print("".join("    " + line + "\n" for line in out.splitlines()),
          end="", flush=True)
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d):\n%s" % (args[0], p.returncode,
                                                 p.stderr))
    return p.stdout.splitlines()


def field(line, word):
    """The number after word in a line of bench output."""
    parts = line.replace("(", " ").replace(",", " ").split()
    return float(parts[parts.index(word) + 1])


def sim_config(name):
    """A run folder for the sim building; returns its configuration."""
    out = subprocess.check_output([str(TOP / "tools/sim-config"),
                                   str(RUN / name)], text=True)
    return Path(out.strip())


def fig_access():
    conf = sim_config("access")
    args = [BUILD / "bench/bench_access", "-c", conf, "-e", ENROLLED,
            "-n", ROUNDS]
    for line in bench(args):
        words = line.split()
        if len(words) < 2 or "median" not in words:
            continue
        if words[0] in ("grant", "deny") and words[1].startswith("n="):
            rows.append(("card->lock %s, %d creds (median / p99)" % (
                words[0], ENROLLED), "%.2f / %.2f ms%s" % (
                field(line, "median"), field(line, "p99"),
                "; target p99 < 1" if words[0] == "grant" else ""),
                shown(args)))
        elif words[0] in ("decide", "commit", "lock"):
            rows.append(("  grant's part: %s (median / p99)" % (
                "commit wait" if words[0] == "commit" else words[0]),
                "%.2f / %.2f ms" % (field(line, "median"),
                                    field(line, "p99")), shown(args)))
        elif words[0] == "fsync":
            rows.append(("  the disk: fdatasync of a 4 KiB append in the "
                         "same folder (median / p99)", "%.2f / %.2f ms" % (
                             field(line, "median"), field(line, "p99")),
                         shown(args)))


def fig_wiegand():
    args = [BUILD / "bench/bench_wiegand", "-b", "boards/sim/board.ini",
            "-m", FRAMES, "-d", RUN / "wiegand"]
    (RUN / "wiegand").mkdir()
    for line in bench(args):
        if not line.startswith("interval "):
            continue
        rows.append(("Wiegand end of frame, %s ms bits (median / p99)" %
                     line.split()[1], "%.2f / %.2f ms (nominal %.1f; "
                     "old fixed 100)" % (field(line, "median"),
                                         field(line, "p99"),
                                         field(line, "gap")), shown(args)))


def fig_journal():
    (RUN / "journal").mkdir()
    args = [BUILD / "bench/bench_journal", "-n", JOURNAL_ROWS,
            "-d", RUN / "journal"]
    for line in bench(args):
        if line.startswith(("journal_append:", "plain INSERT:")):
            what = line.split(":")[0]
            rows.append(("%s rows/s (fsync each)" % what,
                         "%.0f" % field(line, "="), shown(args)))
        elif line.startswith("group commit:"):
            rows.append(("journal writer rows/s (group commit, flood)",
                         "%.0f" % field(line, "="), shown(args)))
        elif line.startswith("ratio group commit"):
            rows.append(("group commit/plain one-row rows/s ratio",
                         line.split()[-1] + " (target > 5)", shown(args)))
        elif line.startswith("ratio"):
            rows.append(("journal/plain rows/s ratio",
                         line.split()[-1], shown(args)))


def call(path, obj, timeout=5.0):
    """Send one JSON line on a Unix socket and read one reply line."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(json.dumps(obj).encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
    return json.loads(buf)


def proc_kb(pid, key):
    """A VmRSS-style field of /proc/PID/status, in kB."""
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


class Daemon:
    """husvagtd on one sim run folder, started and stopped repeatedly."""

    def __init__(self, conf):
        self.conf = conf
        self.run = conf.parent
        self.control = self.run / "control.sock"
        self.sim = self.run / "sim.sock"
        self.log = open(self.run / "husvagtd.log", "ab")
        self.args = [BUILD / "husvagtd", "-c", conf]
        self.proc = None

    def start(self):
        """Start; returns seconds from just before exec to the first
        successful status reply (polled every 1 ms)."""
        t0 = time.monotonic()
        self.proc = subprocess.Popen([str(a) for a in self.args],
                                     stdout=self.log, stderr=self.log)
        daemons.append(self.proc)
        end = t0 + 30
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                sys.exit("bench: husvagtd exited %d; see %s" % (
                    self.proc.returncode, self.run / "husvagtd.log"))
            try:
                r = call(self.control, {"verb": "status"}, timeout=2)
                if r.get("ok"):
                    return time.monotonic() - t0, r["result"]
            except (OSError, ConnectionError, ValueError):
                pass
            time.sleep(0.001)
        sys.exit("bench: husvagtd did not serve in 30 s")

    def present(self, number, want):
        """Present a card at DOOR and wait for the decision want
        ("access.granted" or "access.denied") and the lock to match."""
        seq = call(self.control, {"verb": "status"})["result"]["journal_seq"]
        r = call(self.sim, {"op": "present", "reader": DOOR + ".reader",
                            "format": 26, "number": number})
        assert r.get("ok"), r
        end = time.monotonic() + 5
        while time.monotonic() < end:
            got = [x["type"] for x in call(self.control, {
                "verb": "journal.rows", "args": {"after": seq}})[
                "result"]["rows"] if x["type"].startswith("access.")]
            outs = call(self.sim, {"op": "outputs"})["outputs"]
            released = [o["released"] for o in outs
                        if o["point"] == DOOR + ".lock"][0]
            if got == [want] and released == (want == "access.granted"):
                return
            time.sleep(0.01)
        sys.exit("bench: card %d at %s: wanted %s, journal %r, lock "
                 "released %r" % (number, DOOR, want, got, released))

    def status_ms(self):
        """Median round trip of STATUS_CALLS status requests, in ms."""
        times = []
        for _ in range(STATUS_CALLS):
            t0 = time.monotonic()
            assert call(self.control, {"verb": "status"}).get("ok")
            times.append((time.monotonic() - t0) * 1000)
        return statistics.median(times)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        if self.proc.wait(10) != 0:
            sys.exit("bench: husvagtd exited %d on SIGTERM" %
                     self.proc.returncode)


def daemon_runs(conf, creds, number):
    """STARTS starts of husvagtd on conf, each timed to serving, checked
    with a card at DOOR, then measured; returns the medians by name."""
    d = Daemon(conf)
    want = "access.granted" if creds else "access.denied"
    got = {"serve": [], "rss": [], "hwm": [], "anon": [], "file": [],
           "status": []}
    for _ in range(STARTS):
        t, status = d.start()
        if status["credentials"] != creds:
            sys.exit("bench: husvagtd has %r credentials, not %d" % (
                status["credentials"], creds))
        d.present(number, want)
        got["serve"].append(t * 1000)
        got["status"].append(d.status_ms())
        got["rss"].append(proc_kb(d.proc.pid, "VmRSS"))
        got["hwm"].append(proc_kb(d.proc.pid, "VmHWM"))
        got["anon"].append(proc_kb(d.proc.pid, "RssAnon"))
        got["file"].append(proc_kb(d.proc.pid, "RssFile"))
        d.stop()
    d.log.close()
    print("    %d credentials, card %d -> %s at each start" % (
        creds, number, want))
    units = {"serve": "ms", "rss": "kB", "hwm": "kB", "anon": "kB",
             "file": "kB", "status": "ms"}
    for k, v in got.items():
        print("      %-6s %s %s" % (k, " ".join("%g" % round(x, 2)
                                          for x in v), units[k]))
    med = {k: statistics.median(v) for k, v in got.items()}
    med["cmd"] = shown(d.args)
    return med


def fig_daemon():
    full = sim_config("daemon")
    args = [BUILD / "bench/bench_populate", "-c", full, "-n", ENROLLED]
    number = int(bench(args)[-1].split()[-1])
    empty = sim_config("empty")
    print("$ %s  (%d starts each with %d and with 0 credentials)" % (
        shown([BUILD / "husvagtd", "-c", "..."]), STARTS, ENROLLED),
        flush=True)
    runs = [(ENROLLED, daemon_runs(full, ENROLLED, number)),
            (0, daemon_runs(empty, 0, number))]
    for creds, m in runs:
        how = "%s; %s" % (shown(args), m["cmd"]) if creds else m["cmd"]
        rows.append(("husvagtd VmRSS / VmHWM, %d creds" % creds,
                     "%.0f / %.0f kB" % (m["rss"], m["hwm"]), how))
        rows.append(("  of it: own memory (RssAnon) / mapped library "
                     "pages (RssFile), %d creds" % creds,
                     "%.0f / %.0f kB" % (m["anon"], m["file"]), how))
    # The floor: the same libraries, each called once the least way.
    fargs = [BUILD / "bench/bench_libfloor"]
    floor = [bench(fargs)[-1] for _ in range(STARTS)]
    fl = {k: statistics.median(field(x, k) for x in floor)
          for k in ("VmRSS", "RssAnon", "RssFile")}
    rows.append(("  floor: the same libraries, each called once (VmRSS: "
                 "RssAnon / RssFile; target < 8 MB)",
                 "%.0f: %.0f / %.0f kB" % (fl["VmRSS"], fl["RssAnon"],
                                            fl["RssFile"]), shown(fargs)))
    for creds, m in runs:
        rows.append(("husvagtd exec -> 1st status, %d creds" % creds,
                     "%.1f ms" % m["serve"], m["cmd"]))
    for creds, m in runs:
        rows.append(("status round trip, %d creds" % creds,
                     "%.2f ms" % m["status"], m["cmd"]))


def mqtt_wait_log(log, pattern, timeout, since=0):
    """The first match of pattern in husvagtd's log after offset since,
    polled."""
    import re
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = re.search(pattern, log.read_text(errors="replace")[since:])
        if m:
            return m
        time.sleep(0.1)
    sys.exit("bench: no %r in %s" % (pattern, log))


def mqtt_drain(b, broker):
    """Figure 6a: the backlog of an outage, drained by husvagtd."""
    from mqttsite import flood
    broker.stop()
    seq0 = b.last_seq()
    flood(b, MQTT_BACKLOG)
    seq1 = b.last_seq()
    print("    %d events committed while the broker was down" % (
        seq1 - seq0), flush=True)
    since = len(b.log.read_text(errors="replace"))
    broker.start()
    m = mqtt_wait_log(b.log, r"caught up: (\d+) events handed over in "
                      r"([\d.]+) ms \((\d+) events/s\)", 60, since)
    if int(m.group(1)) != seq1 - seq0:
        sys.exit("bench: husvagtd caught up %s events, not %d" % (
            m.group(1), seq1 - seq0))
    print("    husvagtd: " + m.group(0), flush=True)
    return seq0, seq1, float(m.group(3))


def mqtt_pub(b, broker, seq0, seq1):
    """Figure 6b: mosquitto_pub with the same payloads; events/s."""
    lines = []
    after = seq0
    while after < seq1:
        page = b.journal(after=after, limit=10000)
        lines += [json.dumps(r, separators=(",", ":")) for r in page
                  if r["seq"] <= seq1]
        after = page[-1]["seq"]
    path = RUN / "mqtt-payloads.txt"
    path.write_text("\n".join(lines) + "\n")
    args = ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port),
            "-u", broker.daemon_user, "-P", broker.daemon_password,
            "-i", broker.daemon_user + "-bench",
            "-V", "mqttv5", "-q", "1", "-M", "64",
            "-t", broker.root + "/bench", "-l"]
    rates = []
    for _ in range(MQTT_PUB_RUNS):
        with open(path) as f:
            t0 = time.monotonic()
            subprocess.run(args, stdin=f, check=True, timeout=120)
            rates.append(len(lines) / (time.monotonic() - t0))
    print("    mosquitto_pub: %s events/s" % " ".join(
        "%.0f" % r for r in rates), flush=True)
    shown_args = [a if a != broker.daemon_password else "PW" for a in args]
    return statistics.median(rates), shown(shown_args) + " < payloads"


def mqtt_rtt(broker, login, password):
    """Figure 6c: command round trips in ms, sorted."""
    c = broker.client(login, password)
    # Like a real console, no Nagle: paho leaves it on, and with the
    # broker's delayed ACK it would add ~40 ms to every round trip.
    c.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    root = broker.root
    c.sub("%s/reply/%s/#" % (root, login))
    times = []
    for i in range(MQTT_CMDS):
        rid = "bench-%d" % i
        topic = "%s/reply/%s/%s" % (root, login, rid)
        t0 = time.monotonic()
        c.publish("%s/cmd/%s/status" % (root, login),
                  json.dumps({"id": rid}), qos=1)
        got = c.wait_for(lambda m, t=topic: m.topic == t, timeout=5)
        times.append((time.monotonic() - t0) * 1000)
        if not json.loads(got.payload).get("ok"):
            sys.exit("bench: command refused: %r" % got.payload)
        c.clear()
        # Under the login's limit of 100 commands a second (a faster
        # caller is answered "busy").
        time.sleep(max(0.0, t0 + MQTT_CMD_GAP - time.monotonic()))
    c.close()
    return sorted(times)


def fig_mqtt():
    sys.path.insert(0, str(TOP / "tests/system"))
    from conftest import Building
    from mqttbroker import Broker
    broker = Broker(RUN / "mqtt-broker")
    b = None
    try:
        password = "bench-%d" % os.getpid()
        broker.add_user("anna", password, "staff")
        b = Building(RUN / "mqtt", extra_conf=broker.mqtt_conf(staff=False))
        print("$ %s  (with [mqtt] on a Mosquitto of its own)" % shown(
            [BUILD / "husvagtd", "-c", b.conf]), flush=True)
        b.start()
        daemons.append(b.proc)
        mqtt_wait_log(b.log, r"mqtt: connected", 10)
        seq0, seq1, rate = mqtt_drain(b, broker)
        pub, pub_cmd = mqtt_pub(b, broker, seq0, seq1)
        times = mqtt_rtt(broker, "anna", password)
    finally:
        if b is not None:
            b.stop()
        broker.cleanup()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    rows.append(("MQTT drain after outage, %d events, QoS 1 (events/s)" %
                 (seq1 - seq0), "%.0f" % rate,
                 "husvagtd log 'caught up' (see notes)"))
    rows.append(("mosquitto_pub, same payloads, QoS 1 (events/s)",
                 "%.0f" % pub, pub_cmd))
    rows.append(("MQTT command round trip, TLS (median / p99)",
                 "%.2f / %.2f ms" % (statistics.median(times), p99),
                 "cmd/anna/status -> reply/anna/<id>, %d times" %
                 MQTT_CMDS))


def fire_files(name, sims, fire_on_module):
    """Board and site configuration of the fire bench under RUN/name: 32
    egress doors, FIRE_LOCKS per module (fail-safe maglocks on coils
    0..7, contacts on inputs 0..7), the fire loop on the sim backend or on
    module 1's register 0.  Returns the configuration's path."""
    run = RUN / name
    (run / "state").mkdir(parents=True)
    board = ["[board]", "name = bench-fire", "", "[backend sim]",
             "type = sim", ""]
    site = ["[site]", "name = bench", "board = %s" % (run / "board.ini"),
            "state_dir = %s" % (run / "state"),
            "control_socket = %s" % (run / "control.sock"),
            "sim_socket = %s" % (run / "sim.sock"), ""]
    for m, sim in enumerate(sims):
        board += ["[backend m%d]" % m, "type = modbus", "transport = tcp",
                  "host = 127.0.0.1", "port = %d" % sim.port, "unit = 1",
                  "poll_ms = %d" % FIRE_POLL_MS, "timeout_ms = %d" % (FIRE_POLL_MS - 10), ""]
        for k in range(FIRE_LOCKS):
            door = "e%02d" % (m * FIRE_LOCKS + k)
            board += ["[point %s.lock]" % door, "backend = m%d" % m,
                      "kind = output", "coil = %d" % k, "lock = fail-safe",
                      "", "[point %s.contact]" % door, "backend = m%d" % m,
                      "kind = input", "input = %d" % k, ""]
            site += ["[door %s]" % door, "zone = entrance", "egress = yes",
                     ""]
    if fire_on_module:
        board += ["[point fire]", "backend = m0", "kind = supervised",
                  "register = 0", "loop = 3000,7000,9000", ""]
    else:
        board += ["[point fire]", "backend = sim", "kind = supervised",
                  "line = FIRE_LOOP", ""]
    (run / "board.ini").write_text("\n".join(board))
    conf = run / "husvagt.conf"
    conf.write_text("\n".join(site))
    return conf


def fire_wait(pred, what, timeout=5):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            sys.exit("bench: fire: timed out waiting for %s" % what)
        time.sleep(0.002)


def fire_trips(d, sims, fire_on_module):
    """FIRE_TRIPS fire trips; the latencies in ms, sorted."""
    locked = "1" * FIRE_LOCKS
    released = "0" * FIRE_LOCKS

    def coils(want):
        return all(s.coils()[:FIRE_LOCKS] == want for s in sims)

    def fire(active):
        if fire_on_module:
            sims[0].set_register(0, 8000 if active else 6000)
        else:
            r = call(d.sim, {"op": "loop", "point": "fire",
                             "state": "active" if active else "normal"})
            assert r.get("ok"), r

    fire_wait(lambda: not call(d.control, {"verb": "status"})["result"][
        "faults"], "the modules answering")
    fire_wait(lambda: coils(locked), "every lock engaged")
    times, spreads = [], []
    for _ in range(FIRE_TRIPS):
        marks = [s.nwrites() for s in sims]
        t0 = time.monotonic()
        fire(True)
        fire_wait(lambda: all(s.nwrites() > k for s, k in zip(sims, marks)),
                  "a write to every module")
        fire_wait(lambda: coils(released), "every lock released")
        writes = [s.writes_since(k) for s, k in zip(sims, marks)]
        if any([w[:2] for w in ws] != [(0, FIRE_LOCKS)] for ws in writes):
            sys.exit("bench: fire: not one write of %d coils per module: "
                     "%r" % (FIRE_LOCKS, writes))
        times.append((max(ws[0][2] for ws in writes) / 1e6 - t0) * 1000)
        # The fan-out: the first module's write received to the last's
        # (modbus-sim's receive stamps, microseconds).
        spreads.append((max(ws[0][2] for ws in writes) -
                        min(ws[0][2] for ws in writes)) / 1000.0)
        fire(False)
        fire_wait(lambda: not call(d.control, {"verb": "mode.status"})[
            "result"]["fire_input"], "the input cleared")
        r = call(d.control, {"verb": "mode.reset"})
        assert r.get("ok"), r
        fire_wait(lambda: coils(locked), "every lock engaged again")
    return sorted(times), sorted(spreads)


def fig_fire():
    sys.path.insert(0, str(TOP / "tests/system"))
    from conftest import ModbusSim
    sims = []
    try:
        for _ in range(FIRE_MODULES):
            sims.append(ModbusSim(tcp="127.0.0.1:0"))
        modules = sims
        results = []
        for on_module in (False, True):
            name = "fire-module" if on_module else "fire-sim"
            conf = fire_files(name, modules, on_module)
            d = Daemon(conf)
            print("$ %s  (%d fire trips, input on %s)" % (
                shown(d.args), FIRE_TRIPS, "module m0 register 0, polled "
                "every %d ms" % FIRE_POLL_MS if on_module else
                "the sim backend"), flush=True)
            d.start()
            try:
                times, spreads = fire_trips(d, modules, on_module)
            finally:
                d.stop()
                d.log.close()
            print("    ms: " + " ".join("%.2f" % t for t in times),
                  flush=True)
            print("    fan-out, 1st -> 4th module's write received, ms: " +
                  " ".join("%.3f" % t for t in spreads), flush=True)
            results.append((on_module, times, spreads, shown(d.args)))
        # The daemons are gone: one round trip to module m0, then the
        # HAL's fan-out alone to the same 4 modules.
        args = [BUILD / "bench/bench_modbus_rtt"]
        for m in modules:
            args += ["-p", m.port]
        args += ["-n", RTT_WRITES]
        rtt_line, sent_line, fan_line = bench(args)[-3:]
    finally:
        for s in sims:
            s.stop()
    rtt = field(rtt_line, "median")
    for on_module, times, spreads, cmd in results:
        med = statistics.median(times)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        where = ("on module m0, polled every %d ms" % FIRE_POLL_MS
                 if on_module else "on the sim backend")
        rows.append(("fire input %s -> 32 locks on 4 Modbus modules "
                     "written (median / p99)" % where,
                     "%.2f / %.2f ms (%.0fx the round trip)" % (
                         med, p99, med / rtt), cmd))
        smed = statistics.median(spreads)
        sp99 = spreads[min(len(spreads) - 1, int(len(spreads) * 0.99))]
        rows.append(("  its fan-out: 1st module's write received -> 4th's "
                     "(median / p99); + 1 round trip = sent -> acked",
                     "%.3f / %.3f ms; (%.3f + %.3f) = %.1fx the round "
                     "trip (target < 2)" % (smed, sp99, smed, rtt,
                                            (smed + rtt) / rtt), cmd))
    rows.append(("Modbus TCP write round trip, 8 coils (median / p99)",
                 "%.3f / %.3f ms" % (rtt, field(rtt_line, "p99")),
                 shown(args)))
    fan = field(fan_line, "median")
    rows.append(("HAL fan-out alone: 4 modules, 1st request sent -> 4th "
                 "answer (median / p99)", "%.3f / %.3f ms (%.1fx the round "
                 "trip; target < 2)" % (fan, field(fan_line, "p99"),
                                        fan / rtt), shown(args)))
    rows.append(("  of it: the 4 requests sent (median / p99)",
                 "%.3f / %.3f ms" % (field(sent_line, "median"),
                                     field(sent_line, "p99")), shown(args)))


def line_wait(d, seq, type_, point):
    """Wait (at most 5 s) for a row of type at point after seq."""
    end = time.monotonic() + 5
    while time.monotonic() < end:
        rows_ = call(d.control, {"verb": "journal.rows",
                                 "args": {"after": seq}})["result"]["rows"]
        if any(r["type"] == type_ and r["point"] == point for r in rows_):
            return
        time.sleep(0.002)
    sys.exit("bench: no %s at %s" % (type_, point))


def fig_reader_line():
    d = Daemon(sim_config("lines"))
    d.start()
    reader = DOOR + ".reader"
    print("$ %s; sim line %s d0 low|idle x %d" % (shown(d.args), reader,
          LINE_TRIPS), flush=True)
    times = {"low": [], "idle": []}
    want = {"low": "alarm.fault", "idle": "fault.cleared"}
    bound = {"low": 2 * LINE_CHECK_MS, "idle": LINE_CHECK_MS}
    for _ in range(LINE_TRIPS):
        for state in ("low", "idle"):
            time.sleep(random.uniform(0, 0.25))
            seq = call(d.control, {"verb": "status"})["result"][
                "journal_seq"]
            t0 = time.monotonic()
            r = call(d.sim, {"op": "line", "reader": reader, "line": "d0",
                             "state": state})
            assert r.get("ok"), r
            line_wait(d, seq, want[state], reader)
            times[state].append((time.monotonic() - t0) * 1000)
    d.stop()
    d.log.close()
    for state in ("low", "idle"):
        v = sorted(times[state])
        print("    %s -> %s: median %.0f ms, max %.0f ms" % (
            state, want[state], statistics.median(v), v[-1]))
        rows.append(("reader D0 %s -> %s (median / max)" % (
            state, want[state]), "%.0f / %.0f ms (bound %d)" % (
            statistics.median(v), v[-1], bound[state]),
            "%s; sim line %s d0 %s" % (shown(d.args), reader, state)))


def osdp_board(path, readers, device):
    """boards/sim/board.ini with the readers (door, address) on an osdp
    backend at device."""
    import re
    text = (TOP / "boards/sim/board.ini").read_text()
    for door, addr in readers:
        pat = re.compile(r"^\[point %s\.reader\]\n(?:(?!\[)[^\n]*\n)*?"
                         r"(?=\n|\[|\Z)" % re.escape(door), re.M)
        text, n = pat.subn("[point %s.reader]\nbackend = bus1\nkind = "
                           "reader\naddress = %d\n" % (door, addr), text, 1)
        assert n == 1, door
    path.write_text(text + "\n[backend bus1]\ntype = osdp\ndevice = %s\n"
                    "baud = %d\n" % (device, OSDP_BAUD))
    return path


class OsdpPd:
    """tools/osdp-pd, its stdout lines kept by a thread."""

    def __init__(self, link, addrs):
        import threading
        self.args = [BUILD / "osdp-pd", "--link", link, "--address", addrs]
        self.proc = subprocess.Popen([str(a) for a in self.args],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     bufsize=1)
        daemons.append(self.proc)
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()
        self.wait(lambda x: x.startswith("ready"), 0)

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.split())

    def wait(self, pred, after, timeout=5):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for x in self.lines[after:]:
                if pred(" ".join(x)):
                    return x
            time.sleep(0.001)
        sys.exit("bench: the simulated reader did not say it")

    def cmd(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()


def osdp_lock_change(d, role, after):
    """The first change of role in the sim's wire log after line after:
    (mono ms, index)."""
    log = d.run / "state" / "sim-wires.log"
    end = time.monotonic() + 5
    while time.monotonic() < end:
        lines = log.read_text().splitlines() if log.exists() else []
        for i, line in enumerate(lines[after:], after):
            mono, _, r, _ = line.split()[:4]
            if r == role:
                return int(mono), i + 1
        time.sleep(0.001)
    sys.exit("bench: %s did not move" % role)


def osdp_trips(d, pd, readers):
    """OSDP_CARDS cards at random readers, each waited for to the lock
    and the door locked again; returns (total, poll, rest, raw bytes).
    A card comes 100 to 120 ms after the last door locked again: the
    last decision's LED and buzzer exchanges (about 10 ms of line) are
    over, as they are when the next person presents a chip, and the
    card falls at a random point of the poll round."""
    log = d.run / "state" / "sim-wires.log"
    at = len(log.read_text().splitlines()) if log.exists() else 0
    total, poll, rest, nraw = [], [], [], 0
    for _ in range(OSDP_CARDS):
        door, addr = random.choice(readers)
        time.sleep(random.uniform(0.1, 0.12))
        mark = len(pd.lines)
        pd.cmd("card 26 %d %d" % ((1 << 16) | 2001, addr))
        q = pd.wait(lambda x: x.startswith("queued %d" % addr), mark)
        raw = pd.wait(lambda x: x.startswith("raw %d" % addr), mark)
        lock_ms, at = osdp_lock_change(d, door + ".lock", at)
        t_q, t_raw = int(q[2]) / 1000.0, int(raw[2]) / 1000.0
        nraw = int(raw[3])
        total.append(lock_ms - t_q)
        poll.append(t_raw - t_q)
        rest.append(lock_ms - t_raw)
        r = call(d.control, {"verb": "door.lock", "args": {"door": door}})
        assert r.get("ok"), r
        _, at = osdp_lock_change(d, door + ".lock", at)
    return total, poll, rest, nraw


def p99(v):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * 0.99))]


def fig_osdp():
    for readers in (OSDP_READERS[:1], OSDP_READERS):
        name = "osdp%d" % len(readers)
        (RUN / name).mkdir()
        link = RUN / name / "bus1"
        pd = OsdpPd(link, ",".join(str(a) for _, a in readers))
        board = osdp_board(RUN / name / "board.ini", readers, link)
        out = subprocess.check_output([str(TOP / "tools/sim-config"),
                                       str(RUN / name), str(board)],
                                      text=True)
        conf = Path(out.strip())
        with open(conf, "a") as f:
            f.write("\n[defaults]\nrelease_s = 60\n")
        d = Daemon(conf)
        d.start()
        zones = ",".join("entrance" if door == "garden" else door
                         for door, _ in readers)
        for verb, args in (("stay.admit", {"alias": "B", "room": "101"}),
                           ("chip.enrol", {"holder": "stay:1", "facility": 1,
                                           "card": 2001, "zones": zones})):
            r = call(d.control, {"verb": verb, "args": args})
            assert r.get("ok"), r
        for door, addr in readers:
            mark = len(pd.lines)
            r = call(d.control, {"verb": "reader.install",
                                 "args": {"point": door + ".reader"}})
            assert r.get("ok"), r
            pd.wait(lambda x: x == "keyset %d" % addr, mark)
            pd.wait(lambda x: x == "secure %d" % addr, mark)
        time.sleep(0.2)
        cmd = "%s; %s; osdp-pd card x %d" % (shown(pd.args), shown(d.args),
                                             OSDP_CARDS)
        print("$ " + cmd, flush=True)
        total, poll, rest, nraw = osdp_trips(d, pd, readers)
        wire = (OSDP_POLL_SC + nraw) * 10 * 1000.0 / OSDP_BAUD
        for what, v in (("total", total), ("waiting for the poll", poll),
                        ("osdp_RAW -> lock", rest)):
            print("    %d reader(s) %s: median %.2f ms, p99 %.2f ms" % (
                len(readers), what, statistics.median(v), p99(v)))
        print("    on a %d baud line add %.2f ms (POLL %d + osdp_RAW %d "
              "bytes)" % (OSDP_BAUD, wire, OSDP_POLL_SC, nraw))
        line = [t + wire for t in total]
        rows.append(("OSDP SC card->lock at %d baud, %d reader(s) "
                     "(median / p99)" % (OSDP_BAUD, len(readers)),
                     "%.2f / %.2f ms%s" % (
                         statistics.median(line), p99(line),
                         "; goal p99 < 10" if len(readers) == 1 else ""),
                     cmd))
        rows.append(("  of it: waiting for the poll / on the line / "
                     "osdp_RAW -> lock", "%.2f / %.2f / %.2f ms (p99 %.2f / "
                     "%.2f / %.2f)" % (
                         statistics.median(poll), wire,
                         statistics.median(rest), p99(poll), wire,
                         p99(rest)), cmd))
        d.stop()
        d.log.close()
        pd.proc.kill()
        pd.proc.wait()
def exit_presses(name, stall_ms):
    """EXIT_PRESSES exit button presses on a husvagtd whose database
    fsyncs stall stall_ms (0: no shim); ms from just before the press to
    the lock's change in the sim's wire log (CLOCK_MONOTONIC, whole ms)."""
    conf = sim_config(name)
    with open(conf, "a") as f:          # later keys win: relock in 3 s
        f.write("\n[defaults]\nrelease_s = 3\n")
    run = conf.parent
    shim = BUILD / "tests" / "libfaultfs.so"
    env = dict(os.environ)
    if stall_ms:
        ctl = run / "fsync.ctl"
        ctl.write_text("match husvagt.db\nstall %d\n" % stall_ms)
        env.update(LD_PRELOAD=str(shim), HUSVAGT_FSYNC_CTL=str(ctl))
    log = open(run / "husvagtd.log", "ab")
    args = [str(BUILD / "husvagtd"), "-c", str(conf)]
    proc = subprocess.Popen(args, stdout=log, stderr=log, env=env)
    daemons.append(proc)
    control, sim = run / "control.sock", run / "sim.sock"
    end = time.monotonic() + 30
    while True:
        try:
            if call(control, {"verb": "status"}, timeout=2).get("ok"):
                break
        except (OSError, ConnectionError, ValueError):
            pass
        if time.monotonic() > end or proc.poll() is not None:
            sys.exit("bench: husvagtd did not serve; see %s" % run)
        time.sleep(0.01)
    wires = run / "state" / "sim-wires.log"
    times = []
    room = 0
    for i in range(EXIT_PRESSES):
        # Room door events: the writer is inside a commit when the press
        # comes (with the shim, a 2 s fsync).
        room = 1 - room
        call(sim, {"op": "input", "point": "room-101.contact",
                   "value": room})
        time.sleep(0.005)
        n = len(wires.read_text().splitlines())
        t0 = time.monotonic() * 1000.0
        for v in (1, 0):
            r = call(sim, {"op": "input", "point": "front.rex", "value": v})
            assert r.get("ok"), r
        while True:
            lines = wires.read_text().splitlines()[n:]
            moved = [float(x.split()[0]) for x in lines
                     if x.split()[2] == "front.lock"]
            if moved:
                times.append(moved[0] - t0)
                break
            if time.monotonic() * 1000.0 - t0 > 10000:
                sys.exit("bench: the exit button did not move the lock")
            time.sleep(0.0005)
        # Let the door relock (release_s) before the next press.
        end = time.monotonic() + 15
        while time.monotonic() < end:
            outs = call(sim, {"op": "outputs"})["outputs"]
            if not [o for o in outs if o["point"] == "front.lock"][0][
                    "released"]:
                break
            time.sleep(0.05)
    status = call(control, {"verb": "status"})["result"]
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    log.close()
    times.sort()
    print("    %s: %d presses, stall %d ms per fsync; journal %d rows "
          "appended, %d committed at the end" % (
              name, len(times), stall_ms, status["journal_seq"],
              status["journal_committed_seq"]))
    print("      ms: " + " ".join("%.1f" % t for t in times), flush=True)
    cmd = "%s husvagtd -c %s" % (
        "LD_PRELOAD=%s HUSVAGT_FSYNC_CTL=(stall %d)" % (shown([shim]),
                                                       stall_ms)
        if stall_ms else "", shown([conf]))
    return times, cmd.strip()


def fig_exit_stall():
    print("$ husvagtd on the sim, %d exit button presses without and with "
          "a %d ms fsync stall" % (EXIT_PRESSES, EXIT_STALL_MS), flush=True)
    base, cmd0 = exit_presses("exit-plain", 0)
    slow, cmd1 = exit_presses("exit-stall", EXIT_STALL_MS)

    def p99(v):
        return v[min(len(v) - 1, int(round(0.99 * (len(v) - 1))))]
    rows.append(("exit button->lock, no stall (median / p99)",
                 "%.1f / %.1f ms" % (statistics.median(base), p99(base)),
                 cmd0))
    rows.append(("exit button->lock, %d ms fsync stall (median / p99)" %
                 EXIT_STALL_MS, "%.1f / %.1f ms" % (
                     statistics.median(slow), p99(slow)), cmd1))
    mb, ms = statistics.mean(base), statistics.mean(slow)
    rows.append(("exit->lock stall/no-stall ratio of means",
                 "%.2f (%.2f / %.2f ms; target < 1.5)" % (
                     ms / mb if mb > 0 else 0.0, ms, mb), cmd1))


def table():
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print("\n$BUILD = %s\n$RUN   = %s (removed)\n" % (BUILD, RUN))
    print("%-*s  %-*s  %s" % (w0, "figure", w1, "value", "command"))
    print("%s  %s  %s" % ("-" * w0, "-" * w1, "-" * 7))
    for r in rows:
        print("%-*s  %-*s  %s" % (w0, r[0], w1, r[1], r[2]))
    print(NOTES)


def fig_load():
    sys.path.insert(0, str(TOP / "tests/bench"))
    from load_bench import fig_load as load
    load(RUN, BUILD, rows, shown, daemons)


def main():
    t0 = time.monotonic()
    figs = [fig_access, fig_wiegand, fig_journal, fig_daemon, fig_mqtt,
            fig_fire, fig_reader_line, fig_osdp, fig_exit_stall, fig_load]
    # Figure names (access ... osdp, exit_stall, load) as arguments or in
    # HUSVAGT_BENCH (comma-separated); none: all.
    only = sys.argv[1:] or [n for n in os.environ.get(
        "HUSVAGT_BENCH", "").split(",") if n]
    try:
        for fig in figs:
            if not only or fig.__name__[4:] in only:
                fig()
    finally:
        for p in daemons:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(RUN, ignore_errors=True)
    table()
    print("total bench time %.0f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    main()
