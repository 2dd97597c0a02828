"""Door alarms and exit, as staff on duty and a resident leaving meet them:
held-open pre-alarm and alarm on time, forced doors (but not room doors
with a mechanical exit handle), the exit button opening in every case,
staff release / hold / lock from husvagtctl with their name in the
journal, and the role checks on who may do what."""

import time

import pytest

from conftest import (ctl_as, history_mark, lock_moves, press, row_time,
                      rows_of, wait_released, wait_until)

TIMES = "[defaults]\nrelease_s = 3\nheld_warning_s = 1\nheld_s = 2"
ENTRY_DOORS = ["front", "garden", "office", "corridor-1", "corridor-2"]
ROOMS = ["room-%d" % n for n in (101, 102, 103, 104, 105, 106,
                                 201, 202, 203, 204, 205, 206)]
REX_DOORS = ["front", "garden", "corridor-1", "corridor-2"]


@pytest.fixture
def b(make_building):
    return make_building(extra_conf=TIMES)


def grant(b, door, card=2001):
    """Enrol a chip for door (once) and present it; wait for the lock."""
    if not getattr(b, "_enrolled", None):
        b.enrol("stay:1", card, "*")
        b._enrolled = True
    seq = b.last_seq()
    b.present(door + ".reader", card)
    b.wait_journal("access.granted", after=seq, point=door)
    wait_released(b, door, True)
    return seq


def open_door(b, door):
    seq = b.last_seq()
    b.set_input(door + ".contact", 1)
    return b.wait_journal("door.opened", after=seq, point=door)


def close_door(b, door):
    seq = b.last_seq()
    b.set_input(door + ".contact", 0)
    return b.wait_journal("door.closed", after=seq, point=door)


def door_state(b, door):
    return [d for d in b.ok("door.list")["doors"] if d["name"] == door][0]


# -- held open ----------------------------------------------------------

def test_held_open_prealarm_and_alarm_on_time(b):
    seq = grant(b, "corridor-1")
    opened = open_door(b, "corridor-1")
    warn = b.wait_journal("door.held_warning", after=seq, timeout=5,
                          point="corridor-1")
    held = b.wait_journal("door.held", after=seq, timeout=5,
                          point="corridor-1")
    t_warn = row_time(warn) - row_time(opened)
    t_held = row_time(held) - row_time(opened)
    assert 0.95 <= t_warn <= 1.5, "pre-alarm after %.2f s, not 1" % t_warn
    assert 1.95 <= t_held <= 2.5, "alarm after %.2f s, not 2" % t_held
    assert warn["seq"] < held["seq"]
    assert door_state(b, "corridor-1")["phase"] == "held"
    # Each alarm once, however long the door stands open.
    wait_until(lambda: time.time() > row_time(held) + 1.0, timeout=3,
               what="a second past the alarm")
    assert len(rows_of(b, "door.held", after=seq)) == 1
    assert len(rows_of(b, "door.held_warning", after=seq)) == 1
    # Closing it relocks at once.
    closed = close_door(b, "corridor-1")
    locked = b.wait_journal("door.locked", after=closed["seq"] - 1,
                            point="corridor-1")
    assert locked["seq"] == closed["seq"] + 1
    assert b.released("corridor-1") is False
    assert door_state(b, "corridor-1")["phase"] == "locked"


def test_held_open_times_per_door(make_building):
    b = make_building(extra_conf=TIMES, start=False)
    text = b.conf.read_text().replace(
        "[door garden]\n", "[door garden]\nheld_warning_s = 2\nheld_s = 3\n")
    b.conf.write_text(text)
    b.start()
    seq = b.last_seq()
    press(b, "garden.rex")
    press(b, "corridor-1.rex")
    g = open_door(b, "garden")
    c = open_door(b, "corridor-1")
    gw = b.wait_journal("door.held_warning", after=seq, point="garden")
    gh = b.wait_journal("door.held", after=seq, point="garden")
    cw = b.wait_journal("door.held_warning", after=seq, point="corridor-1")
    ch = b.wait_journal("door.held", after=seq, point="corridor-1")
    assert 1.95 <= row_time(gw) - row_time(g) <= 2.5
    assert 2.95 <= row_time(gh) - row_time(g) <= 3.5
    assert 0.95 <= row_time(cw) - row_time(c) <= 1.5
    assert 1.95 <= row_time(ch) - row_time(c) <= 2.5


