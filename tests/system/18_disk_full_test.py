"""A full disk under the state folder (journal, register, sim wires).

The journal writer commits beside the loop.  On a full disk its commit
fails: a `storage` fault shows on status (and state/storage on MQTT)
within seconds, and the rows wait in memory.  While the fault stands a
door command is refused (journal_failed) and a chip does not open its
door, because neither could be recorded; exit is the exception (DESIGN
11.2): an exit button (REX) still releases its door, and the door still
relocks.  Once there is room again the rows that waited are written in
order, a journal.outage row records the outage, the journal continues
without a gap and verifies.

The state folder is put on a small tmpfs of its own, which needs root
(the tests run as root in CI); without it the tests are skipped.
"""

import errno
import os
import signal
import subprocess

import pytest

from conftest import conf_set, wait_released, wait_until, wire_log

SIZE = "4m"
REX_DOORS = ["front", "garden", "corridor-1", "corridor-2"]


@pytest.fixture
def disk(tmp_path):
    """A small tmpfs of its own; unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + SIZE,
                        "tmpfs", str(mnt)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + p.stderr.strip())
    yield mnt
    subprocess.run(["umount", str(mnt)], capture_output=True)
    if os.path.ismount(mnt):
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(mnt):
    """Fill the file system to the last byte; returns the filler's path."""
    path = mnt / "filler"
    with open(path, "wb", buffering=0) as f:
        chunk = b"\0" * 65536
        while True:
            try:
                f.write(chunk)
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
                if len(chunk) == 1:
                    break
                chunk = chunk[:len(chunk) // 2]
    st = os.statvfs(mnt)
    assert st.f_bavail == 0, st
    return path


def log_has(b, text, after=0):
    return text in b.log.read_text()[after:]


@pytest.fixture
def building_on(disk, make_building):
    """A building whose state folder is on the tiny disk."""
    b = make_building(start=False)
    conf_set(b, "site", "state_dir", disk / "state")
    conf_set(b, "defaults", "release_s", 3)
    b.state = disk / "state"
    b.start()
    return b


def locked_everywhere(b):
    return all(not o.get("released", False) for o in b.outputs())


def storage(b):
    return b.ok("status")["storage"]


def wait_storage_fault(b, timeout=10):
    """The storage fault on status, within seconds of a failed write."""
    wait_until(lambda: not storage(b)["ok"], timeout,
               "the storage fault on status")
    st = b.ok("status")
    assert "storage" in st["faults"], st
    assert st["storage"]["fault"] == "storage", st
    return st


def press_rex(b, door):
    b.set_input(door + ".rex", 1)
    b.set_input(door + ".rex", 0)


def test_full_disk_refuses_what_it_cannot_journal_but_rex_releases(
        building_on, disk):
    b = building_on
    b.enrol("stay:1", 2001, "corridor-1")
    b.enrol("staff:anna", 2002, "*")
    b.resident(2)           # her stay is admitted; her chip comes below
    seq = b.last_seq()
    b.settle()
    assert b.ok("status")["journal_committed_seq"] == seq
    creds = b.ok("status")["credentials"]
    filler = fill(disk)

    # An exit: the door releases at once; its rows cannot be written, and
    # the writer raises the storage fault.
    press_rex(b, "front")
    wait_released(b, "front", True)
    st = wait_storage_fault(b)
    assert st["storage"]["queued"] >= 1, st
    assert st["journal_committed_seq"] == seq, st

    # A door command cannot be journalled: refused, nothing moves.
    wait_released(b, "front", False, timeout=10)
    for _ in range(5):
        r = b.request("door.release", door="office")
        assert r["ok"] is False and r["error"] == "journal_failed", r
    r = b.request("door.release", door="corridor-2", hold=True)
    assert r["error"] == "journal_failed", r
    p = b.ctl("door", "release", "office")
    assert p.returncode == 1 and "journal_failed" in p.stderr, p
    assert locked_everywhere(b)

    # Nor can an enrolment: no credential appears.
    r = b.request("chip.enrol", holder="stay:2", facility=1, card=2003,
                  zones="corridor-1")
    assert r["ok"] is False, r
    assert b.ok("status")["credentials"] == creds

    # A chip: the grant could not be recorded, so the door stays locked.
    mark = b.log.stat().st_size
    b.present("corridor-1.reader", 2001)
    wait_until(lambda: log_has(b, "corridor-1: access not granted", mark),
               5, "the daemon to judge the chip")
    assert not b.released("corridor-1")
    assert locked_everywhere(b)

    # Exit is never blocked: every REX releases its door, which relocks.
    for door in REX_DOORS:
        press_rex(b, door)
        wait_released(b, door, True)
    for door in REX_DOORS:
        wait_released(b, door, False, timeout=10)
    assert b.alive()
    waiting = b.last_seq()
    assert b.ok("status")["journal_committed_seq"] == seq

    # Room again: what waited is written in order, then the outage row.
    filler.unlink()
    wait_until(lambda: storage(b)["ok"], 10, "the storage fault to clear")
    outage = b.wait_journal("journal.outage", after=seq, timeout=10)
    assert outage["seq"] == waiting + 1, outage
    assert outage["detail"]["held"] >= waiting - seq, outage
    assert outage["detail"]["lost"] == 0, outage
    rows = b.journal(seq)
    assert [x["seq"] for x in rows] == list(range(seq + 1, outage["seq"] + 1))
    rex = [x["point"] for x in rows if x["type"] == "door.rex"]
    assert rex == ["front"] + REX_DOORS, rows
    denied = [x for x in rows if x["type"] == "access.denied"]
    assert denied and denied[-1]["detail"]["reason"] == "storage", denied
    times = [x["time"] for x in rows]
    assert times == sorted(times), times

    # The same chip and command work, the journal goes on.
    after = b.last_seq()
    b.present("corridor-1.reader", 2001)
    b.wait_journal("access.granted", after=after, point="corridor-1")
    wait_released(b, "corridor-1", True)
    assert b.ok("door.release", door="office")["released"]
    wait_released(b, "office", True)
    b.settle()
    r = b.ok("journal.verify")
    assert r["ok"] and r["rows"] == b.last_seq(), r
    assert b.alive()


def test_restart_on_a_full_disk_after_a_crash(building_on, disk):
    """The watchdog restarts a hung daemon while the disk is full: it comes
    up, REX works, commands are refused; once there is room it journals
    again and the chain verifies."""
    b = building_on
    b.enrol("stay:1", 2001, "corridor-1")
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    filler = fill(disk)
    log_before = wire_log(b)
    b.start()
    assert wire_log(b) == log_before
    seq = b.last_seq()
    wait_storage_fault(b)
    r = b.request("door.release", door="office")
    assert r["error"] == "journal_failed", r
    b.set_input("front.rex", 1)
    b.set_input("front.rex", 0)
    wait_released(b, "front", True)
    wait_released(b, "front", False, timeout=10)

    filler.unlink()
    wait_until(lambda: storage(b)["ok"], 10, "the storage fault to clear")
    b.wait_journal("journal.outage", after=seq, timeout=10)
    b.present("corridor-1.reader", 2001)
    b.wait_journal("access.granted", after=seq, point="corridor-1")
    b.settle()
    r = b.ok("journal.verify")
    assert r["ok"] and r["rows"] == b.last_seq(), r


def test_start_on_a_full_disk_after_a_clean_stop(building_on, disk):
    """A clean stop leaves the WAL and its index in place, so a start on a
    disk that filled up meanwhile still comes up: REX releases, a command
    that cannot be journalled is refused, and once there is room it
    journals again and the chain verifies."""
    b = building_on
    b.enrol("stay:1", 2001, "corridor-1")
    assert b.stop() == 0
    assert (b.state / "husvagt.db-wal").exists()
    filler = fill(disk)
    log_before = wire_log(b)
    b.start()
    assert wire_log(b) == log_before
    seq = b.last_seq()
    wait_storage_fault(b)
    r = b.request("door.release", door="office")
    assert r["error"] == "journal_failed", r
    b.set_input("front.rex", 1)
    b.set_input("front.rex", 0)
    wait_released(b, "front", True)
    wait_released(b, "front", False, timeout=10)

    filler.unlink()
    wait_until(lambda: storage(b)["ok"], 10, "the storage fault to clear")
    b.wait_journal("journal.outage", after=seq, timeout=10)
    b.present("corridor-1.reader", 2001)
    b.wait_journal("access.granted", after=seq, point="corridor-1")
    b.settle()
    r = b.ok("journal.verify")
    assert r["ok"] and r["rows"] == b.last_seq(), r
