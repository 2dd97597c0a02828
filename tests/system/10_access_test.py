"""Access at the readers, as a resident or a member of staff meets it: the
right chip opens its door and no other, the lock relocks, every refusal is
journalled with its reason and never moves a lock, chip + PIN at the front
door, the reader lockout, 34- and 37-bit cards, and no raw card number
anywhere the daemon writes."""

import datetime
import json
import struct
import time
import zoneinfo

import pytest

from conftest import (history_mark, lock_moves, row_time, rows_of,
                      wait_released, wait_until)

TZ = zoneinfo.ZoneInfo("Europe/Copenhagen")   # the site's timezone
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FAST = "[defaults]\nrelease_s = 3\nheld_warning_s = 20\nheld_s = 40"


def utc(delta):
    """A UTC time string for chip.enrol, delta from now."""
    t = datetime.datetime.now(datetime.timezone.utc) + delta
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_date(days):
    """The site's local date, days from today, as YYYY-MM-DD."""
    return (datetime.datetime.now(TZ) + datetime.timedelta(days=days)) \
        .strftime("%Y-%m-%d")


def weekday(offset):
    """The site's weekday name, offset days from today."""
    return DAYS[(datetime.datetime.now(TZ).weekday() + offset) % 7]


def lock_snapshot(b):
    return {o["point"]: (o["level"], o.get("released"))
            for o in b.outputs() if "released" in o}


def present_and_wait(b, reader, card, type_, facility=1, fmt=26, **match):
    """Present a card and wait for the decision row about it."""
    seq = b.last_seq()
    b.present(reader, card, facility=facility, fmt=fmt)
    return b.wait_journal(type_, after=seq, **match), seq


def assert_denied_still(b, door, reader, card, reason, subject, facility=1,
                        fmt=26, locked=True):
    """Present, expect access.denied with reason, and no lock moving (the
    door's lock engaged before and after, unless locked=False)."""
    mark = history_mark(b)
    before = lock_snapshot(b)
    if locked:
        assert b.released(door) is False
    row, seq = present_and_wait(b, reader, card, "access.denied",
                                facility=facility, fmt=fmt, point=door)
    assert row["detail"]["reason"] == reason, row
    assert row["subject"] == subject, row
    assert row["actor"] == "system"
    assert row["detail"]["reader"] == reader
    # The decision is committed before anything it causes: once the row
    # is there, a grant would have moved the lock already.
    assert not rows_of(b, "door.released", after=seq)
    assert not rows_of(b, "access.granted", after=seq)
    assert lock_moves(b, mark) == []
    assert lock_snapshot(b) == before
    return row


# -- a valid chip --------------------------------------------------------

def test_valid_chip_opens_its_door_and_only_its_door(make_building):
    b = make_building(extra_conf=FAST)
    cid = b.enrol("stay:1", 2001, "entrance,corridor-1,room-101")
    before = lock_snapshot(b)
    assert not any(rel for _, rel in before.values()), before
    mark = history_mark(b)

    row, seq = present_and_wait(b, "corridor-1.reader", 2001,
                                "access.granted", point="corridor-1")
    assert row["subject"] == "stay:1"
    assert row["detail"]["credential"] == cid
    assert row["detail"]["reader"] == "corridor-1.reader"
    rel = b.wait_journal("door.released", after=seq, point="corridor-1")
    assert rel["seq"] > row["seq"], "the grant is journalled first"
    assert b.released("corridor-1") is True

    moves = lock_moves(b, mark)
    assert moves and {m["point"] for m in moves} == {"corridor-1.lock"}
    after = lock_snapshot(b)
    for point, state in before.items():
        if point != "corridor-1.lock":
            assert after[point] == state, point
    assert not rows_of(b, "door.released", after=seq, point="room-101")

    # Her room opens for her too, and again only her room.
    wait_released(b, "corridor-1", False, timeout=6)
    mark = history_mark(b)
    row, seq = present_and_wait(b, "room-101.reader", 2001,
                                "access.granted", point="room-101")
    assert row["subject"] == "stay:1"
    wait_released(b, "room-101", True)
    assert {m["point"] for m in lock_moves(b, mark)} == {"room-101.lock"}
    assert b.released("room-102") is False

    # A neighbour's room does not.
    wait_released(b, "room-101", False, timeout=6)
    assert_denied_still(b, "room-102", "room-102.reader", 2001,
                        "out_of_zone", "stay:1")