def test_no_held_alarm_when_closed_in_time(b):
    seq = grant(b, "corridor-1")
    opened = open_door(b, "corridor-1")
    close_door(b, "corridor-1")
    wait_until(lambda: time.time() > row_time(opened) + 2.6, timeout=5,
               what="the held-open alarm time to pass")
    assert not rows_of(b, "door.held_warning", after=seq)
    assert not rows_of(b, "door.held", after=seq)
    assert b.released("corridor-1") is False


def test_held_open_after_exit_button(b):
    seq = b.last_seq()
    press(b, "front.rex")
    wait_released(b, "front", True)
    opened = open_door(b, "front")
    held = b.wait_journal("door.held", after=seq, timeout=5, point="front")
    assert 1.95 <= row_time(held) - row_time(opened) <= 2.5
    assert rows_of(b, "door.held_warning", after=seq, point="front")
    assert not rows_of(b, "door.forced", after=seq)


# -- forced ---------------------------------------------------------------

@pytest.mark.parametrize("door", ENTRY_DOORS)
def test_forced_open(b, door):
    mark = history_mark(b)
    seq = b.last_seq()
    b.set_input(door + ".contact", 1)
    forced = b.wait_journal("door.forced", after=seq, point=door)
    opened = rows_of(b, "door.opened", after=seq, point=door)
    assert opened and opened[0]["seq"] < forced["seq"]
    assert forced["actor"] == "system"
    assert door_state(b, door)["phase"] == "forced"
    assert lock_moves(b, mark) == []
    assert b.released(door) is False
    close_door(b, door)
    assert not rows_of(b, "door.locked", after=seq)
    assert lock_moves(b, mark) == []
    assert len(rows_of(b, "door.forced", after=seq)) == 1


def test_opened_after_release_ran_out_is_forced(b):
    seq = grant(b, "corridor-1")
    b.wait_journal("door.locked", after=seq, timeout=6, point="corridor-1")
    b.set_input("corridor-1.contact", 1)
    b.wait_journal("door.forced", after=seq, point="corridor-1")


def test_opened_after_grant_is_not_forced(b):
    seq = grant(b, "garden")
    open_door(b, "garden")
    close_door(b, "garden")
    assert not rows_of(b, "door.forced", after=seq)


@pytest.mark.parametrize("door", ROOMS)
def test_room_door_opened_from_inside_is_not_forced(b, door):
    # forced_alarm = no: the mechanical exit handle has no switch.
    mark = history_mark(b)
    seq = b.last_seq()
    opened = open_door(b, door)
    assert opened["point"] == door
    close_door(b, door)
    assert not rows_of(b, "door.forced", after=seq)
    assert lock_moves(b, mark) == []
    assert b.released(door) is False


def test_room_door_still_raises_held_open(b):
    seq = b.last_seq()
    open_door(b, "room-204")
    b.wait_journal("door.held", after=seq, timeout=5, point="room-204")
    assert not rows_of(b, "door.forced", after=seq)


# -- exit is never blocked ------------------------------------------------

@pytest.mark.parametrize("door", REX_DOORS)
def test_rex_opens_a_locked_door(b, door):
    mark = history_mark(b)
    seq = b.last_seq()
    press(b, door + ".rex")
    rex = b.wait_journal("door.rex", after=seq, point=door)
    rel = b.wait_journal("door.released", after=seq, point=door)
    assert rex["seq"] < rel["seq"]
    assert b.released(door) is True
    assert {m["point"] for m in lock_moves(b, mark)} == {door + ".lock"}
    # Relocks after the release time when nobody goes through.
    b.wait_journal("door.locked", after=seq, timeout=6, point=door)
    assert b.released(door) is False


def test_rex_opens_after_a_forced_alarm(b):
    seq = b.last_seq()
    b.set_input("corridor-1.contact", 1)
    b.wait_journal("door.forced", after=seq, point="corridor-1")
    # While it stands forced open...
    press(b, "corridor-1.rex")
    b.wait_journal("door.released", after=seq, point="corridor-1")
    assert b.released("corridor-1") is True
    close_door(b, "corridor-1")
    b.wait_journal("door.locked", after=seq, point="corridor-1")
    assert b.released("corridor-1") is False
    # ...and after it was closed again.
    seq = b.last_seq()
    press(b, "corridor-1.rex")
    b.wait_journal("door.released", after=seq, point="corridor-1")
    assert b.released("corridor-1") is True
    open_door(b, "corridor-1")
    assert not rows_of(b, "door.forced", after=seq)


