"""The anonymous register (DESIGN 5, issue 5) as staff and management meet
it: a resident admitted under an alias gets a chip that opens the front
door, her corridor and her room and nothing else; discharge revokes it at
once and ends her guest agreements; a move takes her chips along; the
occupancy report gives the figures worked out by hand below in table, CSV
and JSON; enquiries are counted, and one naming a resident is refused;
bad input is refused with a clear message and changes nothing; no alias
reaches the journal, the event stream or any shared MQTT topic, while
state/occupancy and vacancy carry the right anonymous counts; retention
erases aliases and guest names and the journal still verifies."""

import csv
import datetime
import io
import json
import sqlite3
import subprocess
import time
import zoneinfo

from conftest import BUILD, ctl_as, journalled, rows_of, wait_released, wait_until
from mqttsite import MqttSite, broker  # noqa: F401

TZ = zoneinfo.ZoneInfo("Europe/Copenhagen")   # the site's timezone
FAST = "[defaults]\nrelease_s = 3\nheld_warning_s = 20\nheld_s = 40"


def local_date(days=0):
    """The site's local date, days from today, as YYYY-MM-DD."""
    return (datetime.datetime.now(TZ) + datetime.timedelta(days=days)) \
        .strftime("%Y-%m-%d")


def admit(b, alias, room, **args):
    return b.ok("stay.admit", alias=alias, room=room, **args)


def stays(b, all_=True):
    return b.ok("stay.list", all=all_)["stays"]


def present_and_wait(b, reader, card, type_, **match):
    seq = b.last_seq()
    b.present(reader, card)
    return b.wait_journal(type_, after=seq, **match)


def front_with_pin(b, card, pin):
    """Present at the front door (chip + PIN) and type the PIN."""
    seq = b.last_seq()
    b.present("front.reader", card)
    b.sim_ok("keys", reader="front.reader", keys=pin + "#")
    return seq


# -- admission, her chip, discharge and move -----------------------------

def test_resident_opens_her_doors_and_discharge_revokes_at_once(
        make_building):
    b = make_building(extra_conf=FAST)
    seq = b.last_seq()
    p = ctl_as(b, "anna", "stay", "admit", "Rose", "--room", "101",
               "--children-0-2", "1", check=0)
    assert "entrance,corridor-1,room-101" in p.stdout
    row = journalled(b, "stay.admit", "stay.admitted", "anna", seq,
                     subject="stay:1")
    assert row["detail"] == {"room": "101", "arrival": local_date()}
    assert "Rose" not in json.dumps(row)

    # Her chip, enrolled without --zones, gets her doors' zones.
    r = b.ok("chip.enrol", holder="stay:1", facility=1, card=2001,
             pin="1357")
    assert r["zones"] == "entrance,corridor-1,room-101"
    assert b.ok("chip.list", holder="stay:1")["credentials"][0]["zones"] \
        == "entrance,corridor-1,room-101"

    seq = front_with_pin(b, 2001, "1357")
    row = b.wait_journal("access.granted", after=seq, point="front")
    assert row["subject"] == "stay:1"
    for door in ("corridor-1", "room-101"):
        row = present_and_wait(b, door + ".reader", 2001, "access.granted",
                               point=door)
        assert row["subject"] == "stay:1"
        wait_released(b, door)
    row = present_and_wait(b, "room-103.reader", 2001, "access.denied",
                           point="room-103")
    assert row["detail"]["reason"] == "out_of_zone"
    assert b.released("room-103") is False

    # Discharge: one command, and her chip is refused right after.
    wait_released(b, "room-101", False, timeout=6)
    seq = b.last_seq()
    r = ctl_as(b, "leder", "--json", "stay", "discharge", "1", check=0)
    out = json.loads(r.stdout)
    assert out == {"stay": 1, "room": "101", "departure": local_date(),
                   "chips_revoked": 1, "agreements_ended": 0}
    row = journalled(b, "stay.discharge", "stay.discharged", "leder", seq,
                     subject="stay:1")
    assert row["detail"] == {"room": "101", "departure": local_date(),
                             "chips_revoked": 1, "agreements_ended": 0}
    row = present_and_wait(b, "room-101.reader", 2001, "access.denied",
                           point="room-101")
    assert row["detail"]["reason"] == "revoked"
    assert b.released("room-101") is False
    assert b.ok("status")["credentials"] == 0

    # A discharged stay gets no chip, with or without zones.
    for zones in ({}, {"zones": "entrance"}):
        r = b.request("chip.enrol", holder="stay:1", facility=1, card=2009,
                      **zones)
        assert r["error"] == "discharged", r
        assert "stay 1 was discharged on " + local_date() in r["message"]
    # A stay the register never saw gets no chip either (a mistyped
    # number would give a chip no discharge revokes), by number or at a
    # reader, and nothing is enrolled.
    b.auto_residents = False
    creds = b.ok("status")["credentials"]
    for how in ({"facility": 1, "card": 2077}, {"reader": "office.reader"}):
        r = b.request("chip.enrol", holder="stay:77", zones="corridor-2",
                      **how)
        assert (r["error"], r["message"]) == (
            "not_found", "no stay 77 in the register; admit her first "
            "(stay.admit), then enrol her chip"), r
    p = b.ctl("chip", "enrol", "--holder", "stay:77", "--facility", "1",
              "--card", "2078", check=1)
    assert "no stay 77 in the register" in p.stderr
    assert b.ok("status")["credentials"] == creds


