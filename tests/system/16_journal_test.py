"""The journal as management and an auditor meet it: `journal verify`
passes on an honest journal and names the row where somebody edited or
deleted one with the sqlite3 CLI; the CSV and JSON exports hold every
row; and every state-changing command is in the journal with the login
that gave it."""

import csv
import io
import json
import re
import subprocess
import pytest

from conftest import BUILD, TOP, ctl_as, rows_of, wait_until

FAST = "[defaults]\nrelease_s = 3"


def busy_day(b):
    """A journal with some of everything: enrolments, grants, refusals,
    door movements, staff commands."""
    b.enrol("stay:1", 2001, "corridor-1,room-101")
    b.enrol("staff:anna", 2002, "*")
    seq = b.last_seq()
    b.present("corridor-1.reader", 2001)
    b.wait_journal("access.granted", after=seq)
    b.present("office.reader", 2001)
    b.wait_journal("access.denied", after=seq, reason="out_of_zone")
    b.present("garden.reader", 9999)
    b.wait_journal("access.denied", after=seq, reason="unknown_credential")
    b.set_input("corridor-1.contact", 1)
    b.set_input("corridor-1.contact", 0)
    b.wait_journal("door.closed", after=seq, point="corridor-1")
    ctl_as(b, "anna", "door", "release", "front", check=0)
    b.wait_journal("door.commanded", after=seq, actor="anna")
    return b.journal()


def verify(b, login="leder"):
    return ctl_as(b, login, "journal", "verify")


def sql(b, statement):
    subprocess.run(["sqlite3", str(b.state / "husvagt.db"), statement],
                   check=True, capture_output=True, text=True, timeout=30)


def tamper(b, statement):
    """Stop the daemon, change its database by hand, start it again."""
    assert b.stop() == 0
    sql(b, statement)
    b.start()


def broken_at(p):
    m = re.search(r"journal broken at seq (\d+)", p.stderr)
    assert m, (p.returncode, p.stdout, p.stderr)
    return int(m.group(1))


# -- verify ---------------------------------------------------------------

def test_verify_passes_on_a_fresh_journal(building):
    b = building
    p = verify(b)
    assert p.returncode == 0, (p.stdout, p.stderr)
    n = len(b.journal())
    assert p.stdout.strip() == "journal intact: %d rows checked" % n
    js = ctl_as(b, "leder", "--json", "journal", "verify", check=0)
    r = json.loads(js.stdout)
    assert r["ok"] is True and r["bad_seq"] == 0 and r["rows"] == n


def test_verify_passes_on_a_busy_journal_and_across_restarts(building):
    b = building
    busy_day(b)
    assert verify(b).returncode == 0
    assert b.stop() == 0
    b.start()
    rows = b.journal()
    types = [r["type"] for r in rows]
    stopped = types.index("system.stopped")
    assert types.index("system.started", stopped) == stopped + 1
    p = verify(b, "installer")
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "%d rows checked" % len(rows) in p.stdout


def test_staff_may_not_verify(building):
    p = verify(building, "anna")
    assert p.returncode == 1 and "forbidden" in p.stderr


@pytest.mark.parametrize("column,value", [
    ("detail", '{"credential":1,"reader":"corridor-1.reader",'
               '"reason":"ok"}'),
    ("detail", "{}"),
    ("type", "access.granted"),
    ("subject", "stay:2"),
    ("actor", "leder"),
    ("point", "front"),
    ("time", "2020-01-01T00:00:00.000Z"),
])
def test_edited_row_is_named(building, column, value):
    b = building
    rows = busy_day(b)
    victim = [r for r in rows if r["type"] == "access.denied"][0]
    tamper(b, "UPDATE journal SET %s = '%s' WHERE seq = %d" % (
        column, value.replace("'", "''"), victim["seq"]))
    p = verify(b)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert broken_at(p) == victim["seq"]
    assert "row %d" % victim["seq"] in p.stderr
    assert "edited" in p.stderr
    js = json.loads(ctl_as(b, "leder", "--json", "journal", "verify").stdout)
    assert js["ok"] is False and js["bad_seq"] == victim["seq"]
    # The daemon keeps working and journalling after the damage.
    seq = b.last_seq()
    b.present("corridor-1.reader", 2001)
    b.wait_journal("access.granted", after=seq)