def test_rex_opens_while_the_reader_is_locked_out(b):
    seq = b.last_seq()
    for i in range(5):
        s = b.last_seq()
        b.present("corridor-1.reader", 3000 + i)
        b.wait_journal("access.denied", after=s, point="corridor-1")
    b.wait_journal("reader.locked_out", after=seq, point="corridor-1")
    assert door_state(b, "corridor-1")["locked_out"] is True
    seq = b.last_seq()
    press(b, "corridor-1.rex")
    b.wait_journal("door.released", after=seq, point="corridor-1")
    assert b.released("corridor-1") is True
    assert door_state(b, "corridor-1")["locked_out"] is True


def test_rex_while_held_open_and_while_held_by_staff(b):
    seq = grant(b, "garden")
    open_door(b, "garden")
    b.wait_journal("door.held", after=seq, timeout=5, point="garden")
    press(b, "garden.rex")
    b.wait_journal("door.rex", after=seq, point="garden")
    assert b.released("garden") is True
    close_door(b, "garden")
    wait_released(b, "garden", False)
    ctl_as(b, "anna", "door", "release", "garden", "--hold", check=0)
    seq = b.last_seq()
    press(b, "garden.rex")
    b.wait_journal("door.rex", after=seq, point="garden")
    assert b.released("garden") is True
    assert not rows_of(b, "door.locked", after=seq)


# -- staff commands ---------------------------------------------------------

def commanded(b, after, door, action, actor):
    row = b.wait_journal("door.commanded", after=after, point=door)
    assert row["actor"] == actor, row
    assert row["detail"]["action"] == action, row
    assert row["detail"]["via"] == "control", row
    return row


def test_staff_release(b):
    mark = history_mark(b)
    seq = b.last_seq()
    p = ctl_as(b, "anna", "door", "release", "front", check=0)
    assert "released" in p.stdout
    cmd = commanded(b, seq, "front", "release", "anna")
    rel = b.wait_journal("door.released", after=seq, point="front")
    assert cmd["seq"] < rel["seq"], "the command is journalled first"
    assert rel["actor"] == "anna"
    assert b.released("front") is True
    assert {m["point"] for m in lock_moves(b, mark)} == {"front.lock"}
    locked = b.wait_journal("door.locked", after=seq, timeout=6,
                            point="front")
    assert 2.9 <= row_time(locked) - row_time(rel) <= 4.0
    assert b.released("front") is False


def test_staff_hold_and_lock(b):
    seq = b.last_seq()
    ctl_as(b, "birgit", "door", "release", "corridor-2", "--hold", check=0)
    rel = b.wait_journal("door.released", after=seq, point="corridor-2")
    commanded(b, seq, "corridor-2", "hold", "birgit")
    assert b.released("corridor-2") is True
    assert door_state(b, "corridor-2")["hold"] is True
    # Held past the release time, and open past the held-open times
    # without alarms.
    open_door(b, "corridor-2")
    wait_until(lambda: time.time() > row_time(rel) + 3.8, timeout=6,
               what="the release and held-open times to pass")
    assert b.released("corridor-2") is True
    assert not rows_of(b, "door.locked", after=seq)
    assert not rows_of(b, "door.held", after=seq)
    assert not rows_of(b, "door.held_warning", after=seq)
    close_door(b, "corridor-2")
    assert b.released("corridor-2") is True
    # Locked by another member of staff.
    seq = b.last_seq()
    ctl_as(b, "anna", "door", "lock", "corridor-2", check=0)
    commanded(b, seq, "corridor-2", "lock", "anna")
    locked = b.wait_journal("door.locked", after=seq, point="corridor-2")
    assert locked["actor"] == "anna"
    assert b.released("corridor-2") is False
    assert door_state(b, "corridor-2")["hold"] is False


def test_staff_lock_ends_a_release_at_once(b):
    seq = grant(b, "garden")
    ctl_as(b, "anna", "door", "lock", "garden", check=0)
    commanded(b, seq, "garden", "lock", "anna")
    b.wait_journal("door.locked", after=seq, point="garden")
    assert b.released("garden") is False


