"""Every security check fails closed (issue 15, finding 7): when the
database cannot answer a credential, blocklist or role lookup, the answer
is a denial with the reason "error" and a fault alarm, never "unknown",
"not blocked" or a grant.  The tables are renamed under the running
daemon, as a damaged schema or a failing disk would make them vanish."""

import sqlite3

from conftest import rows_of

FAST = "[defaults]\nrelease_s = 3\nheld_warning_s = 20\nheld_s = 40"


def break_table(b, table):
    con = sqlite3.connect(b.state / "husvagt.db", timeout=5)
    con.execute(f"ALTER TABLE {table} RENAME TO {table}_gone")
    con.commit()
    con.close()


def fault_alarm(b):
    r = b.request("alarm.list")
    assert r.get("ok"), r
    return [a for a in r["result"]["alarms"]
            if (a["class"], a["point"]) == ("fault", "database")]


def test_credential_lookup_error_denies_with_error(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:1", 2001, "entrance,corridor-1,room-101")
    break_table(b, "credential")
    seq = b.last_seq()
    b.present("corridor-1.reader", 2001)
    row = b.wait_journal("access.denied", after=seq, point="corridor-1")
    assert row["detail"]["reason"] == "error", row
    assert b.released("corridor-1") is False
    assert not rows_of(b, "access.granted", after=seq)
    f = b.wait_journal("alarm.fault", after=seq, point="database")
    assert f["detail"]["check"] == "credential"
    assert fault_alarm(b), "a fault alarm is raised"


def test_blocklist_lookup_error_denies_with_error(make_building):
    b = make_building(extra_conf=FAST)
    break_table(b, "blocklist")
    seq = b.last_seq()
    r = b.request("guest.evaluate", door="front", guest="Maria Jensen")
    assert not r.get("ok"), r
    assert r["error"] == "error", r
    f = b.wait_journal("alarm.fault", after=seq, point="database")
    assert f["detail"]["check"] == "blocklist"
    assert fault_alarm(b)


def test_role_lookup_error_denies_with_error(make_building):
    b = make_building(extra_conf=FAST)
    break_table(b, "staff")
    seq = b.last_seq()
    r = b.request("door.list", as_login="anna")
    assert not r.get("ok"), r
    assert r["error"] == "error", r
    f = b.wait_journal("alarm.fault", after=seq, point="database")
    assert f["detail"]["check"] == "role"