def test_discharge_ends_her_agreements_in_the_same_transaction(building):
    b = building
    admit(b, "Lilje", "102")
    admit(b, "Viol", "103")
    b.enrol("stay:1", 3001, "entrance,corridor-1,room-102")
    b.enrol("stay:1", 3002, "entrance")
    db = sqlite3.connect(str(b.state / "husvagt.db"))
    with db:
        for stay, guest in ((1, "Karen"), (1, "Mette"), (2, "Sofie")):
            db.execute("INSERT INTO agreement (stay_id, guest, guest_key, "
                       "relation, created_at, created_by) VALUES "
                       "(?, ?, lower(?), 'family', '2025-01-01T00:00:00Z', "
                       "'anna')", (stay, guest, guest))
    seq = b.last_seq()
    r = b.ok("stay.discharge", id=1)
    assert (r["chips_revoked"], r["agreements_ended"]) == (2, 2)
    journalled(b, "stay.discharge", "stay.discharged", "root", seq,
               chips_revoked=2, agreements_ended=2)
    ended = db.execute("SELECT stay_id, ended_by FROM agreement WHERE "
                       "ended_at IS NOT NULL").fetchall()
    assert sorted(ended) == [(1, "root"), (1, "root")]
    assert [c["revoked"] for c in b.ok("chip.list", holder="stay:1")[
        "credentials"]] == [True, True]
    # Viol's agreement and Viol's stay are untouched.
    assert [s["departure"] for s in stays(b)] == [local_date(), None]
    db.close()


def test_move_takes_her_chips_along(make_building):
    b = make_building(extra_conf=FAST)
    admit(b, "Rose", "101")
    b.ok("chip.enrol", holder="stay:1", facility=1, card=2001)
    # A chip staff gave extra zones keeps them.
    b.enrol("stay:1", 2002, "entrance,common,corridor-1,room-101")
    seq = b.last_seq()
    r = ctl_as(b, "birgit", "--json", "stay", "move", "1", "201", check=0)
    assert json.loads(r.stdout) == {
        "stay": 1, "from": "101", "to": "201",
        "zones": "entrance,corridor-2,room-201", "chips_updated": 2}
    row = journalled(b, "stay.move", "stay.moved", "birgit", seq,
                     subject="stay:1")
    assert (row["detail"]["from"], row["detail"]["to"]) == ("101", "201")
    zones = sorted(c["zones"] for c in b.ok("chip.list", holder="stay:1")[
        "credentials"])
    assert zones == ["entrance,common,corridor-2,room-201",
                     "entrance,corridor-2,room-201"]
    assert [(s["room"], s["alias"]) for s in stays(b)] == [("201", "Rose")]
    rooms = {r["room"]: r for r in b.ok("room.list")["rooms"]}
    assert (rooms["101"]["occupied"], rooms["101"]["stay"]) == (False, None)
    assert (rooms["201"]["occupied"], rooms["201"]["stay"]) == (True, 1)

    row = present_and_wait(b, "room-201.reader", 2001, "access.granted",
                           point="room-201")
    assert row["subject"] == "stay:1"
    row = present_and_wait(b, "corridor-2.reader", 2001, "access.granted",
                           point="corridor-2")
    for door in ("room-101", "corridor-1"):
        row = present_and_wait(b, door + ".reader", 2001, "access.denied",
                               point=door)
        assert row["detail"]["reason"] == "out_of_zone"

    # Into an occupied room, or the room she is in: refused, unchanged.
    admit(b, "Lilje", "202")
    before = (stays(b), b.ok("chip.list")["credentials"])
    for room, msg in (("202", "room 202 is occupied (stay 2)"),
                      ("201", "stay 1 is already in room 201"),
                      ("999", "no room '999'")):
        r = b.request("stay.move", id=1, room=room)
        assert not r["ok"] and msg in r["message"], r
    assert (stays(b), b.ok("chip.list")["credentials"]) == before