def test_lock_relocks_after_release_time(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:1", 2001, "corridor-1")
    mark = history_mark(b)
    row, seq = present_and_wait(b, "corridor-1.reader", 2001,
                                "access.granted")
    rel = b.wait_journal("door.released", after=seq, point="corridor-1")
    assert b.released("corridor-1") is True
    locked = b.wait_journal("door.locked", after=rel["seq"], timeout=8,
                            point="corridor-1")
    assert b.released("corridor-1") is False
    held = row_time(locked) - row_time(rel)
    assert 2.9 <= held <= 4.0, "released for %.2f s, configured 3" % held
    moves = lock_moves(b, mark)
    assert [m["point"] for m in moves] == ["corridor-1.lock"] * 2
    assert moves[0]["level"] != moves[1]["level"]
    assert 2900 <= moves[1]["mono_ms"] - moves[0]["mono_ms"] <= 4000


def test_lock_relocks_when_the_door_closes(make_building):
    # A long release time: the relock below cannot be the timer's.
    b = make_building(extra_conf="[defaults]\nrelease_s = 30")
    b.enrol("stay:1", 2001, "corridor-1")
    row, seq = present_and_wait(b, "corridor-1.reader", 2001,
                                "access.granted")
    wait_released(b, "corridor-1", True)
    b.set_input("corridor-1.contact", 1)
    b.wait_journal("door.opened", after=seq, point="corridor-1")
    assert b.released("corridor-1") is True, "stays released while open"
    assert not rows_of(b, "door.forced", after=seq)
    t0 = time.monotonic()
    b.set_input("corridor-1.contact", 0)
    closed = b.wait_journal("door.closed", after=seq, point="corridor-1")
    locked = b.wait_journal("door.locked", after=seq, point="corridor-1")
    assert locked["seq"] == closed["seq"] + 1
    assert b.released("corridor-1") is False
    assert time.monotonic() - t0 < 2.0
    assert row_time(locked) - row_time(row) < 10


# -- refusals --------------------------------------------------------------

def test_expired_chip_refused(building):
    b = building
    b.enrol("stay:3", 3001, "corridor-1",
            valid_from=utc(datetime.timedelta(days=-10)),
            valid_to=utc(datetime.timedelta(days=-1)))
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 3001,
                        "expired", "stay:3")


def test_expired_by_a_second(building):
    b = building
    b.enrol("stay:3", 3002, "corridor-1",
            valid_from=utc(datetime.timedelta(days=-10)),
            valid_to=utc(datetime.timedelta(seconds=-2)))
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 3002,
                        "expired", "stay:3")


def test_not_yet_valid_chip_refused(building):
    b = building
    b.enrol("stay:4", 4001, "corridor-1",
            valid_from=utc(datetime.timedelta(days=1)))
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 4001,
                        "not_yet_valid", "stay:4")


def test_chip_within_its_dates_opens(building):
    b = building
    b.enrol("stay:4", 4002, "corridor-1", valid_from=local_date(-1),
            valid_to=local_date(1))
    present_and_wait(b, "corridor-1.reader", 4002, "access.granted",
                     subject="stay:4")
    wait_released(b, "corridor-1", True)


def test_chip_valid_to_today_opens_all_day(building):
    # valid_to is the last valid day, not its first second.
    b = building
    b.enrol("stay:4", 4003, "corridor-1", valid_from=local_date(-3),
            valid_to=local_date(0))
    present_and_wait(b, "corridor-1.reader", 4003, "access.granted",
                     subject="stay:4")


def test_revoked_chip_refused(building):
    b = building
    cid = b.enrol("stay:5", 5001, "corridor-1")
    b.ok("chip.revoke", id=cid)
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 5001,
                        "revoked", "stay:5")


def test_out_of_zone_chip_refused(building):
    b = building
    b.enrol("stay:6", 6001, "corridor-2,room-201")
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 6001,
                        "out_of_zone", "stay:6")
    assert_denied_still(b, "office", "office.reader", 6001,
                        "out_of_zone", "stay:6")


