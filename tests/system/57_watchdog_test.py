"""The systemd side of husvagtd (issue 6, DESIGN 7): the notify protocol
and watchdog, and the unit file in firmware/systemd/.

There is no systemd as PID 1 here, so systemd itself is not exercised:
the tests play its part.  husvagtd is started with NOTIFY_SOCKET pointing
at a datagram socket the test reads and WATCHDOG_USEC=2000000, as
systemd starts it with WatchdogSec=2: READY=1 once it serves, WATCHDOG=1
at least every second (half the interval), RELOADING=1 and READY=1 around
a SIGHUP, STOPPING=1 at SIGTERM.  A hung loop (SIGSTOP) stops the pings,
which is when systemd would kill it; the test then kills it with -9 and
starts it again as Restart= would, and checks that the state comes from
the inputs and the database: the fire input still active is a fire again
and no egress lock moved on the wire (state/sim-wires.log) throughout.

The unit itself is checked with systemd-analyze verify and its offline
security exposure, and the sysusers.d file with systemd-sysusers --root.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import BUILD, TOP, wait_released, wait_until, wire_log

EGRESS = ["front", "garden", "corridor-1", "corridor-2"]
WATCHDOG_USEC = 2000000
UNIT = TOP / "firmware/systemd/husvagtd.service"


class NotifySocket:
    """A datagram socket as systemd's NOTIFY_SOCKET: every message kept
    with the monotonic time it arrived."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.msgs = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            t = time.monotonic()
            with self.lock:
                for line in data.decode().splitlines():
                    self.msgs.append((t, line))

    def since(self, t0=0.0, what=None):
        """Arrival times of messages (of one kind) after t0."""
        with self.lock:
            return [t for t, m in self.msgs if t >= t0 and
                    (what is None or m == what)]

    def wait(self, what, t0=0.0, timeout=5.0):
        return wait_until(lambda: self.since(t0, what), timeout,
                          "%s on the notify socket" % what)[0]

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


def start_notified(b, notify):
    """Start husvagtd as systemd would with WatchdogSec=2."""
    env = dict(os.environ, NOTIFY_SOCKET=notify.path,
               WATCHDOG_USEC=str(WATCHDOG_USEC))
    env.pop("WATCHDOG_PID", None)
    b.logf = open(b.log, "ab")
    b.proc = subprocess.Popen([str(BUILD / "husvagtd"), "-c", str(b.conf)],
                              stdout=b.logf, stderr=subprocess.STDOUT,
                              env=env)
    return b


@pytest.fixture
def notify(tmp_path):
    n = NotifySocket(tmp_path / "notify.sock")
    yield n
    n.close()


def gaps(times):
    return [b - a for a, b in zip(times, times[1:])]


def test_ready_watchdog_reload_and_stopping(make_building, notify):
    b = make_building(start=False)
    t0 = time.monotonic()
    start_notified(b, notify)
    ready = notify.wait("READY=1", t0, timeout=10)
    # Ready means serving: the control socket answers at once.
    assert b.request("status")["ok"]
    assert "STATUS=serving" in [m for _, m in notify.msgs]
    time.sleep(3.5)
    pings = notify.since(ready, "WATCHDOG=1")
    assert len(pings) >= 3, pings
    # Half the interval: a ping at least every second, with a little
    # room for the scheduler.
    assert max(gaps([ready] + pings)) < 1.25, gaps([ready] + pings)
    # Busy with commands, it still pings on time.
    t1 = time.monotonic()
    while time.monotonic() - t1 < 2.5:
        b.request("status")
    busy = notify.since(t1, "WATCHDOG=1")
    assert len(busy) >= 2 and max(gaps(busy)) < 1.25, gaps(busy)
    # A reload is announced, and ready again after it.
    t2 = time.monotonic()
    b.proc.send_signal(signal.SIGHUP)
    reloading = notify.wait("RELOADING=1", t2)
    assert notify.wait("READY=1", reloading) >= reloading
    # A clean stop says so.
    t3 = time.monotonic()
    assert b.stop() == 0
    notify.wait("STOPPING=1", t3, timeout=2)