def test_rooms_list_the_configured_rooms(building):
    rooms = building.ok("room.list")["rooms"]
    assert [r["room"] for r in rooms] == [
        "101", "102", "103", "104", "105", "106",
        "201", "202", "203", "204", "205", "206"]
    assert rooms[0] == {"room": "101", "floor": 1, "type": "double",
                        "beds": 2, "child_friendly": True,
                        "corridor": "corridor-1", "occupied": False,
                        "stay": None}
    assert rooms[2]["type"] == "single" and not rooms[2]["child_friendly"]


def test_family_in_a_room_not_for_children_is_warned(building):
    r = admit(building, "Viol", "103", children_6_9=1, children_10_17=1)
    assert r["warning"] == ("room 103 is not child-friendly and the "
                            "household has 2 children; room 103 has 1 bed "
                            "for 3 people")
    assert "warning" not in admit(building, "Rose", "101", children_0_2=1)


# -- the occupancy report -------------------------------------------------
#
# Twelve rooms, January to March 2025.  Each night belongs to the stay
# sleeping there (arrival counted, departure not):
#
#   Rose   101  2024-12-20 -> 2025-01-05  across the start: Jan 1-4 (4),
#                                         ended in January after 16 days
#   Lilje  102  2025-01-31 -> 2025-02-02  Jan 31 (1), Feb 1 (1); 2 days
#   Viol   103  2025-02-10 -> 2025-02-10  same day: no night, a stay of 0
#   Iris   104  2025-03-30 -> 2025-04-15  across the end: Mar 30-31 (2)
#   Hyld   105  2025-02-15 -> (current)   Feb 15-28 (14), Mar 1-31 (31)
#   Tulip  106  2024-06-01 -> 2024-12-31  before the period: nothing
#
#   month    available  occupied  %     started  ended  avg stay
#   2025-01  12 x 31    4+1 = 5   1.3   1        1      16.0
#   2025-02  12 x 28    1+14 = 15 4.5   2        2      (2+0)/2 = 1.0
#   2025-03  12 x 31    2+31 = 33 8.9   1        0      -
#   total    12 x 90    53        4.9   4        3      18/3 = 6.0

REPORT_STAYS = [("Rose", "101", "2024-12-20", "2025-01-05"),
                ("Lilje", "102", "2025-01-31", "2025-02-02"),
                ("Viol", "103", "2025-02-10", "2025-02-10"),
                ("Iris", "104", "2025-03-30", "2025-04-15"),
                ("Hyld", "105", "2025-02-15", None),
                ("Tulip", "106", "2024-06-01", "2024-12-31")]


def fig(avail, occ, pct, started, ended, avg):
    return {"available_room_days": avail, "occupied_room_days": occ,
            "occupancy_pct": pct, "stays_started": started,
            "stays_ended": ended, "average_completed_stay_days": avg}


EXPECTED_MONTHS = [("2025-01", fig(372, 5, 1.3, 1, 1, 16.0)),
                   ("2025-02", fig(336, 15, 4.5, 2, 2, 1.0)),
                   ("2025-03", fig(372, 33, 8.9, 1, 0, None))]
EXPECTED_TOTAL = fig(1080, 53, 4.9, 4, 3, 6.0)


def make_report_stays(b):
    for i, (alias, room, arrival, departure) in enumerate(REPORT_STAYS):
        assert admit(b, alias, room, arrival=arrival)["stay"] == i + 1
        if departure:
            b.ok("stay.discharge", id=i + 1, date=departure)