def test_out_of_window_chip_refused(building):
    b = building
    # Two whole days that are neither today nor next to it.
    windows = "%s 00:00-24:00; %s 00:00-24:00" % (weekday(3), weekday(4))
    b.enrol("stay:7", 7001, "corridor-1", windows=windows)
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 7001,
                        "out_of_window", "stay:7")


def test_in_window_chip_opens(building):
    b = building
    windows = "%s-%s 00:00-24:00" % (weekday(-1), weekday(1))
    b.enrol("stay:7", 7002, "corridor-1", windows=windows)
    present_and_wait(b, "corridor-1.reader", 7002, "access.granted",
                     subject="stay:7")
    wait_released(b, "corridor-1", True)


def test_unknown_chip_refused(building):
    b = building
    b.enrol("stay:8", 8001, "corridor-1")
    row = assert_denied_still(b, "corridor-1", "corridor-1.reader", 8002,
                              "unknown_credential", "")
    assert "credential" not in row["detail"]
    tag = row["detail"]["card"]
    assert len(tag) == 16 and int(tag, 16) >= 0
    # The same unknown card gives the same tag; another card another one.
    again = assert_denied_still(b, "corridor-1", "corridor-1.reader", 8002,
                                "unknown_credential", "")
    other = assert_denied_still(b, "corridor-1", "corridor-1.reader", 8002,
                                "unknown_credential", "", facility=2)
    assert again["detail"]["card"] == tag
    assert other["detail"]["card"] != tag


def test_same_card_in_another_facility_is_unknown(building):
    b = building
    b.enrol("stay:8", 8003, "corridor-1", facility=7)
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 8003,
                        "unknown_credential", "", facility=8)


def test_revoke_takes_effect_at_once(make_building):
    b = make_building(extra_conf=FAST)
    cid = b.enrol("stay:9", 9001, "corridor-1")
    present_and_wait(b, "corridor-1.reader", 9001, "access.granted",
                     subject="stay:9")
    wait_released(b, "corridor-1", False, timeout=6)
    seq = b.last_seq()
    b.ok("chip.revoke", id=cid)
    rev = b.wait_journal("credential.revoked", after=seq)
    assert rev["detail"]["credential"] == cid
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 9001,
                        "revoked", "stay:9")


def test_revoke_by_holder_takes_every_chip(building):
    b = building
    b.enrol("stay:9", 9002, "corridor-1")
    b.enrol("stay:9", 9003, "corridor-1,room-101")
    b.enrol("stay:10", 9004, "corridor-1")
    assert b.ok("chip.revoke", holder="stay:9")["revoked"] == 2
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 9002,
                        "revoked", "stay:9")
    assert_denied_still(b, "room-101", "room-101.reader", 9003,
                        "revoked", "stay:9")
    present_and_wait(b, "corridor-1.reader", 9004, "access.granted",
                     subject="stay:10")


# -- chip + PIN at the front door -----------------------------------------

PIN_CONF = FAST + "\npin_timeout_s = 3"


@pytest.fixture
def front(make_building):
    b = make_building(extra_conf=PIN_CONF)
    b.cid = b.enrol("stay:11", 1101, "entrance", pin="2468")
    return b


def settle_reader(b, reader, door, card=9876):
    """Present an unknown card after whatever was sent to reader and wait
    for its refusal: frames on one reader arrive in order, so everything
    sent before it has been handled by then."""
    seq = b.last_seq()
    b.present(reader, card, facility=99)
    b.wait_journal("access.denied", after=seq, point=door, subject="")


def present_with_keys(b, card, keys):
    seq = b.last_seq()
    b.present("front.reader", card)
    b.sim_ok("keys", reader="front.reader", keys=keys)
    return seq


def test_front_door_right_pin_opens(front):
    b = front
    mark = history_mark(b)
    seq = present_with_keys(b, 1101, "2468#")
    row = b.wait_journal("access.granted", after=seq, point="front")
    assert row["subject"] == "stay:11"
    wait_released(b, "front", True)
    assert {m["point"] for m in lock_moves(b, mark)} == {"front.lock"}
    assert not rows_of(b, "alarm.duress", after=seq)
    assert not rows_of(b, "access.denied", after=seq)