def test_unhold_while_open_relocks_at_close(b):
    seq = b.last_seq()
    ctl_as(b, "anna", "door", "release", "office", "--hold", check=0)
    wait_released(b, "office", True)
    commanded(b, seq, "office", "hold", "anna")
    open_door(b, "office")
    seq = b.last_seq()
    ctl_as(b, "anna", "door", "lock", "office", check=0)
    commanded(b, seq, "office", "lock", "anna")
    assert b.released("office") is True, "open: relocks when it closes"
    close_door(b, "office")
    b.wait_journal("door.locked", after=seq, point="office")
    assert b.released("office") is False
    assert not rows_of(b, "door.forced", after=seq)


def test_unknown_login_refused(b):
    mark = history_mark(b)
    seq = b.last_seq()
    p = ctl_as(b, "mallory", "door", "release", "front", check=1)
    assert "not_authorised" in p.stderr
    assert "mallory" in p.stderr
    row = b.wait_journal("command.refused", after=seq)
    assert row["detail"]["error"] == "not_authorised"
    assert row["detail"]["verb"] == "door.release"
    assert not rows_of(b, "door.commanded", after=seq)
    assert not rows_of(b, "door.released", after=seq)
    assert lock_moves(b, mark) == []
    assert b.released("front") is False


def test_malformed_login_refused(b):
    seq = b.last_seq()
    p = ctl_as(b, "Anna Smith", "door", "release", "front")
    assert p.returncode == 1, p
    assert "bad_request" in p.stderr
    assert not rows_of(b, "door.released", after=seq)


def test_unknown_door_refused(b):
    seq = b.last_seq()
    p = ctl_as(b, "anna", "door", "release", "cellar", check=1)
    assert "not_found" in p.stderr
    row = b.wait_journal("command.refused", after=seq)
    assert row["actor"] == "anna"
    assert row["detail"]["error"] == "not_found"
    assert not rows_of(b, "door.commanded", after=seq)


def test_staff_may_not_enrol_chips(b):
    seq = b.last_seq()
    p = ctl_as(b, "anna", "chip", "enrol", "--holder", "stay:1",
               "--facility", "1", "--card", "2001", "--zones", "corridor-1",
               check=1)
    assert "forbidden" in p.stderr
    row = b.wait_journal("command.refused", after=seq)
    assert row["actor"] == "anna"
    assert row["detail"] == {"verb": "chip.enrol", "error": "forbidden",
                             "via": "control"}
    assert b.ok("chip.list")["credentials"] == []
    assert not rows_of(b, "credential.enrolled", after=seq)
    # Nor revoke them.
    cid = b.enrol("stay:1", 2001, "corridor-1")
    p = ctl_as(b, "anna", "chip", "revoke", str(cid), check=1)
    assert "forbidden" in p.stderr
    assert not b.ok("chip.list")["credentials"][0]["revoked"]


def test_management_may_enrol_chips(b):
    seq = b.last_seq()
    p = ctl_as(b, "leder", "chip", "enrol", "--holder", "stay:1",
               "--facility", "1", "--card", "2001", "--zones", "corridor-1",
               check=0)
    row = b.wait_journal("credential.enrolled", after=seq)
    assert row["actor"] == "leder"
    assert row["subject"] == "stay:1"
    assert "enrolled credential %d" % row["detail"]["credential"] in p.stdout
    seq = b.last_seq()
    b.present("corridor-1.reader", 2001)
    b.wait_journal("access.granted", after=seq, subject="stay:1")
    wait_released(b, "corridor-1", True)


def test_installer_may_not_enrol_but_may_test_an_output(b):
    seq = b.last_seq()
    p = ctl_as(b, "installer", "chip", "enrol", "--holder", "stay:1",
               "--facility", "1", "--card", "2001", "--zones", "corridor-1",
               check=1)
    assert "forbidden" in p.stderr
    ctl_as(b, "installer", "point", "set", "siren", "1", "--seconds", "1",
           check=0)
    row = b.wait_journal("point.tested", after=seq, point="siren")
    assert row["actor"] == "installer"
    # Staff may not.
    p = ctl_as(b, "anna", "point", "set", "siren", "1", check=1)
    assert "forbidden" in p.stderr
