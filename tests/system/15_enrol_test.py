"""Enrolling chips with husvagtctl, as management does it at the office:
typing the number printed on the chip, or presenting the chip at a reader
in enrol mode; what happens when nobody presents one, when the chip is
already enrolled, and when the arguments are wrong (a clear message, the
right exit status, and nothing changed)."""

import signal
import subprocess
import time

import pytest

from conftest import (BUILD, ctl_as, history_mark, lock_moves, rows_of,
                      wait_released, wait_until)

FAST = "[defaults]\nrelease_s = 3"


def credentials(b):
    return b.ok("chip.list")["credentials"]


def open_with(b, reader, door, card, facility=1, fmt=26, subject=None):
    seq = b.last_seq()
    b.present(reader, card, facility=facility, fmt=fmt)
    row = b.wait_journal("access.granted", after=seq, point=door)
    if subject is not None:
        assert row["subject"] == subject
    wait_released(b, door, True)
    return row


class Enrolling:
    """husvagtctl chip enrol --reader ... running in the background."""

    def __init__(self, b, *args, login=None):
        words = [str(a) for a in args]
        if "--holder" in words[:-1]:
            b._resident_of(words[words.index("--holder") + 1])
        cmd = [str(BUILD / "husvagtctl"), "-s", str(b.control)]
        if login:
            cmd += ["--as", login]
        self.p = subprocess.Popen(
            cmd + ["chip", "enrol"] + [str(a) for a in args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.first = self.p.stdout.readline()

    def finish(self, timeout=15):
        out, err = self.p.communicate(timeout=timeout)
        return self.p.returncode, self.first + out, err

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.communicate()


@pytest.fixture
def enrolling():
    made = []

    def start(b, *args, **kw):
        e = Enrolling(b, *args, **kw)
        made.append(e)
        return e

    yield start
    for e in made:
        e.kill()


# -- typing the number ----------------------------------------------------

def test_enrol_by_facility_and_card(make_building):
    b = make_building(extra_conf=FAST)
    seq = b.last_seq()
    p = b.ctl("chip", "enrol", "--holder", "stay:21", "--facility", "173",
              "--card", "48611", "--zones", "corridor-1,room-101",
              "--label", "blue key fob", check=0)
    row = b.wait_journal("credential.enrolled", after=seq)
    cid = row["detail"]["credential"]
    assert p.stdout.strip() == "enrolled credential %d" % cid
    assert row["subject"] == "stay:21"
    assert row["actor"] == "root"
    (c,) = credentials(b)
    assert c["id"] == cid and c["holder"] == "stay:21"
    assert c["zones"] == "corridor-1,room-101"
    assert c["format"] == 26 and c["label"] == "blue key fob"
    assert not c["revoked"] and not c["has_pin"]
    open_with(b, "corridor-1.reader", "corridor-1", 48611, facility=173,
              subject="stay:21")


def test_chip_list_shows_no_number(building):
    b = building
    number = 173 << 16 | 48611
    b.ctl("chip", "enrol", "--holder", "stay:21", "--facility", "173",
          "--card", "48611", "--zones", "corridor-1", check=0)
    b.ctl("chip", "enrol", "--holder", "stay:22", "--number", "3735928559",
          "--format", "34", "--zones", "corridor-2", check=0)
    table = b.ctl("chip", "list", check=0).stdout
    js = b.ctl("--json", "chip", "list", check=0).stdout
    one = b.ctl("chip", "list", "--holder", "stay:22", check=0).stdout
    assert "stay:21" in table and "stay:22" in table
    assert "stay:22" in one and "stay:21" not in one
    for out in (table, js, one):
        for secret in (str(number), "48611", "173/48611", "3735928559",
                       "deadbeef", "DEADBEEF"):
            assert secret not in out, (secret, out)
    # The table says what the chip is without saying its number.
    assert "corridor-1" in table and "26" in table and "34" in table


def test_enrol_34_and_37_bit_by_number(building):
    b = building
    for fmt, n, door in ((34, 3735928559, "corridor-1"),
                         (37, 30000000007, "corridor-2")):
        p = b.ctl("chip", "enrol", "--holder", "stay:23", "--number", n,
                  "--format", fmt, "--zones", door, check=0)
        assert p.stdout.startswith("enrolled credential ")
        open_with(b, door + ".reader", door, n, fmt=fmt, subject="stay:23")


def test_enrol_with_pin_from_standard_input(make_building):
    b = make_building(extra_conf=FAST)
    p = b.ctl("chip", "enrol", "--holder", "stay:24", "--facility", "1",
              "--card", "2401", "--zones", "entrance", "--pin",
              input="4711\n", check=0)
    assert "4711" not in p.stdout + p.stderr
    (c,) = credentials(b)
    assert c["has_pin"] is True
    seq = b.last_seq()
    b.present("front.reader", 2401)
    b.sim_ok("keys", reader="front.reader", keys="4711#")
    b.wait_journal("access.granted", after=seq, point="front",
                   subject="stay:24")
    wait_released(b, "front", True)
    assert "4711" not in (b.state / "husvagt.db").read_bytes().decode(
        "latin-1")


def test_enrol_staff_chip_with_dates_and_windows(building):
    b = building
    b.ctl("chip", "enrol", "--holder", "staff:birgit", "--facility", "9",
          "--card", "900", "--zones", "*", "--from", "2020-01-01", "--to",
          "2099-12-31", "--windows", "mon-sun 00:00-24:00", check=0)
    (c,) = credentials(b)
    assert c["holder"] == "staff:birgit"
    assert c["windows"] == "mon-sun 00:00-24:00"
    # Local days, shown as UTC times (Copenhagen is UTC+1 in winter).
    assert c["valid_from"] == "2019-12-31T23:00:00Z"
    assert c["valid_to"] == "2099-12-31T22:59:59Z"
    open_with(b, "office.reader", "office", 900, facility=9,
              subject="staff:birgit")


# -- presenting the chip at a reader ----------------------------------------

def test_enrol_by_presenting(make_building, enrolling):
    b = make_building(extra_conf=FAST)
    seq = b.last_seq()
    mark = history_mark(b)
    e = enrolling(b, "--holder", "staff:anna", "--reader", "office.reader",
                  "--zones", "office,entrance")
    assert e.first.startswith("present the chip at office.reader")
    armed = b.wait_journal("credential.enrol_armed", after=seq)
    assert armed["subject"] == "staff:anna"
    assert armed["detail"]["reader"] == "office.reader"
    st = b.ok("chip.enrol_status", reader="office.reader")
    assert st["state"] == "waiting"
    b.present("office.reader", 4242, facility=42)
    rc, out, err = e.finish()
    assert rc == 0, (out, err)
    row = b.wait_journal("credential.enrolled", after=seq)
    cid = row["detail"]["credential"]
    assert "enrolled credential %d" % cid in out
    assert row["subject"] == "staff:anna"
    # The chip presented to enrol opens nothing.
    assert not rows_of(b, "access.granted", after=seq)
    assert not rows_of(b, "access.denied", after=seq)
    assert lock_moves(b, mark) == []
    (c,) = credentials(b)
    assert c["id"] == cid and c["zones"] == "office,entrance"
    # Presented again, it opens its door.
    row = open_with(b, "office.reader", "office", 4242, facility=42,
                    subject="staff:anna")
    assert row["detail"]["credential"] == cid
    open_with(b, "garden.reader", "garden", 4242, facility=42)


def test_enrol_by_presenting_a_37_bit_chip(building, enrolling):
    b = building
    e = enrolling(b, "--holder", "stay:25", "--reader", "corridor-2.reader",
                  "--zones", "corridor-2")
    b.present("corridor-2.reader", 30000000007, fmt=37)
    rc, out, err = e.finish()
    assert rc == 0, (out, err)
    (c,) = credentials(b)
    assert c["format"] == 37
    open_with(b, "corridor-2.reader", "corridor-2", 30000000007, fmt=37,
              subject="stay:25")


def test_enrol_at_a_reader_does_not_take_other_readers(building, enrolling):
    b = building
    b.enrol("stay:26", 2601, "corridor-1")
    e = enrolling(b, "--holder", "stay:27", "--reader", "office.reader",
                  "--zones", "corridor-2")
    open_with(b, "corridor-1.reader", "corridor-1", 2601, subject="stay:26")
    assert b.ok("chip.enrol_status", reader="office.reader")["state"] == \
        "waiting"
    b.present("office.reader", 2701)
    rc, out, err = e.finish()
    assert rc == 0, (out, err)
    assert {c["holder"] for c in credentials(b)} == {"stay:26", "stay:27"}


def test_enrol_timeout(make_building, enrolling):
    b = make_building(extra_conf="[defaults]\nenrol_timeout_s = 5")
    seq = b.last_seq()
    t0 = time.monotonic()
    e = enrolling(b, "--holder", "stay:28", "--reader", "office.reader",
                  "--zones", "office")
    rc, out, err = e.finish(timeout=20)
    took = time.monotonic() - t0
    assert rc == 1, (out, err)
    assert "timeout" in err and "office.reader" in err
    assert "enrolled credential" not in out
    assert 4.5 <= took <= 8, "gave up after %.1f s, configured 5" % took
    assert credentials(b) == []
    assert not rows_of(b, "credential.enrolled", after=seq)
    # The reader is a reader again: the chip is simply unknown there.
    s = b.last_seq()
    b.present("office.reader", 2801)
    row = b.wait_journal("access.denied", after=s, point="office")
    assert row["detail"]["reason"] == "unknown_credential"
    assert credentials(b) == []
    # And it can be armed again.
    e = enrolling(b, "--holder", "stay:28", "--reader", "office.reader",
                  "--zones", "office")
    b.present("office.reader", 2801)
    assert e.finish()[0] == 0
    assert len(credentials(b)) == 1


def test_enrol_timeout_option(building, enrolling):
    # --timeout S (husvagtctl(1)) shortens the wait for this enrolment.
    b = building
    t0 = time.monotonic()
    e = enrolling(b, "--holder", "stay:29", "--reader", "office.reader",
                  "--zones", "office", "--timeout", "5")
    rc, out, err = e.finish(timeout=30)
    took = time.monotonic() - t0
    assert rc == 1, (out, err)
    assert "timeout" in err, err
    assert 4.5 <= took <= 8, "gave up after %.1f s, asked for 5" % took
    assert credentials(b) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_abandoned_enrolment_takes_no_chip(building, enrolling, sig):
    # The operator gives up (Ctrl-C, or the terminal is closed): nobody
    # waits for a chip any more, so the next chip presented there, maybe
    # a resident's, must not become a staff chip for every door.
    b = building
    seq = b.last_seq()
    e = enrolling(b, "--holder", "staff:anna", "--reader", "office.reader",
                  "--zones", "*", login="leder")
    b.wait_journal("credential.enrol_armed", after=seq)
    e.p.send_signal(sig)
    e.p.communicate(timeout=10)
    row = b.wait_journal("credential.enrol_cancelled", after=seq)
    assert row["actor"] == "leder"
    assert row["subject"] == "staff:anna"
    assert row["detail"]["reader"] == "office.reader"
    mark = history_mark(b)
    s = b.last_seq()
    b.present("office.reader", 4711)
    denied = b.wait_journal("access.denied", after=s, point="office")
    assert denied["detail"]["reason"] == "unknown_credential"
    assert credentials(b) == []
    assert not rows_of(b, "credential.enrolled", after=seq)
    assert lock_moves(b, mark) == []
    # The reader can be armed again at once.
    e = enrolling(b, "--holder", "staff:anna", "--reader", "office.reader",
                  "--zones", "office")
    b.present("office.reader", 4711)
    assert e.finish()[0] == 0
    assert [c["holder"] for c in credentials(b)] == ["staff:anna"]


def test_reader_already_armed(building, enrolling):
    b = building
    enrolling(b, "--holder", "stay:30", "--reader", "office.reader",
              "--zones", "office")
    p = b.ctl("chip", "enrol", "--holder", "stay:31", "--reader",
              "office.reader", "--zones", "office", check=1)
    assert "busy" in p.stderr and "office.reader" in p.stderr


def test_management_enrols_at_a_reader(building, enrolling):
    b = building
    seq = b.last_seq()
    e = enrolling(b, "--holder", "stay:32", "--reader", "office.reader",
                  "--zones", "corridor-1", login="leder")
    b.present("office.reader", 3201)
    assert e.finish()[0] == 0
    row = b.wait_journal("credential.enrolled", after=seq)
    assert row["actor"] == "leder"
    assert b.wait_journal("credential.enrol_armed", after=seq)["actor"] == \
        "leder"


def test_staff_may_not_arm_a_reader(building):
    b = building
    seq = b.last_seq()
    p = ctl_as(b, "anna", "chip", "enrol", "--holder", "stay:33", "--reader",
               "office.reader", "--zones", "office", check=1)
    assert "forbidden" in p.stderr
    assert not rows_of(b, "credential.enrol_armed", after=seq)
    st = b.request("chip.enrol_status", reader="office.reader")
    assert not st["ok"]
    b.present("office.reader", 3301)
    row = b.wait_journal("access.denied", after=seq, point="office")
    assert row["detail"]["reason"] == "unknown_credential"


# -- duplicates ---------------------------------------------------------

def test_duplicate_enrol_refused(building):
    b = building
    b.ctl("chip", "enrol", "--holder", "stay:34", "--facility", "3",
          "--card", "3401", "--zones", "corridor-1", check=0)
    seq = b.last_seq()
    for holder in ("stay:34", "stay:35"):
        p = b.ctl("chip", "enrol", "--holder", holder, "--facility", "3",
                  "--card", "3401", "--zones", "corridor-2", check=1)
        assert "duplicate" in p.stderr
    p = b.ctl("chip", "enrol", "--holder", "stay:35", "--number",
              str(3 << 16 | 3401), "--zones", "corridor-2", check=1)
    assert "duplicate" in p.stderr
    (c,) = credentials(b)
    assert c["holder"] == "stay:34" and c["zones"] == "corridor-1"
    assert not rows_of(b, "credential.enrolled", after=seq)
    refused = rows_of(b, "command.refused", after=seq)
    assert [r["detail"]["error"] for r in refused] == ["duplicate"] * 3
    # The chip still opens only what it did.
    open_with(b, "corridor-1.reader", "corridor-1", 3401, facility=3,
              subject="stay:34")


def test_duplicate_enrol_at_a_reader_refused(building, enrolling):
    b = building
    b.enrol("stay:36", 3601, "corridor-1")
    e = enrolling(b, "--holder", "stay:37", "--reader", "office.reader",
                  "--zones", "office")
    b.present("office.reader", 3601)
    rc, out, err = e.finish()
    assert rc == 1, (out, err)
    assert "duplicate" in err
    (c,) = credentials(b)
    assert c["holder"] == "stay:36"


def test_revoked_chip_may_be_enrolled_again(building):
    b = building
    cid = b.enrol("stay:38", 3801, "corridor-1")
    b.ok("chip.revoke", id=cid)
    p = b.ctl("chip", "enrol", "--holder", "stay:39", "--facility", "1",
              "--card", "3801", "--zones", "corridor-2", check=0)
    assert p.stdout.startswith("enrolled credential ")
    open_with(b, "corridor-2.reader", "corridor-2", 3801, subject="stay:39")
    seq = b.last_seq()
    b.present("corridor-1.reader", 3801)
    row = b.wait_journal("access.denied", after=seq)
    assert row["detail"]["reason"] == "out_of_zone"
    assert row["subject"] == "stay:39"


# -- bad arguments --------------------------------------------------------

GOOD = ["--holder", "stay:40", "--facility", "1", "--card", "4001",
        "--zones", "corridor-1"]

USAGE = [  # (arguments, what the message must say)
    (["--facility", "1", "--card", "4001", "--zones", "corridor-1"],
     "--holder"),
    (["--holder", "stay:40", "--zones", "corridor-1"], "--number"),
    (GOOD + ["--number", "5"], "--number"),
    (["--holder", "stay:40", "--facility", "1", "--zones", "x"], "--card"),
    (["--holder", "stay:40", "--card", "1", "--zones", "x"], "--facility"),
    (GOOD + ["--format", "34"], "--format"),
    (GOOD + ["--timeout", "5"], "--timeout"),
    (["--holder", "stay:40", "--number", "12x"], "12x"),
    (["--holder", "stay:40", "--facility", "one", "--card", "2"], "one"),
    (GOOD + ["--colour", "red"], "--colour"),
    (GOOD + ["--zones"], "--zones"),
    (GOOD + ["extra"], "extra"),
]


@pytest.mark.parametrize("args,says", USAGE)
def test_usage_errors(building, args, says):
    b = building
    b.auto_residents = False    # nothing reaches the daemon
    seq = b.last_seq()
    p = b.ctl("chip", "enrol", *args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert says in p.stderr
    assert "usage:" in p.stderr
    assert p.stdout == ""
    assert credentials(b) == []
    assert b.last_seq() == seq, "a usage error never reaches the daemon"


@pytest.mark.parametrize("pin", ["12", "123456789", "12a4", ""])
def test_bad_pin_is_a_usage_error(building, pin):
    b = building
    p = b.ctl("chip", "enrol", *GOOD, "--pin", input=pin + "\n")
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "PIN" in p.stderr
    assert credentials(b) == []


REFUSED = [  # (arguments replacing GOOD's, error code the daemon gives)
    ({"--holder": "anna"}, "bad_holder"),
    ({"--holder": "stay:x1"}, "bad_holder"),
    ({"--holder": "Staff:Anna"}, "bad_holder"),
    ({"--zones": "Room 101"}, "bad_zones"),
    ({"--zones": "corridor-1,,room-101"}, "bad_zones"),
    ({"--card": "65536"}, "bad_value"),
    ({"--facility": "256"}, "bad_value"),
    ({"--facility": "-1"}, "bad_value"),
    ({"--from": "2026-13-45"}, "bad_dates"),
    ({"--from": "2026-06-02", "--to": "2026-06-01"}, "bad_dates"),
    ({"--windows": "someday 10:00-12:00"}, "bad_windows"),
    ({"--windows": "mon 25:00-26:00"}, "bad_windows"),
    ({"--label": "x" * 65}, "bad_value"),
]


@pytest.mark.parametrize("change,error", REFUSED)
def test_daemon_refuses_bad_values(building, change, error):
    b = building
    args = list(GOOD)
    for k, v in change.items():
        if k in args:
            args[args.index(k) + 1] = v
        else:
            args += [k, v]
    seq = b.last_seq()
    p = b.ctl("chip", "enrol", *args)
    assert p.returncode == 1, (args, p.stdout, p.stderr)
    assert error in p.stderr, p.stderr
    assert p.stderr.startswith("husvagtctl: ")
    assert credentials(b) == []
    assert not rows_of(b, "credential.enrolled", after=seq)
    row = b.wait_journal("command.refused", after=seq)
    assert row["detail"]["verb"] == "chip.enrol"
    assert row["detail"]["error"] == error
    assert row["actor"] == "root"


@pytest.mark.parametrize("fmt,number,error", [
    (26, 1 << 24, "bad_number"), (34, 1 << 32, "bad_number"),
    (37, 1 << 35, "bad_value"), (35, 7, "bad_format"), (12, 7, "bad_value"),
    (26, -1, "bad_value")])
def test_daemon_refuses_bad_numbers(building, fmt, number, error):
    b = building
    p = b.ctl("chip", "enrol", "--holder", "stay:41", "--number", number,
              "--format", fmt, "--zones", "corridor-1")
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert error in p.stderr
    assert credentials(b) == []


def test_unknown_reader_refused(building):
    b = building
    for reader in ("attic.reader", "front.lock", "front.contact"):
        p = b.ctl("chip", "enrol", "--holder", "stay:42", "--reader", reader,
                  "--zones", "office")
        assert p.returncode == 1, (reader, p.stdout, p.stderr)
        assert "not_found" in p.stderr and reader in p.stderr
    assert not rows_of(b, "credential.enrol_armed")


def test_bad_values_at_a_reader_refused_before_arming(building):
    # Wrong rules are refused at once, not after the chip was presented.
    b = building
    seq = b.last_seq()
    p = b.ctl("chip", "enrol", "--holder", "stay:43", "--reader",
              "office.reader", "--zones", "office", "--from", "2026-02-30x")
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "bad_dates" in p.stderr
    for args, error in ((["--holder", "nobody", "--zones", "office"],
                         "bad_holder"),
                        (["--holder", "stay:43", "--zones", "No Zone"],
                         "bad_zones"),
                        (["--holder", "stay:43", "--zones", "office",
                          "--windows", "every day"], "bad_windows")):
        p = b.ctl("chip", "enrol", "--reader", "office.reader", *args)
        assert p.returncode == 1, (args, p.stdout, p.stderr)
        assert error in p.stderr, (args, p.stderr)
    assert not rows_of(b, "credential.enrol_armed", after=seq)
    r = b.request("chip.enrol_status", reader="office.reader")
    assert not r["ok"]