def test_front_door_waits_for_the_pin(front):
    # The chip alone decides nothing at a PIN door: the lock stays put.
    b = front
    mark = history_mark(b)
    seq = b.last_seq()
    b.present("front.reader", 1101)
    settle_reader(b, "garden.reader", "garden")     # sent after, on its own
    assert not rows_of(b, "access.granted", after=seq)
    assert lock_moves(b, mark) == []
    b.sim_ok("keys", reader="front.reader", keys="2468#")
    b.wait_journal("access.granted", after=seq, point="front")
    wait_released(b, "front", True)


def test_front_door_star_starts_the_pin_again(front):
    b = front
    seq = present_with_keys(b, 1101, "99*2468#")
    b.wait_journal("access.granted", after=seq, point="front")
    wait_released(b, "front", True)


def test_front_door_wrong_pin_refused(front):
    b = front
    mark = history_mark(b)
    seq = present_with_keys(b, 1101, "1357#")
    row = b.wait_journal("access.denied", after=seq, point="front")
    assert row["detail"]["reason"] == "wrong_pin"
    assert row["subject"] == "stay:11"
    assert "1357" not in json.dumps(b.journal(seq))
    assert lock_moves(b, mark) == []
    assert b.released("front") is False


def test_front_door_no_pin_in_time_refused(front):
    b = front
    mark = history_mark(b)
    seq = b.last_seq()
    t0 = time.time()
    b.present("front.reader", 1101)
    row = b.wait_journal("access.denied", after=seq, timeout=8,
                         point="front")
    assert row["detail"]["reason"] == "pin_required"
    assert row["subject"] == "stay:11"
    waited = row_time(row) - t0
    assert 2.8 <= waited <= 5.0, "refused after %.2f s, timeout 3" % waited
    assert lock_moves(b, mark) == []
    assert b.released("front") is False
    # The PIN typed too late opens nothing.
    b.sim_ok("keys", reader="front.reader", keys="2468#")
    settle_reader(b, "front.reader", "front")
    assert not rows_of(b, "access.granted", after=seq)
    assert lock_moves(b, mark) == []


def test_front_door_chip_without_pin_refused(front):
    b = front
    b.enrol("stay:12", 1201, "entrance")
    assert_denied_still(b, "front", "front.reader", 1201, "pin_required",
                        "stay:12")


def test_front_door_duress_pin_opens_and_alarms(front):
    b = front
    seq = present_with_keys(b, 1101, "2469#")
    grant = b.wait_journal("access.granted", after=seq, point="front")
    assert grant["subject"] == "stay:11"
    duress = b.wait_journal("alarm.duress", after=seq, point="front")
    assert duress["subject"] == "stay:11"
    wait_released(b, "front", True)
    # Silent: nothing in the grant row tells the duress apart.
    assert "duress" not in json.dumps(grant)


def test_duress_pin_wraps_nine_to_zero(front):
    b = front
    b.enrol("stay:13", 1301, "entrance", pin="1359")
    seq = present_with_keys(b, 1301, "1350#")
    b.wait_journal("access.granted", after=seq, subject="stay:13")
    b.wait_journal("alarm.duress", after=seq, subject="stay:13")


def test_duress_off_makes_pin_plus_one_a_wrong_pin(make_building):
    b = make_building(extra_conf=PIN_CONF + "\nduress = no")
    b.enrol("stay:11", 1101, "entrance", pin="2468")
    mark = history_mark(b)
    seq = present_with_keys(b, 1101, "2469#")
    row = b.wait_journal("access.denied", after=seq, point="front")
    assert row["detail"]["reason"] == "wrong_pin"
    assert not rows_of(b, "alarm.duress", after=seq)
    assert lock_moves(b, mark) == []


def tamper_alarms(b, point):
    r = b.request("alarm.list")
    assert r.get("ok"), r
    return [a for a in r["result"]["alarms"]
            if (a["class"], a["point"]) == ("tamper", point)]