def test_occupancy_report_by_hand_in_three_formats(building):
    b = building
    make_report_stays(b)
    args = ["report", "occupancy", "--from", "2025-01-01", "--to",
            "2025-03-31"]

    got = json.loads(b.ctl(*args, "--format", "json", check=0).stdout)
    assert got["from"] == "2025-01-01" and got["to"] == "2025-03-31"
    assert got["through"] == "2025-03-31"
    assert got["rooms"] == 12
    assert "arrival" in got["counting_rule"]
    assert [(m["month"], {k: v for k, v in m.items() if k != "month"})
            for m in got["months"]] == EXPECTED_MONTHS
    assert got["total"] == EXPECTED_TOTAL
    assert got["enquiries"] == {"no_room": 0, "not_target": 0,
                                "referred": 0, "offered": 0, "other": 0}
    # The verb's own reply (what MQTT clients get) is the same report.
    assert b.ok("report.occupancy", **{"from": "2025-01-01",
                                       "to": "2025-03-31"}) == got
    # The JSON is written with one decimal, not a double's 17 digits.
    assert '"occupancy_pct": 4.9,' in b.ctl(*args, "--format", "json",
                                            check=0).stdout

    text = b.ctl(*args, "--format", "csv", check=0).stdout
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["month", "available_room_days", "occupied_room_days",
                       "occupancy_pct", "stays_started", "stays_ended",
                       "average_completed_stay_days"]
    assert rows[1:] == [
        ["2025-01", "372", "5", "1.3", "1", "1", "16.0"],
        ["2025-02", "336", "15", "4.5", "2", "2", "1.0"],
        ["2025-03", "372", "33", "8.9", "1", "0", ""],
        ["total", "1080", "53", "4.9", "4", "3", "6.0"]]
    # RFC 4180 lines end in CRLF (text mode above hid them).
    raw = subprocess.run([str(BUILD / "husvagtctl"), "-s", str(b.control)] +
                         args + ["--format", "csv"], capture_output=True,
                         check=True).stdout
    assert raw.count(b"\r\n") == 5 and raw.endswith(b"\r\n")

    table = b.ctl(*args, check=0).stdout
    lines = table.splitlines()
    assert "Occupancy 2025-01-01 to 2025-03-31, 12 rooms" in lines[0]
    assert [l.split() for l in lines if l.startswith(("2025-", "total"))] \
        == [["2025-01", "372", "5", "1.3", "1", "1", "16.0"],
            ["2025-02", "336", "15", "4.5", "2", "2", "1.0"],
            ["2025-03", "372", "33", "8.9", "1", "0", "-"],
            ["total", "1080", "53", "4.9", "4", "3", "6.0"]]
    assert any(l.startswith("Enquiries: no_room 0") for l in lines)
    # Aligned: every figure line is as long as the heading.
    head = next(l for l in lines if l.startswith("month"))
    assert {len(l) for l in lines if l.startswith(("2025-", "total"))} \
        == {len(head)}

    # A period inside a month, and one reaching into the future: days
    # after today are not counted.
    got = b.ok("report.occupancy", **{"from": "2025-02-10",
                                      "to": "2025-02-16"})
    assert [m["month"] for m in got["months"]] == ["2025-02"]
    assert got["total"] == fig(84, 2, 2.4, 2, 1, 0.0)
    today = local_date()
    got = b.ok("report.occupancy", **{"from": today, "to": local_date(40)})
    assert got["through"] == today
    assert got["total"]["available_room_days"] == 12
    assert got["total"]["occupied_room_days"] == 1       # Hyld, tonight


def test_enquiries_are_counted_and_never_name_a_resident(building):
    b = building
    admit(b, "Anne-Marie Ørsted", "101")
    admit(b, "Rose", "102")
    seq = b.last_seq()
    p = ctl_as(b, "anna", "enquiry", "record", "--outcome", "no_room",
               "--description", "woman with two children, phoned", check=0)
    row = journalled(b, "enquiry.record", "enquiry.recorded", "anna", seq,
                     outcome="no_room", security=False)
    # The description is kept beside the journal; the row has its HMAC.
    assert "description" not in row["detail"]
    assert len(row["detail"]["description_hmac"]) == 64
    assert "enquiry" in p.stdout
    for outcome in ("no_room", "referred", "offered", "not_target",
                    "other"):
        b.ok("enquiry.record", outcome=outcome)
    seq = b.last_seq()
    r = b.ok("enquiry.record", outcome="asked_about_resident",
             description="a man at the gate asked for a tall woman")
    assert r["security"] is True
    row = journalled(b, "enquiry.record", "enquiry.recorded", "root", seq,
                     outcome="asked_about_resident", security=True)
    assert row["detail"]["enquiry"] == r["enquiry"]

    got = b.ok("report.occupancy", **{"from": local_date(),
                                      "to": local_date()})
    assert got["enquiries"] == {"no_room": 2, "not_target": 1,
                                "referred": 1, "offered": 1, "other": 1}

    # A description naming a resident is refused: in any case, without
    # accents, with other spacing, in the genitive (Danish "Roses", and
    # "Rose's"); a word merely containing it is not.
    before = (b.last_seq(), b.ok("report.occupancy", **{
        "from": local_date(), "to": local_date()})["enquiries"])
    for text in ("asked if ROSE lives here", "rose?", "Rosé was asked for",
                 "asked for anne marie orsted", "ANNE-MARIE  ØRSTED!",
                 "spurgte efter Roses værelse", "Anne-Marie Ørsted's ex"):
        r = b.request("enquiry.record", outcome="asked_about_resident",
                      description=text)
        assert r["error"] == "names_resident", (text, r)
        assert r["message"] == ("the description names a resident; "
                                "write it without her alias")
    b.ok("enquiry.record", outcome="other",
         description="asked about rosehip tea and the primrose path")
    refused = rows_of(b, "command.refused", after=before[0])
    assert len(refused) == 7
    assert all(r["detail"] == {"verb": "enquiry.record",
                               "error": "names_resident", "via": "control"}
               for r in refused)
    journal = json.dumps(b.journal())
    for alias in ("Rose", "ROSE", "Anne", "rsted"):
        assert alias not in journal


