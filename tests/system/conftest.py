"""Shared fixtures for the system tests: the real husvagtd on the simulated
reference building, in a fresh folder per test, driven through its real
sockets (the control socket as husvagtctl uses it, the sim socket as
husvagt-sim uses it)."""

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("HUSVAGT_BUILD", TOP / "build")).resolve()


class LineSocket:
    """A JSON-lines client of a Unix stream socket."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buf = b""

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def readline(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the daemon")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, obj):
        self.send_raw(json.dumps(obj).encode() + b"\n")
        return self.readline()

    def close(self):
        self.sock.close()


class Building:
    """One husvagtd on the sim board, with its folder and sockets."""

    def __init__(self, run: Path, board=None, extra_conf=""):
        self.run = run
        args = [str(TOP / "tools/sim-config"), str(run)]
        if board:
            args.append(str(board))
        self.conf = Path(subprocess.check_output(args, text=True).strip())
        if extra_conf:
            self.patch_conf(extra_conf)
        self.control = run / "control.sock"
        self.simsock = run / "sim.sock"
        self.state = run / "state"
        self.proc = None
        self.log = run / "husvagtd.log"
        self.env = None         # husvagtd's environment (None: ours)

    def patch_conf(self, text):
        """Append or override configuration text (later keys win)."""
        with open(self.conf, "a") as f:
            f.write("\n" + text + "\n")

    def start(self, wait=True):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [str(BUILD / "husvagtd"), "-c", str(self.conf)],
            stdout=self.logf, stderr=subprocess.STDOUT, env=self.env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("husvagtd exited %d:\n%s" % (
                    self.proc.returncode, self.log.read_text()))
            try:
                c = LineSocket(self.control, timeout=1)
                r = c.call({"verb": "status"})
                c.close()
                if r.get("ok"):
                    return
            except (OSError, ConnectionError, ValueError):
                pass
            time.sleep(0.05)
        raise TimeoutError("husvagtd did not serve in %.0f s:\n%s" % (
            timeout, self.log.read_text()))

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        finally:
            self.logf.close()
        return self.proc.returncode

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- the control socket -------------------------------------------
    def request(self, verb, as_login=None, **args):
        if verb == "chip.enrol":
            self._resident_of(args.get("holder"))
        c = LineSocket(self.control)
        try:
            req = {"verb": verb, "args": args}
            if as_login:
                req["as"] = as_login
            return c.call(req)
        finally:
            c.close()

    def ok(self, verb, **args):
        r = self.request(verb, **args)
        assert r.get("ok"), "%s %r -> %r" % (verb, args, r)
        return r["result"]

    def ctl(self, *args, input=None, check=None):
        """Run the real husvagtctl; returns CompletedProcess."""
        words = [str(a) for a in args]
        if "enrol" in words and "--holder" in words[:-1]:
            self._resident_of(words[words.index("--holder") + 1])
        p = subprocess.run(
            [str(BUILD / "husvagtctl"), "-s", str(self.control)] +
            [str(a) for a in args], input=input, capture_output=True,
            text=True, timeout=30)
        if check is not None:
            assert p.returncode == check, (args, p.returncode, p.stdout,
                                           p.stderr)
        return p

    # -- the simulated building ---------------------------------------
    def sim(self, op, **args):
        # The sim answers from husvagtd's loop, after the turn that took
        # the input: a loop write behind a stalled disk (an alarm's row in
        # the alarm table) can hold that turn for seconds.
        c = LineSocket(self.simsock, timeout=15.0)
        try:
            return c.call(dict(op=op, **args))
        finally:
            c.close()

    def sim_ok(self, op, **args):
        r = self.sim(op, **args)
        assert r.get("ok"), "sim %s %r -> %r" % (op, args, r)
        return r

    def present(self, reader, card, facility=1, fmt=26):
        if fmt == 26:
            return self.sim_ok("present", reader=reader, format=26,
                               facility=facility, card=card)
        return self.sim_ok("present", reader=reader, format=fmt,
                           number=card)

    def set_input(self, point, value):
        return self.sim_ok("input", point=point, value=value)

    def outputs(self):
        return self.sim_ok("outputs")["outputs"]

    def released(self, door):
        """Is the door's lock released on the wire right now?"""
        for o in self.outputs():
            if o["point"] == door + ".lock":
                return o.get("released")
        raise KeyError(door)

    # -- the journal -------------------------------------------------
    def settle(self, timeout=3.0):
        """Wait until every row the daemon appended is committed: the
        journal writer commits beside the loop, a few ms behind it.  A
        storage fault ends the wait (the rows wait for the disk)."""
        end = time.monotonic() + timeout
        while True:
            st = self.ok("status")
            if (st.get("journal_committed_seq", 0) >= st["journal_seq"] or
                    not st.get("storage", {}).get("ok", True) or
                    time.monotonic() > end):
                return st
            time.sleep(0.005)

    def journal(self, after=0, limit=10000):
        self.settle()
        return self.ok("journal.rows", after=after, limit=limit)["rows"]

    def last_seq(self):
        return self.ok("status")["journal_seq"]

    def wait_journal(self, type_, after=0, timeout=5.0, **match):
        """Wait for a row of type (and matching fields) after seq."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for row in self.journal(after):
                if row["type"] != type_:
                    continue
                if all(row.get(k) == v or row.get("detail", {}).get(k) == v
                       for k, v in match.items()):
                    return row
            time.sleep(0.02)
        raise AssertionError("no %s %r after seq %d; journal:\n%s" % (
            type_, match, after, "\n".join(
                json.dumps(r) for r in self.journal(after))))

    def enrol(self, holder, card, zones, facility=1, **extra):
        return self.ok("chip.enrol", holder=holder, facility=facility,
                       card=card, zones=zones, **extra)["id"]

    # Tests of chips name their residents stay:1, stay:7, ...; the daemon
    # refuses a chip for a stay the register does not know, so request()
    # and ctl() make the stay first.  A test of that refusal sets
    # auto_residents = False.
    auto_residents = True

    def _resident_of(self, holder):
        m = re.fullmatch(r"stay:([0-9]{1,6})", holder or "") \
            if isinstance(holder, str) else None
        if m and self.auto_residents:
            self.resident(int(m.group(1)))

    def resident(self, stay):
        """Make stay:ID a current stay, as a resident's chip needs (the
        daemon refuses a chip for a stay it does not know).  Through the
        daemon's own verbs: stays are admitted to a free room, and to reach
        a higher id the ones before it are admitted and discharged again,
        as a house's history would have them.  A stay that exists is left
        as it is (a discharged one then refuses the chip)."""
        known = {s["id"] for s in self.ok("stay.list", all=True)["stays"]}
        while stay not in known:
            free = [r["room"] for r in self.ok("room.list")["rooms"]
                    if not r["occupied"]]
            assert free, "no free room for stay:%d" % stay
            got = self.ok("stay.admit", alias="Beboer %d" % (len(known) + 1),
                          room=free[0])["stay"]
            known.add(got)
            assert got <= stay, "stay:%d was passed (at %d)" % (stay, got)
            if got != stay:
                self.ok("stay.discharge", id=got)


@pytest.fixture
def building(tmp_path):
    """A running husvagtd on the sim reference building."""
    b = Building(tmp_path / "run").start()
    yield b
    b.stop()


@pytest.fixture
def make_building(tmp_path):
    """A factory for buildings with a custom board or configuration."""
    made = []

    def make(name="run", board=None, extra_conf="", start=True):
        b = Building(tmp_path / name, board=board, extra_conf=extra_conf)
        made.append(b)
        return b.start() if start else b

    yield make
    for b in made:
        b.stop()


# -- generic helpers (added for the access, door alarm, enrol and journal
# tests; plain functions so that any test file may import them) ----------

def wait_until(pred, timeout=5.0, what="a condition", interval=0.02):
    """Poll pred() until it returns something true; return that value."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            raise AssertionError("timed out after %.1f s waiting for %s" % (
                timeout, what))
        time.sleep(interval)