def wrong_pin(b, card, pin):
    s = present_with_keys(b, card, pin + "#")
    row = b.wait_journal("access.denied", after=s, point="front")
    assert row["detail"]["reason"] == "wrong_pin", row
    return s


def test_wrong_pins_make_the_chip_wait_not_the_reader(make_building):
    b = make_building(extra_conf=PIN_CONF + "\npin_delay_s = 4")
    b.enrol("stay:11", 1101, "entrance", pin="2468")
    b.enrol("stay:12", 1201, "entrance", pin="1357")
    mark = history_mark(b)
    seq = b.last_seq()
    for i in range(3):
        wrong_pin(b, 1101, "000%d" % i)
    # The third wrong PIN on one chip raises the alarm, once; no wait yet.
    al = b.wait_journal("alarm.tamper", after=seq, point="front.reader")
    assert al["detail"]["reason"] == "pin_guessing", al
    assert al["subject"] == "stay:11"
    assert tamper_alarms(b, "front.reader")
    assert not rows_of(b, "credential.pin_delay", after=seq)
    s = wrong_pin(b, 1101, "0003")
    d = b.wait_journal("credential.pin_delay", after=s, point="front")
    assert d["detail"]["seconds"] == 4 and d["detail"]["failures"] == 4, d
    # The chip now waits: refused before a PIN is asked, even the right one.
    s = present_with_keys(b, 1101, "2468#")
    row = b.wait_journal("access.denied", after=s, point="front")
    assert row["detail"]["reason"] == "pin_delay", row
    settle_reader(b, "front.reader", "front")
    # Another resident at the same reader is not kept out.
    s = present_with_keys(b, 1201, "1357#")
    b.wait_journal("access.granted", after=s, point="front",
                   subject="stay:12")
    assert len(rows_of(b, "alarm.tamper", after=seq)) == 1
    assert not rows_of(b, "access.granted", after=seq, subject="stay:11")
    # A restart does not forgive the chip.
    assert b.stop() == 0
    b.start()
    s = present_with_keys(b, 1101, "2468#")
    row = b.wait_journal("access.denied", after=s, point="front")
    assert row["detail"]["reason"] == "pin_delay", row
    settle_reader(b, "front.reader", "front")
    # Once the wait is over the right PIN opens and forgets the count:
    # the next wrong PIN costs nothing again.
    wait_until(lambda: time.time() > row_time(d) + 4.3, timeout=8,
               what="the chip's wait to pass")
    s = present_with_keys(b, 1101, "2468#")
    b.wait_journal("access.granted", after=s, point="front",
                   subject="stay:11")
    s = wrong_pin(b, 1101, "0009")
    settle_reader(b, "front.reader", "front")
    assert not rows_of(b, "credential.pin_delay", after=s)
    assert lock_moves(b, mark), "the grants moved the lock"


def test_pin_not_asked_where_the_door_has_no_keypad(make_building):
    b = make_building(extra_conf=PIN_CONF)
    b.enrol("stay:11", 1101, "entrance", pin="2468")
    present_and_wait(b, "garden.reader", 1101, "access.granted",
                     subject="stay:11", point="garden")
    wait_released(b, "garden", True)


# -- reader lockout ---------------------------------------------------------

def test_unknown_cards_lock_out_unknown_cards_only(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:14", 1401, "corridor-1,entrance")
    mark = history_mark(b)
    seq = b.last_seq()
    for i in range(5):
        assert_denied_still(b, "corridor-1", "corridor-1.reader", 1410 + i,
                            "unknown_credential", "")
    lo = b.wait_journal("reader.locked_out", after=seq, point="corridor-1")
    assert lo["detail"]["reader"] == "corridor-1.reader"
    assert lo["detail"]["seconds"] == 30
    al = b.wait_journal("alarm.tamper", after=seq, point="corridor-1.reader")
    assert al["detail"]["reason"] == "unknown_cards"
    assert tamper_alarms(b, "corridor-1.reader")
    door = [d for d in b.ok("door.list")["doors"]
            if d["name"] == "corridor-1"][0]
    assert door["locked_out"] is True
    # Every unknown card during the lockout is refused as such, none
    # extends it.
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 1499,
                        "reader_locked_out", "")
    assert lock_moves(b, mark) == []
    # A resident's chip still opens: strange cards never keep her out.
    present_and_wait(b, "corridor-1.reader", 1401, "access.granted",
                     subject="stay:14", point="corridor-1")
    wait_released(b, "corridor-1", True)
    assert len(rows_of(b, "reader.locked_out", after=seq)) == 1
    # A restart does not forgive the reader.
    assert b.stop() == 0
    b.start()
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 1498,
                        "reader_locked_out", "", locked=False)


