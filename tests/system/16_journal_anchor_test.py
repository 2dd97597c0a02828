"""The journal's anchor: a database wiped, cut or put back from an older
copy while the controller was stopped is found at the next start (a
journal.tampered row and a tamper alarm at point "journal", the doors
working on) and by `journal verify`, which goes on naming it after new
rows were appended.  An anchor that is only behind the database, as a
power cut can leave it, is no alarm."""

import shutil
import subprocess

from conftest import ctl_as, rows_of, wait_released

FAST = "[defaults]\nrelease_s = 3"


def sql(b, statement):
    subprocess.run(["sqlite3", str(b.state / "husvagt.db"), statement],
                   check=True, capture_output=True, text=True, timeout=30)


def some_events(b, card):
    seq = b.last_seq()
    b.present("corridor-1.reader", card)
    b.wait_journal("access.granted", after=seq)
    b.set_input("corridor-1.contact", 1)
    b.set_input("corridor-1.contact", 0)
    b.wait_journal("door.closed", after=seq, point="corridor-1")


def tamper_alarms(b):
    r = b.request("alarm.list")
    assert r.get("ok"), r
    return [a for a in r["result"]["alarms"]
            if (a["class"], a["point"]) == ("tamper", "journal")]


def verify(b):
    return ctl_as(b, "leder", "journal", "verify")


def db_files(b):
    return [b.state / n for n in ("husvagt.db", "husvagt.db-wal")
            if (b.state / n).exists()]


def assert_tampered(b, words):
    t = rows_of(b, "journal.tampered")
    assert len(t) == 1, t
    assert words in t[0]["detail"]["reason"], t[0]
    assert tamper_alarms(b), "a tamper alarm at point journal is open"
    p = verify(b)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "tampered" in p.stderr and words in p.stderr, p.stderr
    return t[0]


def test_honest_restarts_leave_no_alarm(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:1", 2001, "corridor-1,room-101")
    some_events(b, 2001)
    for _ in range(2):
        assert b.stop() == 0
        b.start()
    assert rows_of(b, "journal.tampered") == []
    assert tamper_alarms(b) == []
    p = verify(b)
    assert p.returncode == 0 and "journal intact" in p.stdout, p


def test_a_wiped_journal_is_found_at_start_and_by_verify(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:1", 2001, "corridor-1,room-101")
    some_events(b, 2001)
    assert b.stop() == 0
    sql(b, "DELETE FROM journal; DELETE FROM journal_head;")
    b.start()
    t = assert_tampered(b, "wiped")
    assert t["seq"] == 2, "the break is recorded right after system.started"
    # The doors work on.
    some_events(b, 2001)
    assert b.stop() == 0
    b.start()
    # Still named after new rows and a restart; raised only once.
    assert len(rows_of(b, "journal.tampered")) == 1
    p = verify(b)
    assert p.returncode == 1 and "row 2 records" in p.stderr, p.stderr


def test_an_older_copy_put_back_is_found(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:1", 2001, "corridor-1,room-101")
    assert b.stop() == 0
    saved = b.run / "saved"
    saved.mkdir()
    for f in db_files(b):
        shutil.copy2(f, saved / f.name)
    b.start()
    some_events(b, 2001)
    assert b.stop() == 0
    for f in db_files(b):
        f.unlink()
    for f in saved.iterdir():
        shutil.copy2(f, b.state / f.name)
    b.start()
    assert_tampered(b, "rolled back")


def test_a_deleted_or_forged_anchor_is_found(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:1", 2001, "corridor-1,room-101")
    assert b.stop() == 0
    (b.state / "journal.anchor").unlink()
    b.start()
    assert_tampered(b, "anchor missing")

    c = make_building(name="forged", extra_conf=FAST)
    assert c.stop() == 0
    (c.state / "journal.anchor").write_bytes(b"\0" * 8192)
    c.start()
    assert_tampered(c, "not one this device wrote")


def test_an_anchor_behind_the_database_is_no_alarm(make_building):
    """What a power cut can leave: the database committed, the anchor's
    last write lost with the page cache."""
    b = make_building(extra_conf=FAST)
    b.enrol("stay:1", 2001, "corridor-1,room-101")
    assert b.stop() == 0
    old = (b.state / "journal.anchor").read_bytes()
    b.start()
    some_events(b, 2001)
    assert b.stop() == 0
    (b.state / "journal.anchor").write_bytes(old)
    b.start()
    assert rows_of(b, "journal.tampered") == []
    assert tamper_alarms(b) == []
    assert verify(b).returncode == 0


def test_the_anchor_is_private_to_the_daemon(building):
    mode = (building.state / "journal.anchor").stat().st_mode & 0o777
    assert mode == 0o600, oct(mode)
