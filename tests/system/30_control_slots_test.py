"""The control socket under a crowd: a client that sends no full line
within the line deadline (5 s) is closed, each unprivileged uid holds at
most 8 slots, slots are kept for root and management, and when the slots are
taken the oldest idle client goes rather than the newcomer -- so 1,000
idle and 50 half-line connections never lock root out of husvagtctl."""

import os
import resource
import socket
import subprocess
import sys
import time

import pytest

from conftest import BUILD

LINE_MS = 5000          # CONTROL_LINE_MS in src/daemon/control.h

# Opens n idle and k half-line connections as whoever runs it, prints
# "ready", holds them until stdin closes, then prints how many the daemon
# had closed by then.
CROWD = r"""
import resource, socket, sys
path, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held = []
for i in range(n + k):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)             # blocking: waits while the backlog is full
    s.settimeout(10)
    if i >= n:
        try:
            s.sendall(b'{"verb": "status", "args": {')
        except OSError:
            pass
    held.append(s)
print("ready", flush=True)
sys.stdin.read()
closed = 0
for s in held:
    s.setblocking(False)
    try:
        closed += s.recv(4096) == b""
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
print(closed, flush=True)
"""


def crowd(sock, n, k, uid=None):
    pre = [] if uid is None else ["setpriv", "--reuid=%d" % uid,
                                  "--regid=%d" % uid, "--clear-groups"]
    p = subprocess.Popen(pre + [sys.executable, "-c", CROWD, str(sock),
                                str(n), str(k)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def held_closed(p):
    out, _ = p.communicate("", timeout=30)
    return int(out.strip())


def timed_status(b):
    t = time.monotonic()
    p = subprocess.run([str(BUILD / "husvagtctl"), "-s", str(b.control),
                        "status"], capture_output=True, text=True,
                       timeout=30)
    return p, time.monotonic() - t


def client_fds(b):
    """The daemon's sockets now; one closed while they are counted is not
    counted."""
    n = 0
    for f in os.listdir("/proc/%d/fd" % b.proc.pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (b.proc.pid, f)).startswith(
                    "socket:"):
                n += 1
        except FileNotFoundError:
            pass
    return n


def test_root_crowd_never_locks_out_root(building):
    b = building
    c = crowd(b.control, 1000, 50)
    try:
        p, took = timed_status(b)
        assert p.returncode == 0, p.stderr
        assert "busy" not in p.stderr and took < 10, (took, p)
        # Bounded: the slots, the listener and a handful of its own.
        assert client_fds(b) <= 64 + 16
        # The half-line clients still held are closed by the deadline.
        time.sleep(LINE_MS / 1000 + 1.5)
        assert client_fds(b) <= 16
    finally:
        closed = held_closed(c)
    assert closed == 1050, closed
    assert b.ok("status")["site"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch uid")
def test_other_uid_crowd_holds_few_slots(make_building):
    sock = "/tmp/husvagt-slots-%d.sock" % os.getpid()
    b = make_building(start=False, extra_conf="[site]\ncontrol_socket = " +
                      sock)
    b.control = sock
    b.start()
    os.chmod(sock, 0o666)
    c = crowd(sock, 1000, 50, uid=4242)
    try:
        # One uid holds at most 8 slots: the other 56 stay free, and
        # root's requests go through at once, many times over.
        assert client_fds(b) <= 8 + 16
        for _ in range(20):
            p, took = timed_status(b)
            assert p.returncode == 0 and took < 10, (took, p)
    finally:
        held_closed(c)
    assert b.alive()