def test_reader_lockout_ends(make_building):
    b = make_building(extra_conf=FAST + "\nlockout_s = 2")
    b.enrol("stay:14", 1401, "corridor-1")
    seq = b.last_seq()
    for i in range(5):
        assert_denied_still(b, "corridor-1", "corridor-1.reader", 1410 + i,
                            "unknown_credential", "")
    lo = b.wait_journal("reader.locked_out", after=seq)
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 1420,
                        "reader_locked_out", "")
    wait_until(lambda: time.time() > row_time(lo) + 2.2, timeout=5,
               what="the lockout time to pass")
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 1421,
                        "unknown_credential", "")


def test_a_grant_clears_earlier_failures(building):
    b = building
    b.enrol("stay:14", 1401, "corridor-1")
    seq = b.last_seq()
    for i in range(4):
        assert_denied_still(b, "corridor-1", "corridor-1.reader", 1410 + i,
                            "unknown_credential", "")
    present_and_wait(b, "corridor-1.reader", 1401, "access.granted")
    assert_denied_still(b, "corridor-1", "corridor-1.reader", 1420,
                        "unknown_credential", "", locked=False)
    assert not rows_of(b, "reader.locked_out", after=seq)


# -- 34- and 37-bit cards ------------------------------------------------

@pytest.mark.parametrize("fmt,number", [
    (34, 0xC1D2E3F4), (34, 1), (37, 0x5A3C4D5E7), (37, (1 << 35) - 1)])
def test_long_formats_open(building, fmt, number):
    b = building
    cid = b.ok("chip.enrol", holder="stay:15", format=fmt, number=number,
               zones="corridor-1")["id"]
    mark = history_mark(b)
    row, seq = present_and_wait(b, "corridor-1.reader", number,
                                "access.granted", fmt=fmt)
    assert row["detail"]["credential"] == cid
    wait_released(b, "corridor-1", True)
    assert {m["point"] for m in lock_moves(b, mark)} == {"corridor-1.lock"}


def test_format_is_part_of_the_card(building):
    # The same number read as another format is another card.
    b = building
    n = 0xA1B2C3        # fits all three formats
    b.ok("chip.enrol", holder="stay:15", format=34, number=n,
         zones="corridor-1")
    assert_denied_still(b, "corridor-1", "corridor-1.reader", n,
                        "unknown_credential", "", fmt=37)
    assert_denied_still(b, "corridor-1", "corridor-1.reader", n & 0xffff,
                        "unknown_credential", "", fmt=26, facility=n >> 16)
    present_and_wait(b, "corridor-1.reader", n, "access.granted", fmt=34,
                     subject="stay:15")


def test_number_too_long_for_its_format_refused(building):
    b = building
    r = b.request("chip.enrol", holder="stay:15", format=34,
                  number=1 << 32, zones="corridor-1")
    assert not r["ok"] and r["error"] == "bad_number", r
    r = b.request("chip.enrol", holder="stay:15", format=35,
                  number=5, zones="corridor-1")
    assert not r["ok"] and r["error"] == "bad_format", r
    assert b.ok("chip.list")["credentials"] == []


# -- no raw card number anywhere ----------------------------------------

def number_forms(number, facility=None, card=None):
    """Byte strings that would betray a card number."""
    forms = {str(number).encode(), ("%x" % number).encode(),
             ("%X" % number).encode(),
             struct.pack(">I", number & 0xffffffff),
             struct.pack("<I", number & 0xffffffff),
             struct.pack(">Q", number)[2:], struct.pack("<Q", number)[:6]}
    if facility is not None:
        for sep in ("/", ":", "-", ",", " ", ""):
            forms.add(("%d%s%d" % (facility, sep, card)).encode())
    return forms