# -- bad input ------------------------------------------------------------

def test_bad_input_is_refused_and_changes_nothing(building):
    b = building
    admit(b, "Rose", "101", arrival="2025-03-01")
    admit(b, "Lilje", "104")
    b.ok("stay.discharge", id=2, date=local_date())

    def state():
        return stays(b), b.ok("room.list")["rooms"], b.ok(
            "chip.list")["credentials"]

    before = state()
    seq = b.last_seq()
    cases = [  # (verb, args, error code, words of the message)
        ("stay.discharge", {"id": 99}, "not_found", "no stay 99"),
        ("stay.move", {"id": 99, "room": "102"}, "not_found", "no stay 99"),
        ("stay.discharge", {"id": 2}, "discharged",
         "stay 2 was discharged on " + local_date()),
        ("stay.move", {"id": 2, "room": "105"}, "discharged",
         "stay 2 was discharged"),
        ("stay.admit", {"alias": "Rose", "room": "102"}, "duplicate",
         "alias 'Rose' is already used by current stay 1"),
        ("stay.admit", {"alias": "rOSE", "room": "102"}, "duplicate",
         "already used by current stay 1"),
        ("stay.admit", {"alias": "Rosé", "room": "102"}, "duplicate",
         "already used by current stay 1"),
        ("stay.admit", {"alias": "Viol", "room": "101"}, "occupied",
         "room 101 is occupied (stay 1)"),
        ("stay.admit", {"alias": "Viol", "room": "999"}, "not_found",
         "no room '999'"),
        ("stay.discharge", {"id": 1, "date": "2025-01-01"}, "bad_value",
         "departure 2025-01-01 is before arrival 2025-03-01"),
        ("stay.discharge", {"id": 1, "date": local_date(1)}, "bad_value",
         "is in the future"),
        ("stay.admit", {"alias": "Viol", "room": "102",
                        "arrival": "2025-02-30"}, "bad_value",
         "arrival '2025-02-30' is not a real date (YYYY-MM-DD)"),
        ("stay.admit", {"alias": "Viol", "room": "102",
                        "arrival": "1899-01-01"}, "bad_value",
         "arrival 1899-01-01 is before 2000"),
        ("stay.admit", {"alias": "Viol", "room": "102",
                        "arrival": "9999-12-31"}, "bad_value",
         "arrival 9999-12-31 is in the future"),
        ("stay.admit", {"alias": "Viol", "room": "102",
                        "arrival": local_date(2)}, "bad_value",
         "at most a day ahead"),
        ("stay.admit", {"alias": "Viol", "room": "102",
                        "arrival": "tomorrow"}, "bad_value",
         "arrival must be a date YYYY-MM-DD"),
        ("stay.admit", {"alias": "V" * 10000, "room": "102"}, "bad_value",
         "alias must be 1 to 40 characters long"),
        ("stay.admit", {"alias": "", "room": "102"}, "bad_value",
         "alias must be 1 to 40"),
        ("stay.admit", {"alias": "Vi\x07ol", "room": "102"}, "bad_value",
         "alias contains control characters"),
        ("stay.admit", {"alias": "Viol\n", "room": "102"}, "bad_value",
         "alias contains control characters"),
        ("stay.admit", {"alias": " Viol", "room": "102"}, "bad_value",
         "must not begin or end with a space"),
        ("stay.admit", {"alias": "--", "room": "102"}, "bad_value",
         "alias needs a letter or a digit"),
        ("stay.admit", {"alias": "Viol", "room": "102",
                        "children_0_2": 11}, "bad_value",
         "children_0_2 must be between 0 and 10"),
        ("stay.admit", {"alias": "Viol", "room": "102", "adults": "two"},
         "bad_type", "adults must be a whole number"),
        ("stay.admit", {"alias": "Viol", "room": "102", "name": "Eva"},
         "bad_request", "stay.admit takes no argument 'name'"),
        ("enquiry.record", {"outcome": "maybe"}, "bad_value",
         "outcome 'maybe' is not one of no_room, not_target, referred, "
         "offered, asked_about_resident, other"),
        ("enquiry.record", {"outcome": "other", "description": "x" * 501},
         "bad_value", "description must be 0 to 500"),
        ("enquiry.record", {"outcome": "other",
                            "description": "asked for Rose"},
         "names_resident", "the description names a resident"),
    ]
    for verb, args, code, words in cases:
        r = b.request(verb, **args)
        assert not r["ok"], (verb, args, r)
        assert r["error"] == code, (verb, args, r)
        assert words in r["message"], (verb, args, r)
    assert state() == before
    rows = b.journal(seq)
    assert [r["type"] for r in rows] == ["command.refused"] * len(cases)
    assert "V" * 41 not in json.dumps(rows)

    # The report refuses what is no period.
    for args, words in (({"from": "2025-02-30", "to": "2025-03-01"},
                         "from '2025-02-30' is not a real date"),
                        ({"from": "2025-03-01", "to": "2025-01-01"},
                         "from 2025-03-01 is after to 2025-01-01"),
                        ({"from": "2015-01-01", "to": "2025-01-01"},
                         "longer than 10 years")):
        r = b.request("report.occupancy", **args)
        assert not r["ok"] and words in r["message"], r
    assert b.ok("report.occupancy", **{"from": "2020-01-01",
                                       "to": "2029-12-31"})["rooms"] == 12
    # ... and husvagtctl before connecting (exit 2).
    for extra in (["--format", "xml"], ["--from", "tomorrow"]):
        args = ["report", "occupancy", "--from", "2025-01-01", "--to",
                "2025-01-31"] + extra
        p = b.ctl(*args, check=2)
        assert "usage:" in p.stderr
    p = b.ctl("stay", "admit", "Viol", "--room", "102", "--arrival",
              "2025-02-30", check=1)
    assert "arrival '2025-02-30' is not a real date" in p.stderr
    assert state() == before