def wait_released(b, door, want=True, timeout=5.0):
    """Wait until the door's lock is (want=True) released on the wire, or
    (want=False) engaged."""
    return wait_until(lambda: b.released(door) == want, timeout,
                      "%s lock %s" % (door, "released" if want else
                                      "engaged")) and True


def press(b, point):
    """Press and let go of a push button input (REX, intercom)."""
    b.set_input(point, 1)
    b.set_input(point, 0)


def history_mark(b):
    """Where the sim's output change log stands now (for lock_moves)."""
    return b.sim_ok("history")["last"]


def lock_moves(b, since, door=None):
    """Lock output changes on the wire after history_mark() gave since, of
    one door or of all doors: a list of {"point", "level", ...}."""
    return [e for e in b.sim_ok("history", since=since)["history"]
            if e["point"].endswith(".lock") and
            (door is None or e["point"] == door + ".lock")]


def rows_of(b, type_, after=0, **match):
    """Journal rows of a type after seq, matching fields or detail keys."""
    return [r for r in b.journal(after) if r["type"] == type_ and
            all(r.get(k) == v or (isinstance(r.get("detail"), dict) and
                                  r["detail"].get(k) == v)
                for k, v in match.items())]


def row_time(row):
    """A journal row's time as seconds since the epoch (float)."""
    import datetime
    t = datetime.datetime.strptime(row["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def ctl_as(b, login, *args, input=None, check=None):
    """husvagtctl --as LOGIN ARGS...: a staff member's command."""
    return b.ctl("--as", login, *args, input=input, check=check)


# -- helpers for the restart, reload, bad input and disk tests ------------

def wire_log(b):
    """The sim's output change log read from the file (so also while the
    daemon is down): a list of (mono_ms, wall_ms, role, level)."""
    p = b.state / "sim-wires.log"
    if not p.exists():
        return []
    out = []
    for line in p.read_text().splitlines():
        mono, wall, role, level = line.split()[:4]
        out.append((int(mono), int(wall), role, int(level)))
    return out


def conf_set(b, section, key, value):
    """Set key = value in [section] of the building's configuration file,
    replacing the key where the section has it, else adding it."""
    lines = b.conf.read_text().splitlines()
    head = "[%s]" % section
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == head)
    except StopIteration:
        lines += ["", head, "%s = %s" % (key, value)]
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].lstrip().startswith("[")), len(lines))
        for i in range(start + 1, end):
            if lines[i].split("=")[0].strip() == key:
                lines[i] = "%s = %s" % (key, value)
                break
        else:
            lines.insert(start + 1, "%s = %s" % (key, value))
    b.conf.write_text("\n".join(lines) + "\n")