def short_forms(card, pin=None):
    """The bare card number of a 26-bit chip (and a PIN): short enough to
    turn up by chance among the digits of a timestamp, so only looked for
    where the daemon writes no long runs of digits as text."""
    return {str(card).encode()} | ({pin.encode()} if pin else set())


def test_no_raw_card_number_anywhere(make_building):
    b = make_building(extra_conf=PIN_CONF)
    cards = [  # (format, number, facility, card)
        (26, 167 << 16 | 50149, 167, 50149),
        (26, 201 << 16 | 43981, 201, 43981),     # never enrolled
        (34, 0xC1D2E3F4, None, None),
        (37, 0x5A3C4D5E7, None, None),
    ]
    b.enrol("stay:16", 50149, "corridor-1,entrance", facility=167,
            pin="8642")
    b.ok("chip.enrol", holder="stay:16", format=34, number=0xC1D2E3F4,
         zones="corridor-1")
    cid37 = b.ok("chip.enrol", holder="staff:anna", format=37,
                 number=0x5A3C4D5E7, zones="*")["id"]
    seq = b.last_seq()
    b.present("corridor-1.reader", 50149, facility=167)            # grant
    b.present("room-101.reader", 50149, facility=167)              # zone
    b.present("corridor-1.reader", 43981, facility=201)            # unknown
    b.present("corridor-1.reader", 0xC1D2E3F4, fmt=34)             # grant
    b.present("office.reader", 0x5A3C4D5E7, fmt=37)                # grant
    b.present("front.reader", 50149, facility=167)
    b.sim_ok("keys", reader="front.reader", keys="8642#")          # PIN
    b.wait_journal("access.granted", after=seq, point="front")
    wait_until(lambda: len(rows_of(b, "access.granted", after=seq)) == 4 and
               len(rows_of(b, "access.denied", after=seq)) == 2,
               what="six decisions")
    b.ok("chip.revoke", id=cid37)
    b.present("office.reader", 0x5A3C4D5E7, fmt=37)
    b.wait_journal("access.denied", after=seq, reason="revoked")

    exports = b.run / "exports"
    exports.mkdir()
    for fmt in ("csv", "json"):
        b.ctl("journal", "export", "--format", fmt, "-o",
              exports / ("journal." + fmt), check=0)
    texts = {
        "journal export csv": (exports / "journal.csv").read_bytes(),
        "journal export json": (exports / "journal.json").read_bytes(),
        "journal tail": b.ctl("--json", "journal", "tail", "-n", "1000",
                              check=0).stdout.encode(),
        "chip list": b.ctl("--json", "chip", "list", check=0).stdout.encode(),
        "status": b.ctl("--json", "status", check=0).stdout.encode(),
    }
    assert b"access.granted" in texts["journal export csv"]
    assert b"access.granted" in texts["journal export json"]
    db = b.state / "husvagt.db"
    wal = b.state / "husvagt.db-wal"
    assert wal.exists() and wal.stat().st_size > 0, "expected WAL mode"
    running = {"husvagt.db": db.read_bytes(), "husvagt.db-wal":
               wal.read_bytes()}
    assert b.stop() == 0
    files = {p.name + " (stopped)": p.read_bytes()
             for p in b.state.iterdir() if p.is_file()}
    files["husvagtd.log"] = b.log.read_bytes()
    everything = dict(texts, **running, **files)
    # Where no timestamp is written as a run of digits.
    no_digit_runs = ("journal export csv", "journal export json",
                     "journal tail", "husvagt.db", "husvagt.db-wal",
                     "husvagt.db (stopped)")
    for fmt, number, facility, card in cards:
        for form in number_forms(number, facility, card):
            for name, data in everything.items():
                assert form not in data, "card %d (%d-bit) as %r in %s" % (
                    number, fmt, form, name)
        if card is None:
            continue
        for form in short_forms(card, "8642" if card == 50149 else None):
            for name in no_digit_runs:
                assert form not in everything.get(name, b""), \
                    "card %d or its PIN as %r in %s" % (number, form, name)