def test_a_past_arrival_may_not_overlap_the_rooms_last_stay(building):
    b = building
    admit(b, "Rose", "101", arrival="2025-01-01")
    b.ok("stay.discharge", id=1, date="2025-03-10")
    r = b.request("stay.admit", alias="Lilje", room="101",
                  arrival="2025-03-01")
    assert r["error"] == "occupied" and r["message"] == (
        "room 101 was occupied until 2025-03-10 (stay 1); arrival "
        "2025-03-01 would overlap")
    # The day she left, the room is free for the next (the night rule).
    assert admit(b, "Lilje", "101", arrival="2025-03-10")["stay"] == 2


# -- privacy and the anonymous counts on MQTT ----------------------------

ALIASES = ["Solsikke", "Kornblomst", "Hyldebær", "Vintergæk"]


def test_no_alias_on_shared_topics_and_counts_follow(broker, make_building):
    s = MqttSite(broker, make_building, start=False)
    w = s.watch("#")
    s.b.start()
    s.wait_online()
    anna = s.staff("anna")
    leder = s.staff("leder")

    def last(sub):
        got = w.matching(lambda m: m.topic == "%s/%s" % (s.root, sub))
        return json.loads(got[-1].payload) if got else None

    empty = {"rooms": 12, "occupied": 0, "free": 12, "free_single": 8,
             "free_double": 4, "adults": 0, "children": 0,
             "children_0_2": 0, "children_3_5": 0, "children_6_9": 0,
             "children_10_17": 0, "needs_help": 0}
    wait_until(lambda: last("state/occupancy") == empty, 5,
               "the empty house on state/occupancy")
    first = last("vacancy")
    assert first == {"site": "villa", "free_rooms": 12, "free_places": 16,
                     "children": True, "child_ages": [0, 17],
                     "accessible": True, "as_of": first["as_of"]}
    t = datetime.datetime.strptime(first["as_of"], "%Y-%m-%dT%H:%M:%SZ")
    assert t.minute == 0 and t.second == 0 and t.hour % 4 == 0, first

    # Admissions over MQTT (the alias comes back in anna's own reply)
    # and on the control socket.
    r = s.command(anna, "anna", "stay.admit", {
        "alias": ALIASES[0], "room": "101", "children_0_2": 1,
        "children_3_5": 1})
    assert r["ok"] and r["result"]["alias"] == ALIASES[0], r
    admit(s.b, ALIASES[1], "201", adults=2, children_6_9=1)
    admit(s.b, ALIASES[2], "103", needs_help=True)
    admit(s.b, ALIASES[3], "104")
    want = dict(empty, occupied=4, free=8, free_single=6, free_double=2,
                adults=5, children=3, children_0_2=1, children_3_5=1,
                children_6_9=1, needs_help=1)
    wait_until(lambda: last("state/occupancy") == want, 5,
               "state/occupancy after four admissions")
    # The vacancy figure is recounted every 4 hours, not at an admission:
    # unchanged, unless a 4-hour mark passed meanwhile (then it is the
    # new mark's count).
    v = last("vacancy")
    if v["as_of"] == first["as_of"]:
        assert v == first
    else:
        assert v == dict(first, free_rooms=8, free_places=10,
                         accessible=False, as_of=v["as_of"])

    # Everything else staff do with stays.
    s.b.ok("chip.enrol", holder="stay:1", facility=1, card=2001)
    assert s.command(leder, "leder", "stay.move", {"id": 4,
                                                   "room": "105"})["ok"]
    assert s.command(anna, "anna", "stay.discharge", {"id": 3})["ok"]
    listed = s.command(anna, "anna", "stay.list", rid="list-1")
    assert {x["alias"] for x in listed["result"]["stays"]} == \
        set(ALIASES) - {ALIASES[2]}
    s.command(anna, "anna", "enquiry.record", {
        "outcome": "asked_about_resident", "description": "asked about "
        "a woman with a baby"})
    assert s.command(leder, "leder", "report.occupancy", {
        "from": local_date(), "to": local_date()})["ok"]
    wait_until(lambda: last("state/occupancy") == dict(
        want, occupied=3, free=9, free_single=7, adults=4, needs_help=0),
        5, "state/occupancy after the discharge")

    last_seq = s.b.last_seq()
    w.wait_for(lambda m: m.topic.endswith("/event") and
               json.loads(m.payload)["seq"] == last_seq, timeout=10)
    time.sleep(0.5)
    sent = [m for m in w.matching()
            if not m.topic.startswith(s.root + "/cmd/")]
    shared = [m for m in sent if m.topic[len(s.root) + 1:].startswith(
        ("status", "state/", "event", "vacancy"))]
    kinds = {json.loads(m.payload)["type"] for m in shared
             if m.topic.endswith("/event")}
    assert {"stay.admitted", "stay.moved", "stay.discharged",
            "enquiry.recorded"} <= kinds
    for alias in ALIASES:
        for form in (alias, alias.lower(), alias.upper()):
            assert not [m.topic for m in shared
                        if form.encode() in m.payload or form in m.topic]
            assert form not in json.dumps(s.b.journal())
    # The aliases did travel, in the replies to the logins that asked.
    replies = [m for m in sent if ALIASES[0].encode() in m.payload]
    assert replies and all("/reply/anna/" in m.topic for m in replies)


