"""Long work off the loop: journal verifications of a big journal run in
the daemon's worker thread, several at once queue and share a walk, and
an exit button pressed meanwhile releases its door at once (docs/
ARCHITECTURE.md, "Long work")."""

import json
import socket
import subprocess
import time

from conftest import BUILD
from loadsite import press_ms, wait_locked

ROWS = 60000
DOORS = ["front", "garden", "corridor-1", "corridor-2"]
FAST = "[defaults]\nrelease_s = 3\nheld_warning_s = 5\nheld_s = 8\n"
PRESS_MS = 1000     # margin for a loaded 2-core box; make bench has figures


def populate(b, rows):
    subprocess.run([str(BUILD / "bench/bench_populate"), "-c", str(b.conf),
                    "-n", "10", "-j", str(rows)], check=True,
                   capture_output=True, timeout=300)


def send(b, req):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(120)
    s.connect(str(b.control))
    s.sendall(json.dumps(req).encode() + b"\n")
    return s


def read_reply(s):
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf)


def test_verifications_run_off_the_loop(make_building):
    b = make_building(start=False, extra_conf=FAST)
    populate(b, ROWS)
    b.start()
    b.settle()      # every row committed: a verification sees them all
    seq = b.last_seq()
    assert seq > ROWS

    # Eight verifications at once, each on its own connection, and a
    # ninth line pipelined behind one of them.
    socks = [send(b, {"verb": "journal.verify"}) for _ in range(8)]
    time.sleep(0.05)
    took = []
    for d in DOORS:
        took.append(press_ms(b, d))
    # The control socket answers other requests meanwhile.
    t = time.monotonic()
    assert b.ok("status")["site"]
    status_s = time.monotonic() - t
    replies = [read_reply(s) for s in socks]
    print("TOOK", took, "STATUS", status_s)
    assert max(took) < PRESS_MS, took
    assert status_s < 1.0, status_s
    for r in replies:
        assert r["ok"] is True, r
        assert r["result"]["ok"] is True, r
        assert r["result"]["rows"] >= seq, r
    wait_locked(b, DOORS)

    # A client's next request waits for its verification's reply, and
    # the replies keep their order.
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(120)
    s.connect(str(b.control))
    s.sendall(b'{"verb":"journal.verify"}\n{"verb":"status"}\n')
    f = s.makefile("rb")
    first, second = json.loads(f.readline()), json.loads(f.readline())
    s.close()
    assert "rows" in first["result"] and "site" in second["result"]
    assert b.alive()


def test_export_streams_in_bounded_memory(make_building):
    """A full export of the big journal, twice at once: written by the
    worker to a file and streamed to each client a chunk at a time, so
    the daemon's peak memory grows by far less than the export's size,
    and the doors are served meanwhile."""
    from loadsite import hwm_kb, sanitized
    b = make_building(start=False, extra_conf=FAST)
    populate(b, ROWS)
    b.start()
    seq = b.last_seq()
    press_ms(b, "front")                 # warm
    wait_locked(b, ["front"])
    hwm0 = hwm_kb(b.proc.pid)
    socks = [send(b, {"verb": "journal.export", "args": {"format": fmt}})
             for fmt in ("csv", "json")]
    time.sleep(0.05)
    took = [press_ms(b, d) for d in DOORS]
    replies = [read_reply(s) for s in socks]
    grew = hwm_kb(b.proc.pid) - hwm0
    size = sum(len(r["result"]["data"]) for r in replies)
    print("TOOK", took, "GREW kB", grew, "SIZE", size)
    assert max(took) < PRESS_MS, took
    csv, js = replies
    assert csv["ok"] and csv["result"]["format"] == "csv"
    assert csv["result"]["rows"] >= seq
    lines = csv["result"]["data"].splitlines()
    assert len(lines) == csv["result"]["rows"] + 1       # the header
    rows = json.loads(js["result"]["data"])
    assert len(rows) == js["result"]["rows"] >= seq
    assert rows[0]["seq"] == 1 and rows[-1]["seq"] >= seq
    # Memory: a few chunks per client, not the export (tens of MB).
    assert size > 10 * 1024 * 1024
    if not sanitized(b.proc.pid):
        assert grew < 8 * 1024, grew
    ex = b.wait_journal("journal.exported", after=seq, format="csv")
    assert ex["actor"] == "root" and ex["detail"]["rows"] >= seq
    assert b.alive()


def test_safety_report_runs_in_the_worker(make_building):
    """A safety report reads a year of the journal: it queues in the
    worker behind a verification of the big journal, and the loop answers
    a status and moves an exit door meanwhile; the report then comes,
    whole."""
    b = make_building(start=False, extra_conf=FAST)
    populate(b, ROWS)
    b.start()
    year = time.strftime("%Y")
    v = send(b, {"verb": "journal.verify"})
    time.sleep(0.02)
    r = send(b, {"verb": "report.safety", "as": "leder",
                 "args": {"from": "%s-01-01" % year,
                          "to": time.strftime("%Y-%m-%d")}})
    time.sleep(0.02)
    assert b.ok("status")["site"]
    took = press_ms(b, "garden")
    # The report waits for the verification in the worker: nothing yet.
    r.setblocking(False)
    try:
        early = r.recv(1)
    except BlockingIOError:
        early = b""
    r.setblocking(True)
    assert early == b"", "the report was answered before the worker ran it"
    rep = read_reply(r)
    assert rep["ok"] is True, rep
    assert rep["result"]["from"] == "%s-01-01" % year, rep
    assert read_reply(v)["result"]["ok"] is True
    assert took < PRESS_MS, took
    wait_locked(b, ["garden"])
