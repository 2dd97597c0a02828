"""The control socket and husvagtctl against the real daemon: bad input of
every kind gets a clear error and never stalls or crashes the daemon, the
actor is the one the kernel proves, and the tool's exit codes and output
are what husvagtctl(1) promises."""

import json
import os
import socket
import subprocess
import time

import pytest

from conftest import BUILD


def raw(building, data, shut=True, timeout=5.0):
    """Send bytes, then read until the daemon closes or goes quiet."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(str(building.control))
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        # A line over the limit is refused and the connection closed
        # while we may still be sending it: read what was said.
        pass
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return [json.loads(l) for l in out.split(b"\n") if l]


def test_bad_json_names_line_and_column(building):
    (r,) = raw(building, b'{"verb": "status",,}\n')
    assert r["ok"] is False and r["error"] == "bad_json"
    assert r["message"].startswith("line 1 column ")
    assert building.ok("status")["site"]


@pytest.mark.parametrize("line", [b"[1,2]", b"42", b'"status"', b"null",
                                  b"{}", b'{"verb": 7}'])
def test_not_a_request_is_bad_request(building, line):
    (r,) = raw(building, line + b"\n")
    assert (r["ok"], r["error"]) == (False, "bad_request")


def test_garbage_never_stalls_the_daemon(building):
    for data in (b"\x00\x01\x02\n", os.urandom(4096), b'{"verb":"sta',
                 b"\xff\xfe\n", b"[" * 100000 + b"\n"):
        raw(building, data)
    # half a line, then gone without reading
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(building.control))
    s.sendall(b'{"verb": "status", "args": {')
    s.close()
    assert building.alive()
    assert building.ok("status")["site"]


def test_too_long_line_is_refused_and_closed(building):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(str(building.control))
    try:
        s.sendall(b'{"verb":"status","x":"' + b"a" * 70000)
    except (BrokenPipeError, ConnectionResetError):
        pass
    buf = b""
    try:
        while b"\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except ConnectionResetError:
        pass
    s.close()
    assert json.loads(buf.split(b"\n")[0])["error"] == "line_too_long"
    assert building.ok("status")["site"]


def test_pipelined_requests_are_answered_in_order(building):
    lines = b"".join(json.dumps({"verb": "journal.tail",
                                 "args": {"n": i + 1}}).encode() + b"\n"
                     for i in range(50))
    replies = raw(building, lines)
    assert [len(r["result"]["rows"]) <= i + 1
            for i, r in enumerate(replies)] == [True] * 50


def test_many_clients_and_a_reader_that_leaves_mid_reply(building):
    for i in range(200):
        building.ok("door.release", door="office")
    held = []
    for _ in range(40):
        held.append(socket.socket(socket.AF_UNIX))
        held[-1].connect(str(building.control))   # blocking: waits its turn
    # every pipelined export is big; the client reads nothing and leaves
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(building.control))
    s.sendall(b'{"verb":"journal.export","args":{"format":"json"}}\n' * 20)
    time.sleep(0.3)
    s.close()
    for c in held:
        c.close()
    assert building.ok("status")["site"]


def test_as_from_root_acts_as_that_login(building):
    r = building.request("door.release", as_login="anna", door="office")
    assert r["ok"], r
    row = building.wait_journal("door.commanded", point="office",
                                actor="anna")
    assert row["detail"]["via"] == "control"
    r = building.request("status", as_login="nobody-here")
    assert r["error"] == "not_authorised"
    r = building.request("status", as_login="Bad Name")
    assert r["error"] == "bad_request"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch uid")
def test_unknown_uid_is_refused_and_journalled(make_building, tmp_path):
    # another uid must reach the socket: put it where anyone may look
    sock = "/tmp/husvagt-test-%d.sock" % os.getpid()
    building = make_building(start=False, extra_conf="[site]\n"
                             "control_socket = " + sock)
    building.control = sock
    building.start()
    os.chmod(sock, 0o666)
    code = ("import socket,sys;s=socket.socket(socket.AF_UNIX);"
            "s.connect(sys.argv[1]);s.sendall(sys.argv[2].encode()+b'\\n');"
            "print(s.makefile().readline())")
    for req in ('{"verb":"status"}', '{"verb":"status","as":"leder"}'):
        out = subprocess.check_output(
            ["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups",
             "/usr/bin/python3", "-c", code, str(building.control), req],
            text=True)
        assert json.loads(out)["error"] == "not_authorised"
    row = building.wait_journal("command.refused", uid=4242)
    assert row["detail"]["error"] == "not_authorised"


# -- husvagtctl ---------------------------------------------------------

@pytest.mark.parametrize("args", [
    [], ["bogus"], ["door"], ["door", "release"],
    ["door", "release", "a", "b"], ["door", "lock", "front", "--hold"],
    ["chip", "enrol", "--number", "5"],
    ["chip", "enrol", "--holder", "stay:1", "--number", "5x"],
    ["chip", "enrol", "--holder", "stay:1", "--number", "5",
     "--reader", "office.reader"],
    ["chip", "revoke"], ["chip", "revoke", "x"],
    ["journal", "tail", "-n", "many"], ["journal", "export", "--format",
                                        "xml"],
    ["point", "set", "siren", "2"], ["status", "--bogus"]])
def test_usage_errors_exit_2_before_connecting(building, args):
    building.auto_residents = False     # nothing reaches the daemon
    seq = building.last_seq()
    p = building.ctl(*args, check=2)
    assert "usage: husvagtctl" in p.stderr
    assert building.last_seq() == seq


def test_refusal_exits_1_with_message_and_code(building):
    p = building.ctl("door", "lock", "nosuch", check=1)
    assert p.stderr.startswith("husvagtctl: ") and "(not_found)" in p.stderr


def test_cannot_reach(tmp_path):
    p = subprocess.run([str(BUILD / "husvagtctl"), "-s",
                        str(tmp_path / "none.sock"), "status"],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert "cannot reach husvagtd at" in p.stderr


def test_status_and_json(building):
    p = building.ctl("status", check=0)
    assert "site" in p.stdout and "front" in p.stdout
    doors = json.loads(building.ctl("door", "list", "--json",
                                    check=0).stdout)["doors"]
    assert any(d["name"] == "front" for d in doors)


def test_enrol_pin_from_stdin_list_revoke(building):
    p = building.ctl("chip", "enrol", "--holder", "stay:4", "--facility",
                     "1", "--card", "4004", "--zones", "entrance", "--pin",
                     input="2468\n", check=0)
    cid = int(p.stdout.split()[-1])
    creds = json.loads(building.ctl("--json", "chip", "list", "--holder",
                                    "stay:4", check=0).stdout)
    assert [c["has_pin"] for c in creds["credentials"]] == [True]
    assert "2468" not in json.dumps(building.journal())
    building.ctl("chip", "revoke", cid, check=0)
    building.ctl("chip", "revoke", cid, check=1)


def test_enrol_at_a_reader(building):
    building.resident(5)
    p = subprocess.Popen(
        [str(BUILD / "husvagtctl"), "-s",
         str(building.control), "chip", "enrol", "--holder", "stay:5",
         "--reader", "office.reader", "--zones", "entrance"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().startswith("present the chip at office")
    building.present("office.reader", 5005)
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    assert out.startswith("enrolled credential ")


def test_journal_tail_export_verify(building, tmp_path):
    building.ok("door.release", door="office")
    building.settle(timeout=10)     # tail shows committed rows only
    lines = building.ctl("journal", "tail", "-n", "3", check=0).stdout
    rows = lines.splitlines()
    assert len(rows) == 3
    seq, time_, type_, point, actor, subject, detail = \
        rows[-1].split(" ", 6)
    assert int(seq) > 0 and time_.endswith("Z") and json.loads(detail) \
        is not None
    out = tmp_path / "j.csv"
    building.ctl("journal", "export", "-o", out, check=0)
    assert out.stat().st_mode & 0o077 == 0
    assert out.read_text().startswith("seq,")
    assert "intact" in building.ctl("journal", "verify", check=0).stdout


def test_journal_tail_follow(building):
    p = subprocess.Popen(
        [str(BUILD / "husvagtctl"), "-s",
         str(building.control), "journal", "tail", "-n", "1", "-f"],
        stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    building.ok("door.release", door="garden")
    try:
        for _ in range(20):
            line = p.stdout.readline()
            if " door.commanded garden " in line:
                break
        else:
            pytest.fail("no new row followed")
    finally:
        p.terminate()
        p.wait()