# -- retention --------------------------------------------------------------

def test_retention_erases_aliases_and_guest_names(make_building):
    b = make_building(extra_conf="[register]\nretention_days = 1")
    old, recent = local_date(-10), local_date(-1)
    admit(b, "Gammel", "101", arrival=local_date(-40))
    b.ok("stay.discharge", id=1, date=old)           # 10 days ago: erased
    admit(b, "Nylig", "102", arrival=local_date(-20))
    b.ok("stay.discharge", id=2, date=recent)        # yesterday: kept
    admit(b, "Stadig", "103", arrival=local_date(-5))  # current: kept
    db = sqlite3.connect(str(b.state / "husvagt.db"))
    with db:
        for stay, guest in ((1, "Karen Søster"), (2, "Mette Ven"),
                            (3, "Sofie Mor")):
            cur = db.execute(
                "INSERT INTO agreement (stay_id, guest, guest_key, "
                "relation, created_at, created_by) VALUES (?, ?, lower(?), "
                "'family', '2025-01-01T00:00:00Z', 'anna')",
                (stay, guest, guest))
            # An override's reason is staff's words about the visit:
            # erased with the guest's name.
            db.execute("INSERT INTO visit (stay_id, agreement_id, guest, "
                       "door, admitted_at, admitted_by, checked_out_at, "
                       "override_reason) VALUES (?, ?, ?, 'front', "
                       "'2025-01-01T10:00:00Z', 'anna', "
                       "'2025-01-01T11:00:00Z', ?)",
                       (stay, cur.lastrowid, guest,
                        "%s's train was late" % guest))
    db.close()

    # The job runs shortly after start, then daily: restart to run it.
    seq = b.last_seq()
    b.stop()
    b.start()
    row = b.wait_journal("register.anonymised", after=seq, timeout=15)
    assert row["actor"] == "system" and row["subject"] == ""
    assert row["detail"]["stays"] == 1
    assert row["detail"]["agreements"] == 1
    assert row["detail"]["visits"] == 1
    assert row["detail"]["retention_days"] == 1

    got = {x["id"]: x for x in stays(b)}
    assert got[1]["alias"] is None and got[1]["departure"] == old
    assert (got[2]["alias"], got[3]["alias"]) == ("Nylig", "Stadig")
    db = sqlite3.connect(str(b.state / "husvagt.db"))
    assert db.execute("SELECT alias, anonymised_at IS NOT NULL FROM stay "
                      "WHERE id = 1").fetchone() == (None, 1)
    assert db.execute("SELECT stay_id, guest, guest_key FROM agreement "
                      "ORDER BY stay_id").fetchall() == [
        (1, None, None), (2, "Mette Ven", "mette ven"),
        (3, "Sofie Mor", "sofie mor")]
    assert db.execute("SELECT stay_id, guest, override_reason FROM visit "
                      "ORDER BY stay_id").fetchall() == [
        (1, None, None), (2, "Mette Ven", "Mette Ven's train was late"),
        (3, "Sofie Mor", "Sofie Mor's train was late")]
    # No column anywhere still holds what was erased.
    for table, in db.execute("SELECT name FROM sqlite_master WHERE type = "
                             "'table'").fetchall():
        for r in db.execute("SELECT * FROM %s" % table).fetchall():
            assert "Gammel" not in repr(r) and "Karen" not in repr(r), (
                table, r)
    db.close()

    # The journal never held them, so it verifies as it did.
    p = b.ctl("journal", "verify", check=0)
    assert "journal intact" in p.stdout
    assert b.ok("journal.verify")["ok"] is True
    # A second run finds nothing more and journals nothing.
    b.stop()
    b.start()
    time.sleep(6.5)
    assert not rows_of(b, "register.anonymised", after=row["seq"])
    # The figures outlive the alias: the stay still counts.
    r = b.ok("report.occupancy", **{"from": local_date(-40),
                                    "to": local_date(-1)})
    assert r["total"]["stays_ended"] == 2