def sighup(b, timeout=5.0):
    """Send SIGHUP and wait until the daemon journals the outcome; returns
    the system.reloaded or system.reload_failed row."""
    after = b.last_seq()
    b.proc.send_signal(signal.SIGHUP)

    def done():
        for r in b.journal(after):
            if r["type"] in ("system.reloaded", "system.reload_failed"):
                return r
        return None
    return wait_until(done, timeout, "the outcome of a reload")


# -- helpers for the Modbus tests: a modbus-sim process, a socat pty pair,
# and a board derived from the sim reference board -----------------------

class ModbusSim:
    """tools/modbus-sim as a child process, driven line by line on its
    stdin.  Unprompted "write coils ADDR COUNT US" lines are kept apart in
    self.writes as (addr, count, us); every command gets its one reply."""

    def __init__(self, tcp=None, rtu=None, unit=1, init=(), timeout=5.0):
        """init: commands written at once, so that they run before the
        simulator serves its first request (its loop reads stdin first);
        their replies are checked to be "ok"."""
        import queue
        import threading
        args = [str(BUILD / "modbus-sim"), "--unit", str(unit)]
        args += ["--tcp", tcp] if tcp else ["--rtu", rtu]
        self.replies = queue.Queue()
        self.writes = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     bufsize=1)
        for c in init:
            self.proc.stdin.write(c + "\n")
        self.proc.stdin.flush()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.host = self.port = None
        if tcp:
            line = self._reply(timeout)
            assert line.startswith("listening "), line
            self.host, port = line.split()[1].rsplit(":", 1)
            self.port = int(port)
        assert self._reply(timeout) == "ready"
        for c in init:
            r = self._reply(timeout)
            assert r == "ok", "modbus-sim %r -> %r" % (c, r)

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("write coils "):
                _, _, addr, n, us = line.split()
                with self.lock:
                    self.writes.append((int(addr), int(n), int(us)))
            else:
                self.replies.put(line)
        self.replies.put(None)

    def _reply(self, timeout):
        import queue
        try:
            line = self.replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("modbus-sim did not answer in %.0f s" %
                                 timeout)
        if line is None:
            raise AssertionError("modbus-sim exited (%r)" % self.proc.poll())
        return line

    def cmd(self, line, timeout=5.0):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self._reply(timeout)

    def ok(self, line):
        r = self.cmd(line)
        assert r == "ok", "modbus-sim %r -> %r" % (line, r)

    def set_input(self, n, v):
        self.ok("set input %d %d" % (n, v))

    def set_register(self, n, v):
        self.ok("set register %d %d" % (n, v))

    def set_coil(self, n, v):
        self.ok("set coil %d %d" % (n, v))

    def coil(self, n):
        r = self.cmd("get coil %d" % n).split()
        assert r[:2] == ["coil", str(n)], r
        return int(r[2])

    def coils(self):
        r = self.cmd("coils").split()
        assert r[0] == "coils", r
        return r[1]

    def mute(self, on):
        self.ok("mute %s" % ("on" if on else "off"))

    def stats(self):
        w = self.cmd("stats").split()
        return {w[i]: int(w[i + 1]) for i in range(1, len(w) - 1, 2)}

    def writes_since(self, k):
        with self.lock:
            return list(self.writes[k:])

    def nwrites(self):
        with self.lock:
            return len(self.writes)

    def kill(self):
        """SIGKILL: the module dies without a word."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.reader.join(5)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)
        self.reader.join(5)


class PtyPair:
    """socat -d -d pty,raw,echo=0 pty,raw,echo=0: a serial line between
    the two paths self.a and self.b."""

    def __init__(self, timeout=5.0):
        import re
        import select
        self.proc = subprocess.Popen(
            ["socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"],
            stderr=subprocess.PIPE)
        fd = self.proc.stderr.fileno()
        err = b""
        end = time.monotonic() + timeout
        while b"starting data transfer loop" not in err:
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise AssertionError("socat gave no pty pair: %r" % err)
            if select.select([fd], [], [], left)[0]:
                err += os.read(fd, 4096)
        ptys = re.findall(r"PTY is (\S+)", err.decode())
        assert len(ptys) == 2, ptys
        self.a, self.b = ptys

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc.stderr.close()


def sim_board_with(path, points=None, extra=""):
    """Write boards/sim/board.ini to path with some [point ROLE] sections
    replaced: points maps a role to its new body (the lines under the
    header, as one string); extra (backend sections, say) is appended."""
    import re
    text = (TOP / "boards/sim/board.ini").read_text()
    points = dict(points or {})
    for role, body in points.items():
        pat = re.compile(r"^\[point %s\]\n(?:(?!\[)[^\n]*\n)*?(?=\n|\[|\Z)"
                         % re.escape(role), re.M)
        text, n = pat.subn(lambda m: "[point %s]\n%s\n" % (
            role, body.strip()), text, count=1)
        assert n == 1, "the sim board has no [point %s]" % role
    Path(path).write_text(text + "\n" + extra + "\n")
    return Path(path)


def journalled(b, verb, type_, actor, after, **match):
    """The journal row a state-changing verb left, checked to carry its
    actor.  16_journal_test.py's coverage test finds, for each verb it
    does not cover itself, a call of this naming the verb in the file
    that covers it."""
    row = b.wait_journal(type_, after=after, **match)
    assert row["actor"] == actor, (verb, row)
    return row


# -- dates for retention tests (issue 14) -----------------------------------

def site_date(days=0):
    """The reference site's local date (Europe/Copenhagen), days from
    today, as YYYY-MM-DD: retention tests date departures back with it."""
    import datetime
    from zoneinfo import ZoneInfo
    return (datetime.datetime.now(ZoneInfo("Europe/Copenhagen")) +
            datetime.timedelta(days=days)).strftime("%Y-%m-%d")


def windows_not_now():
    """Agreement windows that do not hold the site's local time now (nor
    for an hour): admitting her then needs an override with a reason."""
    import datetime
    from zoneinfo import ZoneInfo
    t = datetime.datetime.now(ZoneInfo("Europe/Copenhagen")) + \
        datetime.timedelta(hours=6)
    return "mon-sun %s-%s" % (t.strftime("%H:%M"), (
        t + datetime.timedelta(hours=1)).strftime("%H:%M"))
