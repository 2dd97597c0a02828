"""Helpers for the load tests (21_load_*) and the load benchmarks
(tests/bench/run.py): an exit button's press to its lock's move, timed
from the sim's wire history; the daemon's resident memory; a flood of
commands from one MQTT login.

    press_ms(b, door)        press and let go DOOR.rex; the milliseconds
                             until DOOR.lock moved on the wire
    rss_kb(pid)              VmRSS of a process
    Flood(broker, login, password, n, verb="status")
                             n commands from login by mosquitto_pub, the
                             replies by mosquitto_sub (see the class)
"""

import json
import time

from conftest import wait_until


def sanitized(pid):
    """Whether the process runs under AddressSanitizer (make asan): its
    allocator keeps freed memory in quarantine, so resident-memory bounds
    do not hold there and are left to the plain build."""
    with open("/proc/%d/maps" % pid) as f:
        return any("libasan" in line for line in f)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise KeyError("VmRSS")


def hwm_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise KeyError("VmHWM")


def press_ms(b, door, timeout=10.0):
    """Press DOOR's exit button and let it go; how long (ms, on the
    monotonic clock the daemon's sim stamps its wire history with) from
    the press being sent to the lock's move on the wire."""
    mark = b.sim_ok("history")["last"]
    t0 = time.monotonic() * 1000.0
    b.set_input(door + ".rex", 1)
    b.set_input(door + ".rex", 0)

    def moved():
        got = [e for e in b.sim_ok("history", since=mark)["history"]
               if e["point"] == door + ".lock"]
        return got[0] if got else None
    e = wait_until(moved, timeout, "%s.lock to move" % door)
    return e["mono_us"] / 1000.0 - t0


def wait_locked(b, doors, timeout=15.0):
    wait_until(lambda: not any(b.released(d) for d in doors), timeout,
               "%s locked again" % ", ".join(doors))


class Flood:
    """n commands of verb published by login with mosquitto_pub (-l: one
    line, one message, as fast as the broker takes them) and the replies
    read by mosquitto_sub, both in processes of their own so that the
    test's own timing is not held up by them."""

    def __init__(self, broker, login, password, n, verb="status", qos=1,
                 prefix="f"):
        import subprocess
        import tempfile
        self.out = tempfile.NamedTemporaryFile(prefix="flood-", suffix=".txt")
        common = ["-h", broker.host, "-p", str(broker.tls_port), "--cafile",
                  str(broker.ca_file), "-u", login, "-P", password,
                  "-V", "mqttv5"]
        self.sub = subprocess.Popen(
            ["mosquitto_sub"] + common + [
                "-i", "%s-floodsub-%d" % (login, id(self)), "-q", "0",
                "-t", "%s/reply/%s/+" % (broker.root, login), "-F", "%p"],
            stdout=self.out, stderr=subprocess.DEVNULL)
        time.sleep(0.3)                 # subscribed before the flood
        self.lines = "".join(json.dumps({"id": "%s%d" % (prefix, i)}) + "\n"
                             for i in range(n))
        self.pub = subprocess.Popen(
            ["mosquitto_pub"] + common + [
                "-i", "%s-flood-%d" % (login, id(self)), "-q", str(qos),
                "-t", "%s/cmd/%s/%s" % (broker.root, login, verb), "-l"],
            stdin=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.t0 = time.monotonic()

    def send(self):
        """Write every line and wait for mosquitto_pub to have sent them."""
        self.pub.communicate(self.lines, timeout=120)

    def replies(self):
        out = []
        with open(self.out.name) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def settle(self, quiet=1.0, timeout=120):
        """Until no reply has come for quiet seconds; the replies."""
        end = time.monotonic() + timeout
        n, since = -1, time.monotonic()
        while time.monotonic() < end:
            k = len(self.replies())
            if k != n:
                n, since = k, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
            time.sleep(0.05)
        return self.replies()

    def close(self):
        for p in (self.pub, self.sub):
            if p.poll() is None:
                p.terminate()
                p.wait(5)
        self.out.close()


def percentile(xs, p):
    s = sorted(xs)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]