# -- the rooms follow the configuration ------------------------------------

def test_rooms_follow_the_configuration_on_reload(building):
    from conftest import sighup
    b = building
    admit(b, "Rose", "106")
    text = b.conf.read_text()
    start = text.index("[room 106]")
    end = text.index("[room 201]")
    b.conf.write_text(text[:start] + text[end:] + "\n[room 107]\nfloor = 1\n"
                      "corridor = corridor-1\nzone = room-106\n")
    assert sighup(b)["type"] == "system.reloaded"
    rooms = [r["room"] for r in b.ok("room.list")["rooms"]]
    assert "106" not in rooms and "107" in rooms and len(rooms) == 12
    # She still lives there: nothing is refused, the log says so.
    assert [s["room"] for s in stays(b)] == ["106"]
    assert "room 106 is no longer configured but stay 1 still lives " \
        "there" in b.log.read_text()
    r = b.request("stay.admit", alias="Lilje", room="106")
    assert r["message"] == "room 106 is no longer in the site configuration"
    assert b.ok("stay.move", id=1, room="107")["to"] == "107"
    # Configured again, the room comes back.
    b.conf.write_text(text)
    assert sighup(b)["type"] == "system.reloaded"
    rooms = [r["room"] for r in b.ok("room.list")["rooms"]]
    assert "106" in rooms and "107" not in rooms
    assert admit(b, "Lilje", "106")["stay"] == 2