def test_hung_loop_stops_the_pings_and_restart_derives_the_fire(
        make_building, notify):
    b = make_building(start=False)
    t0 = time.monotonic()
    start_notified(b, notify)
    notify.wait("READY=1", t0, timeout=10)
    b.sim_ok("loop", point="fire", state="active")
    for d in EGRESS:
        wait_released(b, d, True)
    assert b.ok("mode.status")["mode"] == "fire"
    before = wire_log(b)
    # The loop hangs: no ping for longer than WatchdogSec, which is when
    # systemd kills it (SIGABRT) and starts it again.
    b.proc.send_signal(signal.SIGSTOP)
    hung = time.monotonic()
    time.sleep(WATCHDOG_USEC / 1e6 + 0.5)
    assert notify.since(hung + 0.05, "WATCHDOG=1") == []
    b.proc.send_signal(signal.SIGKILL)
    assert b.proc.wait(5) == -signal.SIGKILL
    b.logf.close()
    # Restart= starts it again: fire from the input, never locked.
    t1 = time.monotonic()
    start_notified(b, notify)
    notify.wait("READY=1", t1, timeout=10)
    m = b.ok("mode.status")
    assert m["mode"] == "fire" and m["fire_input"], m
    assert all(b.released(d) for d in EGRESS)
    time.sleep(0.3)
    new = [w for w in wire_log(b)[len(before):] if w[2].endswith(".lock")]
    assert new == [], "locks moved across the restart: %r" % new
    notify.wait("WATCHDOG=1", t1, timeout=2)
    assert b.stop() == 0


def test_no_watchdog_without_watchdog_usec(make_building, notify):
    """Started without a watchdog (by hand, or WatchdogSec unset), it
    sends READY=1 and no pings."""
    b = make_building(start=False)
    t0 = time.monotonic()
    b.logf = open(b.log, "ab")
    env = dict(os.environ, NOTIFY_SOCKET=notify.path)
    env.pop("WATCHDOG_USEC", None)
    b.proc = subprocess.Popen([str(BUILD / "husvagtd"), "-c", str(b.conf)],
                              stdout=b.logf, stderr=subprocess.STDOUT,
                              env=env)
    notify.wait("READY=1", t0, timeout=10)
    time.sleep(1.5)
    assert notify.since(t0, "WATCHDOG=1") == []
    assert b.stop() == 0


# -- the unit file -----------------------------------------------------------

def unit_copy(tmp_path):
    """The unit with ExecStart and ExecStartPre on the built binary, which
    systemd-analyze verify checks exists."""
    text = UNIT.read_text().replace("/usr/sbin/husvagtd",
                                    str(BUILD / "husvagtd"))
    path = tmp_path / "husvagtd.service"
    path.write_text(text)
    return path


def need(tool):
    if shutil.which(tool) is None:
        pytest.skip("%s is not installed" % tool)


def test_unit_verifies(tmp_path):
    need("systemd-analyze")
    unit = unit_copy(tmp_path)
    p = subprocess.run(["systemd-analyze", "verify", "--man=no",
                        str(unit)], capture_output=True, text=True,
                       timeout=60, cwd=tmp_path)
    assert p.returncode == 0 and p.stderr.strip() == "", p.stderr


def test_unit_settings():
    """What the appliance relies on, stated once more so a careless edit
    of the unit fails here."""
    keys = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            keys.setdefault(k, []).append(v)
    assert keys["Type"] == ["notify"]
    assert keys["WatchdogSec"] == ["10"]
    assert keys["Restart"] == ["always"]
    assert keys["User"] == ["husvagt"] and keys["Group"] == ["husvagt"]
    assert keys["SupplementaryGroups"] == ["gpio dialout"]
    assert keys["CapabilityBoundingSet"] == [""]
    assert keys["NoNewPrivileges"] == ["yes"]
    assert keys["ProtectSystem"] == ["strict"]
    assert keys["ReadWritePaths"] == ["-/etc/husvagt/mqtt/accounts"]
    assert keys["DevicePolicy"] == ["closed"]
    assert all(v.split()[0].startswith(("char-gpiochip", "char-tty"))
               for v in keys["DeviceAllow"])


def test_unit_security_exposure_is_low(tmp_path):
    """systemd-analyze security rates the sandbox; 2.5 or lower ("OK")
    with the device access and the network a controller needs."""
    need("systemd-analyze")
    unit = unit_copy(tmp_path)
    p = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                        "--threshold=25", str(unit)], capture_output=True,
                       text=True, timeout=60, cwd=tmp_path)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr
    assert "Overall exposure level for husvagtd.service" in p.stdout


def test_sysusers_makes_the_user_and_the_gpio_group(tmp_path):
    need("systemd-sysusers")
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    p = subprocess.run(["systemd-sysusers", "--root", str(root),
                        str(TOP / "firmware/sysusers.d/husvagt.conf")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    passwd = (root / "etc/passwd").read_text().splitlines()
    user = [l.split(":") for l in passwd if l.startswith("husvagt:")]
    assert len(user) == 1
    assert int(user[0][2]) < 1000, "a system user"
    assert user[0][5:] == ["/var/lib/husvagt", "/usr/sbin/nologin"]
    groups = {l.split(":")[0] for l in
              (root / "etc/group").read_text().splitlines()}
    assert {"husvagt", "gpio"} <= groups