def test_edited_detail_that_is_no_longer_json_is_named(building):
    b = building
    rows = busy_day(b)
    victim = rows[len(rows) // 2]
    tamper(b, "UPDATE journal SET detail = 'not json' WHERE seq = %d" %
           victim["seq"])
    p = verify(b)
    assert p.returncode == 1
    assert broken_at(p) == victim["seq"]
    shown = [r for r in b.journal() if r["seq"] == victim["seq"]][0]
    assert shown["detail"] == "not json", "the journal shows what is there"


def test_edited_mac_is_named(building):
    b = building
    rows = busy_day(b)
    victim = rows[3]
    tamper(b, "UPDATE journal SET mac = zeroblob(32) WHERE seq = %d" %
           victim["seq"])
    p = verify(b)
    assert p.returncode == 1
    assert broken_at(p) == victim["seq"]


def test_deleted_middle_row_is_named(building):
    b = building
    rows = busy_day(b)
    victim = [r for r in rows if r["type"] == "access.denied"][0]
    assert rows[0]["seq"] < victim["seq"] < rows[-1]["seq"]
    tamper(b, "DELETE FROM journal WHERE seq = %d" % victim["seq"])
    p = verify(b)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert broken_at(p) == victim["seq"]
    assert "row %d missing" % victim["seq"] in p.stderr


def test_deleted_rows_are_named(building):
    b = building
    rows = busy_day(b)
    first, last = rows[4]["seq"], rows[6]["seq"]
    tamper(b, "DELETE FROM journal WHERE seq BETWEEN %d AND %d" % (
        first, last))
    p = verify(b)
    assert p.returncode == 1
    assert broken_at(p) == first
    assert "rows %d-%d missing" % (first, last) in p.stderr


def test_deleted_first_row_is_named(building):
    b = building
    busy_day(b)
    tamper(b, "DELETE FROM journal WHERE seq = 1")
    p = verify(b)
    assert p.returncode == 1
    assert broken_at(p) == 1


def test_deleted_last_rows_are_named(building):
    # Cut off the end while the daemon is stopped: the head remembers.
    b = building
    rows = busy_day(b)
    assert b.stop() == 0
    out = subprocess.run(["sqlite3", str(b.state / "husvagt.db"),
                          "SELECT max(seq) FROM journal"], check=True,
                         capture_output=True, text=True).stdout
    top = int(out)
    assert top > rows[-1]["seq"]
    sql(b, "DELETE FROM journal WHERE seq > %d" % (top - 2))
    b.start()
    p = verify(b)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert broken_at(p) == top - 1
    assert "rows %d-%d missing" % (top - 1, top) in p.stderr


# -- export ---------------------------------------------------------------

def same_row(exported, row):
    assert exported["seq"] == row["seq"]
    for k in ("time", "type", "point", "actor", "subject"):
        assert exported[k] == row[k], (k, exported, row)
    assert exported["detail"] == row["detail"], (exported, row)


def test_export_csv_holds_every_row(building, tmp_path):
    b = building
    busy_day(b)
    rows = b.journal()
    out = tmp_path / "journal.csv"
    p = ctl_as(b, "leder", "journal", "export", "--format", "csv", "-o",
               out, check=0)
    assert "%d rows written" % len(rows) in p.stdout
    assert out.stat().st_mode & 0o077 == 0, "the export is for its owner"
    text = out.read_text()
    got = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(got) == len(rows)
    for g, r in zip(got, rows):
        g = dict(g, seq=int(g["seq"]), detail=json.loads(g["detail"]))
        same_row(g, r)
    # The same on standard output.
    p = ctl_as(b, "leder", "journal", "export", check=0)
    again = list(csv.DictReader(io.StringIO(p.stdout, newline="")))
    assert [int(g["seq"]) for g in again[:len(rows)]] == \
        [r["seq"] for r in rows]


def test_export_json_holds_every_row(building, tmp_path):
    b = building
    busy_day(b)
    rows = b.journal()
    out = tmp_path / "journal.json"
    ctl_as(b, "leder", "journal", "export", "--format", "json", "-o", out,
           check=0)
    got = json.loads(out.read_text())
    assert len(got) == len(rows)
    for g, r in zip(got, rows):
        same_row(g, r)
    p = ctl_as(b, "leder", "journal", "export", "--format", "json",
               check=0)
    assert [g["seq"] for g in json.loads(p.stdout)][:len(rows)] == \
        [r["seq"] for r in rows]


def test_export_from_to(building):
    b = building
    rows = busy_day(b)
    t1, t2 = rows[5]["time"], rows[-3]["time"]
    p = ctl_as(b, "leder", "journal", "export", "--format", "json",
               "--from", t1, "--to", t2, check=0)
    got = [g["seq"] for g in json.loads(p.stdout)]
    assert got == [r["seq"] for r in rows if t1 <= r["time"] < t2]
    assert got and got[0] >= rows[5]["seq"] - 1
    day = t1[:10]
    p = ctl_as(b, "leder", "journal", "export", "--format", "csv",
               "--from", day, check=0)
    seqs = [int(g["seq"]) for g in csv.DictReader(io.StringIO(
        p.stdout, newline=""))]
    assert seqs[:len(rows)] == [r["seq"] for r in rows]
    p = ctl_as(b, "leder", "journal", "export", "--format", "csv",
               "--to", day, check=0)
    assert list(csv.DictReader(io.StringIO(p.stdout, newline=""))) == []


def test_export_is_journalled(building, tmp_path):
    b = building
    seq = b.last_seq()
    ctl_as(b, "leder", "journal", "export", "--format", "json", "-o",
           tmp_path / "j.json", check=0)
    row = b.wait_journal("journal.exported", after=seq)
    assert row["actor"] == "leder"
    assert row["detail"]["format"] == "json"
    assert row["detail"]["rows"] == seq


def test_export_is_management_only(building):
    b = building
    seq = b.last_seq()
    for login in ("anna", "installer"):
        p = ctl_as(b, login, "journal", "export")
        assert p.returncode == 1 and "forbidden" in p.stderr
        assert p.stdout == ""
    refused = rows_of(b, "command.refused", after=seq)
    assert [(r["actor"], r["detail"]["verb"]) for r in refused] == [
        ("anna", "journal.export"), ("installer", "journal.export")]
    assert not rows_of(b, "journal.exported", after=seq)


def test_export_bad_format_is_a_usage_error(building):
    p = ctl_as(building, "leder", "journal", "export", "--format", "xml")
    assert p.returncode == 2 and "xml" in p.stderr


# -- every state-changing command, with its actor ---------------------------

# State-changing verbs whose journal rows (with the actor) are checked in
# the file that tests them, with conftest.journalled().
ELSEWHERE = dict(
    [(v, "52_register_test.py") for v in (
        "stay.admit", "stay.discharge", "stay.move", "enquiry.record")] +
    [(v, "53_guests_test.py") for v in (
        "guest.agree", "guest.end", "guest.block", "guest.unblock",
        "guest.admit", "guest.refuse", "guest.checkout")] +
    [(v, "54_evacuation_test.py") for v in (
        "staff.on", "staff.off", "evac.account", "evac.unaccount",
        "evac.close")] +
    [(v, "13_osdp_test.py") for v in ("reader.install", "reader.rotate")])


def test_verbs_covered_elsewhere_are_covered_there():
    for verb, name in ELSEWHERE.items():
        path = TOP / "tests/system" / name
        text = path.read_text() if path.exists() else ""
        assert re.search(r'journalled\(\s*\w+,\s*"%s"' % re.escape(verb),
                         text), "%s: no journalled(b, %r, ...) in %s" % (
                             verb, verb, name)


def mutating_verbs():
    """The verbs src/cmd/cmd_schema.c marks as changing state."""
    text = (TOP / "src/cmd/cmd_schema.c").read_text()
    return set(re.findall(r'\{\s*"([a-z_.]+)",\s*[A-Z_| ]+,\s*true,', text))


def test_every_state_changing_command_is_journalled_with_its_actor(
        make_building):
    b = make_building(extra_conf=FAST)
    done = {}

    def run(verb, login, args, type_, **match):
        seq = b.last_seq()
        p = ctl_as(b, login, *args) if login else b.ctl(*args)
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        row = b.wait_journal(type_, after=seq, **match)
        assert row["actor"] == (login or "root"), (verb, row)
        done[verb] = row
        return p

    run("door.release", "anna", ["door", "release", "garden"],
        "door.commanded", point="garden", action="release")
    run("door.release", "birgit", ["door", "release", "office", "--hold"],
        "door.commanded", point="office", action="hold")
    run("door.lock", "birgit", ["door", "lock", "office"],
        "door.commanded", point="office", action="lock")
    run("door.lock", None, ["door", "lock", "garden"],
        "door.commanded", point="garden", action="lock")
    p = run("chip.enrol", "leder", ["chip", "enrol", "--holder", "stay:3",
                                    "--facility", "1", "--card", "3001",
                                    "--zones", "corridor-1"],
            "credential.enrolled", subject="stay:3")
    cid = done["chip.enrol"]["detail"]["credential"]
    assert str(cid) in p.stdout
    run("chip.enrol", None, ["chip", "enrol", "--holder", "stay:4",
                             "--number", "123456789", "--format", "34",
                             "--zones", "corridor-2"],
        "credential.enrolled", subject="stay:4")
    run("chip.revoke", "leder", ["chip", "revoke", str(cid)],
        "credential.revoked", credential=cid)
    run("chip.revoke", "leder", ["chip", "revoke", "--holder", "stay:4"],
        "credential.revoked", subject="stay:4")
    run("journal.export", "leder", ["journal", "export"],
        "journal.exported")
    run("point.set", "installer", ["point", "set", "siren", "1",
                                   "--seconds", "1"],
        "point.tested", point="siren")

    # Alarms: an acknowledgement is a row with the actor and the alarm.
    seq = b.last_seq()
    b.set_input("front.contact", 1)
    aid = b.wait_journal("door.forced", after=seq,
                         point="front")["detail"]["alarm"]
    run("alarm.ack", "anna", ["alarm", "ack", str(aid)],
        "alarm.acknowledged", point="front", alarm=aid)
    b.set_input("front.contact", 0)
    b.wait_journal("door.closed", after=seq, point="front")

    # Modes: each change is a mode.changed row with its cause and actor.
    run("mode.lockdown", "anna", ["mode", "lockdown"], "mode.changed",
        cause="lockdown_command", to="lockdown")
    run("mode.lift", "birgit", ["mode", "normal"], "mode.changed",
        cause="lift", to="normal")
    run("mode.drill", "leder", ["mode", "drill", "start"], "mode.changed",
        cause="drill_start", to="drill")
    run("mode.fire", "leder", ["mode", "fire"], "mode.changed",
        cause="fire_command", to="fire")
    run("mode.reset", "anna", ["mode", "reset"], "mode.changed",
        cause="reset", to="normal")

    # Staff logins: the password comes on standard input, never in a row.
    password = "correct horse battery staple"
    seq = b.last_seq()
    p = ctl_as(b, "leder", "staff", "add", "carla", "--role", "staff",
               input=password + "\n")
    assert p.returncode == 0, (p.stdout, p.stderr)
    row = b.wait_journal("staff.added", after=seq, subject="staff:carla")
    assert row["actor"] == "leder"
    done["staff.add"] = row
    # Changing one's own password is journalled whether or not this site
    # keeps broker passwords (without, it is refused: not_configured).
    seq = b.last_seq()
    ctl_as(b, "carla", "staff", "passwd", "carla",
           input="another long passphrase\n")
    row = wait_until(lambda: [r for r in b.journal(seq) if r["type"] in (
        "staff.password_changed", "command.refused")],
        what="staff.passwd in the journal")[0]
    assert row["actor"] == "carla", row
    if row["type"] == "command.refused":
        assert row["detail"]["verb"] == "staff.passwd"
    done["staff.passwd"] = row
    seq = b.last_seq()
    ctl_as(b, "leder", "staff", "remove", "carla", check=0)
    row = b.wait_journal("staff.removed", after=seq, subject="staff:carla")
    assert row["actor"] == "leder"
    done["staff.remove"] = row
    assert password not in json.dumps(b.journal())

    # Enrolling at a reader: armed and enrolled, both with the actor.
    b.resident(5)
    seq = b.last_seq()
    e = subprocess.Popen(
        [str(BUILD / "husvagtctl"), "-s", str(b.control), "--as", "leder",
         "chip", "enrol", "--holder", "stay:5", "--reader", "office.reader",
         "--zones", "office"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        armed = b.wait_journal("credential.enrol_armed", after=seq)
        b.present("office.reader", 5001)
        out, err = e.communicate(timeout=15)
    finally:
        if e.poll() is None:
            e.kill()
    assert e.returncode == 0, (out, err)
    enrolled = b.wait_journal("credential.enrolled", after=seq)
    assert armed["actor"] == "leder" and enrolled["actor"] == "leder"

    assert set(done) | set(ELSEWHERE) == mutating_verbs(), \
        "state-changing verbs not covered: %s" % (
            mutating_verbs() - set(done) - set(ELSEWHERE))

    # The lock moves are journalled as the person's, too.
    moved = [r for r in b.journal() if r["type"] in ("door.released",
                                                      "door.locked")]
    assert {(r["point"], r["actor"]) for r in moved} >= {
        ("garden", "anna"), ("office", "birgit")}


def test_every_refused_state_changing_command_is_journalled(building):
    b = building
    cid = b.enrol("stay:6", 6001, "corridor-1")
    attempts = [  # (login, args, verb, error)
        ("anna", ["chip", "enrol", "--holder", "stay:7", "--facility", "1",
                  "--card", "7001"], "chip.enrol", "forbidden"),
        ("anna", ["chip", "revoke", str(cid)], "chip.revoke", "forbidden"),
        ("installer", ["journal", "export"], "journal.export", "forbidden"),
        ("leder", ["point", "set", "siren", "1"], "point.set", "forbidden"),
        ("anna", ["door", "release", "cellar"], "door.release",
         "not_found"),
        ("birgit", ["door", "lock", "cellar"], "door.lock", "not_found"),
        ("leder", ["chip", "revoke", "999"], "chip.revoke", "not_found"),
        ("leder", ["chip", "enrol", "--holder", "stay:6", "--facility", "1",
                   "--card", "6001", "--zones", "x"], "chip.enrol",
         "duplicate"),
        ("installer", ["point", "set", "front.lock", "1"], "point.set",
         "bad_value"),
    ]
    for login, args, verb, error in attempts:
        seq = b.last_seq()
        p = ctl_as(b, login, *args)
        assert p.returncode == 1, (args, p.stdout, p.stderr)
        assert error in p.stderr, (args, p.stderr)
        row = b.wait_journal("command.refused", after=seq)
        assert row["actor"] == login, row
        assert row["detail"]["verb"] == verb, row
        assert row["detail"]["error"] == error, row
    (c,) = b.ok("chip.list")["credentials"]
    assert not c["revoked"]
    assert b.released("front") is False


def test_unknown_login_is_journalled_without_acting(building):
    b = building
    seq = b.last_seq()
    p = ctl_as(b, "mallory", "chip", "revoke", "--holder", "stay:1")
    assert p.returncode == 1 and "not_authorised" in p.stderr
    row = b.wait_journal("command.refused", after=seq)
    assert row["detail"]["error"] == "not_authorised"
    assert row["detail"]["verb"] == "chip.revoke"
    assert not rows_of(b, "credential.revoked", after=seq)
