"""The evacuation roll call and staff on duty (DESIGN 7, issue 6), as staff
at the assembly point meet them: a fire or a drill opens a record of who
is expected outside -- each occupied room with its household, each
visitor inside, each staff member on duty -- staff account for each by
room number, visit or login, the last one gives the all-clear, and staff
close the record once the fire panel has cleared.  The retained
state/evacuation topic carries room numbers and counts, never an alias;
the alias is only in evac.status's reply.  A kill -9 loses nothing."""

import datetime
import json
import signal
import sqlite3
import time

from conftest import (ctl_as, history_mark, journalled, lock_moves, rows_of,
                      wait_until)
from mqttsite import MqttSite, broker  # noqa: F401


def iso_time(s):
    """A journal time (ISO 8601, UTC) as a datetime."""
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))

# Visits at any hour, so that the test does not depend on the clock.
RULES = ("[guests]\nvisiting_hours = mon-sun 00:00-24:00\n"
         "max_visit_min = 600\n")
ALIASES = ("Rose", "Lilje", "Viol")
GUESTS = ("Søster", "Sagsbehandler")


# -- the register and the visitors, through their verbs ------------------

def db(b):
    return sqlite3.connect(str(b.state / "husvagt.db"))


def admit(b, alias, room, **household):
    """stay.admit (src/cmd/cmd_stay.c); the stay's id."""
    return b.ok("stay.admit", alias=alias, room=room, **household)["stay"]


def visit(b, stay, guest, relation="family"):
    """guest.agree and guest.admit at the front door (src/cmd/cmd_guest.c,
    src/cmd/cmd_visit.c); the visit's id."""
    b.ok("guest.agree", stay=stay, guest=guest, relation=relation)
    return b.ok("guest.admit", door="front", guest=guest, stay=stay)["visit"]


def household(b):
    """Three occupied rooms with children, two visitors inside, two staff
    on duty (anna by herself, birgit by management); leder clocked in and
    out again.  Returns (stays by alias, visit ids)."""
    stays = {
        "Rose": admit(b, "Rose", "101", children_0_2=1, children_3_5=1),
        "Lilje": admit(b, "Lilje", "103", children_6_9=1, needs_help=True),
        "Viol": admit(b, "Viol", "201", adults=2, children_10_17=2),
    }
    visits = [visit(b, stays["Rose"], "Søster"),
              visit(b, stays["Viol"], "Sagsbehandler", "professional")]
    seq = b.last_seq()
    ctl_as(b, "anna", "staff", "on", check=0)
    journalled(b, "staff.on", "staff.on_duty", "anna", seq,
               subject="staff:anna", via="command")
    seq = b.last_seq()
    ctl_as(b, "leder", "staff", "on", "birgit", check=0)
    journalled(b, "staff.on", "staff.on_duty", "leder", seq,
               subject="staff:birgit", via="command")
    ctl_as(b, "leder", "staff", "on", check=0)
    seq = b.last_seq()
    ctl_as(b, "leder", "staff", "off", check=0)
    journalled(b, "staff.off", "staff.off_duty", "leder", seq,
               subject="staff:leder", via="command")
    return stays, visits


def fire_on(b):
    seq = b.last_seq()
    b.sim_ok("loop", point="fire", state="active")
    return b.wait_journal("evacuation.started", after=seq)


def fire_off(b):
    b.sim_ok("loop", point="fire", state="normal")
    wait_until(lambda: not b.ok("mode.status")["fire_input"], 5,
               "the fire input cleared")


def status(b, login=None):
    if login:
        r = b.request("evac.status", as_login=login)
        assert r["ok"], r
        return r["result"]
    return b.ok("evac.status")


def items(st):
    return {i["who"]: i for i in st["items"]}


def evac_state(w, root):
    got = w.matching(lambda m: m.topic == root + "/state/evacuation")
    return json.loads(got[-1].payload) if got else None


def safety_report(b):
    """report.safety for today and tomorrow (the site's local dates)."""
    import datetime
    import zoneinfo
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Copenhagen"))
    return b.ok("report.safety", **{
        "from": today.strftime("%Y-%m-%d"),
        "to": (today + datetime.timedelta(days=1)).strftime("%Y-%m-%d")})


def no_alias(text):
    for name in ALIASES + GUESTS:
        assert name not in text, (name, text)


# -- the roll call of a fire ---------------------------------------------

def test_fire_roll_call_lists_exactly_who_is_expected(broker,  # noqa: F811
                                                      make_building):
    s = MqttSite(broker, make_building, extra_conf=RULES)
    s.wait_online()
    b = s.b
    w = s.watch(s.root + "/#")
    wait_until(lambda: evac_state(w, s.root) == {"active": False}, 5,
               "state/evacuation inactive")
    stays, visits = household(b)
    duty = b.ok("staff.duty")["on_duty"]
    assert [d["login"] for d in duty] == ["anna", "birgit"]

    started = fire_on(b)
    assert started["actor"] == "system"
    eid = started["detail"]["evacuation"]
    assert started["detail"] == {"evacuation": eid, "kind": "fire",
                                 "rooms": 3, "visits": 2, "staff": 2}

    # Exactly them, with their households; aliases only in this reply.
    st = status(b, "anna")
    assert (st["evacuation"], st["kind"], st["open"]) == (eid, "fire", True)
    assert st["all_clear"] is None and st["expected"] == 7
    it = items(st)
    assert set(it) == {"room:101", "room:103", "room:201",
                       "visit:%d" % visits[0], "visit:%d" % visits[1],
                       "staff:anna", "staff:birgit"}
    assert [i["who"] for i in st["items"]][:3] == [
        "room:101", "room:103", "room:201"]
    r101, r103, r201 = it["room:101"], it["room:103"], it["room:201"]
    assert (r101["alias"], r101["stay"], r101["adults"], r101["children"],
            r101["ages"], r101["needs_help"]) == (
                "Rose", stays["Rose"], 1, 2, "0-2:1 3-5:1", False)
    assert (r103["alias"], r103["children"], r103["needs_help"]) == (
        "Lilje", 1, True)
    assert (r201["alias"], r201["adults"], r201["children"],
            r201["ages"]) == ("Viol", 2, 2, "10-17:2")
    v0 = it["visit:%d" % visits[0]]
    assert (v0["stay"], v0["alias"], v0["guest"]) == (
        stays["Rose"], "Rose", "Søster")
    assert all(i["accounted_at"] is None for i in st["items"])
    # Over MQTT the reply, on anna's own reply topic, is the same.
    r = s.command(s.staff("anna"), "anna", "evac.status")
    assert r["ok"] and r["result"] == st, r
    # The printed roll call staff read at the assembly point.
    p = ctl_as(b, "birgit", "evac", "status", check=0)
    assert "room:103" in p.stdout and "Lilje" in p.stdout, p.stdout

    # The retained topic: room numbers and counts, no alias.
    state = wait_until(lambda: (evac_state(w, s.root) or {}).get("active")
                       and evac_state(w, s.root), 5, "state/evacuation")
    assert state["evacuation"] == eid and state["kind"] == "fire"
    assert state["all_clear"] is None
    assert [(r["room"], r["adults"], r["children"], r["needs_help"],
             r["accounted"]) for r in state["rooms"]] == [
        ("101", 1, 2, False, False), ("103", 1, 1, True, False),
        ("201", 2, 2, False, False)]
    assert state["visits"] == {"total": 2, "accounted": 0}
    assert state["staff"] == {"total": 2, "accounted": 0}

    # Account for everyone: rooms by number, visitors, staff.
    order = [("anna", "101", "room:101", "stay:%d" % stays["Rose"]),
             ("birgit", "room:103", "room:103", "stay:%d" % stays["Lilje"]),
             ("anna", "mqtt:201", "room:201", "stay:%d" % stays["Viol"]),
             ("birgit", "visit:%d" % visits[0], "visit:%d" % visits[0],
              "visit:%d" % visits[0]),
             ("anna", "visit:%d" % visits[1], "visit:%d" % visits[1],
              "visit:%d" % visits[1]),
             ("birgit", "staff:anna", "staff:anna", "staff:anna")]
    anna = s.staff("anna")
    for login, typed, who, subject in order:
        seq = b.last_seq()
        if typed.startswith("mqtt:"):     # from a phone, over MQTT
            r = s.command(anna, login, "evac.account", {"who": typed[5:]})
            assert r["ok"] and r["result"]["who"] == who, r
        else:
            ctl_as(b, login, "evac", "account", typed, check=0)
        journalled(b, "evac.account", "evacuation.accounted", login, seq,
                   who=who, subject=subject, evacuation=eid)
    # One taken back, then accounted again.
    seq = b.last_seq()
    ctl_as(b, "birgit", "evac", "unaccount", "visit:%d" % visits[1],
           check=0)
    journalled(b, "evac.unaccount", "evacuation.unaccounted", "birgit", seq,
               who="visit:%d" % visits[1], evacuation=eid)
    assert items(status(b))["visit:%d" % visits[1]]["accounted_at"] is None
    ctl_as(b, "birgit", "evac", "account", "visit:%d" % visits[1], check=0)
    assert status(b)["all_clear"] is None
    state = wait_until(lambda: evac_state(w, s.root)["visits"][
        "accounted"] == 2 and evac_state(w, s.root), 5, "visits 2 of 2")
    assert [r["accounted"] for r in state["rooms"]] == [True] * 3
    assert state["staff"] == {"total": 2, "accounted": 1}

    # The last one: all clear.
    seq = b.last_seq()
    ctl_as(b, "anna", "evac", "account", "staff:birgit", check=0)
    clear = b.wait_journal("evacuation.all_clear", after=seq)
    assert clear["actor"] == "anna" and clear["detail"]["evacuation"] == eid
    assert 0 <= clear["detail"]["minutes"] < 5
    st = status(b)
    assert st["all_clear"] is not None and st["unaccounted"] == 0
    assert st["minutes_to_all_clear"] == clear["detail"]["minutes"]
    it = items(st)
    assert (it["room:101"]["accounted_by"], it["room:103"]["accounted_by"],
            it["staff:birgit"]["accounted_by"]) == ("anna", "birgit", "anna")
    assert all(i["accounted_at"] for i in st["items"])
    state = wait_until(lambda: evac_state(w, s.root)["all_clear"] and
                       evac_state(w, s.root), 5, "all clear on the topic")
    assert state["all_clear"] == st["all_clear"]
    # Management's safety report shows it with its time to all-clear.
    ev = [e for e in safety_report(b)["evacuations"] if e["id"] == eid]
    assert len(ev) == 1 and ev[0]["kind"] == "fire", ev
    assert ev[0]["started"] == st["started"]
    assert ev[0]["all_clear"] == st["all_clear"]
    took = (iso_time(st["all_clear"]) - iso_time(st["started"]))
    assert ev[0]["seconds_to_all_clear"] == int(took.total_seconds())
    assert ev[0]["seconds_to_all_clear"] // 60 == clear["detail"]["minutes"]
    assert ev[0]["unaccounted"] == 0 and ev[0]["items"] == 7

    # Unaccounting after the all-clear withdraws it.
    seq = b.last_seq()
    ctl_as(b, "anna", "evac", "unaccount", "201", check=0)
    b.wait_journal("evacuation.all_clear_withdrawn", after=seq,
                   evacuation=eid)
    assert status(b)["all_clear"] is None
    ctl_as(b, "anna", "evac", "account", "201", check=0)
    assert status(b)["all_clear"] is not None

    # Closing waits for the fire panel to clear.
    seq = b.last_seq()
    p = ctl_as(b, "anna", "evac", "close", check=1)
    assert "fire_input_active" in p.stderr, p.stderr
    assert rows_of(b, "command.refused", seq, verb="evac.close",
                   error="fire_input_active")
    assert status(b)["open"] is True
    fire_off(b)
    seq = b.last_seq()
    ctl_as(b, "anna", "evac", "close", check=0)
    closed = journalled(b, "evac.close", "evacuation.closed", "anna", seq,
                        evacuation=eid)
    assert closed["detail"]["unaccounted"] == 0
    wait_until(lambda: evac_state(w, s.root) == {"active": False}, 5,
               "state/evacuation inactive after closing")
    st = status(b)
    assert st["evacuation"] == eid and st["open"] is False
    assert st["closed_by"] == "anna"
    # The staff reset opens nothing new.
    b.ok("mode.reset")
    time.sleep(0.3)
    assert status(b)["evacuation"] == eid
    assert len(rows_of(b, "evacuation.started")) == 1

    # Nothing shared carried an alias or a guest's name.
    for m in w.matching():
        if "/reply/" not in m.topic:
            no_alias(m.payload.decode())
    for r in b.journal():
        if r["type"].startswith(("evacuation.", "staff.")):
            no_alias(json.dumps(r, ensure_ascii=False))


def test_fire_with_nobody_expected_gives_no_all_clear(building):
    """An empty roll call (nobody registered, nobody on duty) is not an
    all-clear: staff check the house and close it."""
    b = building
    started = fire_on(b)
    assert started["detail"]["rooms"] == started["detail"]["staff"] == 0
    st = status(b)
    assert st["expected"] == 0 and st["all_clear"] is None
    fire_off(b)
    ctl_as(b, "birgit", "evac", "close", check=0)
    assert status(b)["open"] is False


# -- drills ----------------------------------------------------------------

def test_drill_opens_a_drill_record_and_a_fire_turns_it(make_building):
    b = make_building(extra_conf=RULES)
    stays = {"Rose": admit(b, "Rose", "101", children_0_2=1)}
    ctl_as(b, "anna", "staff", "on", check=0)
    seq = b.last_seq()
    ctl_as(b, "leder", "mode", "drill", "start", check=0)
    started = b.wait_journal("evacuation.started", after=seq, kind="drill")
    assert started["actor"] == "leder"
    assert (started["detail"]["rooms"], started["detail"]["staff"]) == (1, 1)
    eid = started["detail"]["evacuation"]
    st = status(b)
    assert (st["kind"], st["started_by"]) == ("drill", "leder")
    ctl_as(b, "anna", "evac", "account", "101", check=0)
    # A real fire during the drill: the same record, now a fire; what
    # was counted stays counted.
    seq = b.last_seq()
    b.sim_ok("loop", point="fire", state="active")
    changed = b.wait_journal("evacuation.kind_changed", after=seq)
    assert changed["detail"] == {"evacuation": eid, "from": "drill",
                                 "to": "fire"}
    st = status(b)
    assert (st["evacuation"], st["kind"]) == (eid, "fire")
    assert items(st)["room:101"]["accounted_by"] == "anna"
    assert not rows_of(b, "evacuation.started", seq)
    fire_off(b)
    b.ok("mode.reset")
    ctl_as(b, "anna", "evac", "account", "staff:anna", check=0)
    assert status(b)["all_clear"] is not None
    ctl_as(b, "anna", "evac", "close", check=0)

    # A drill that ends leaves its record open for staff to close.
    seq = b.last_seq()
    ctl_as(b, "leder", "mode", "drill", "start", check=0)
    d2 = b.wait_journal("evacuation.started", after=seq, kind="drill")
    ctl_as(b, "leder", "mode", "drill", "end", check=0)
    time.sleep(0.2)
    st = status(b)
    assert st["evacuation"] == d2["detail"]["evacuation"] and st["open"]
    # A fire after the drill ended starts a fresh roll call: people went
    # back in.  The drill's record is closed by the system.
    ctl_as(b, "anna", "evac", "account", "101", check=0)
    seq = b.last_seq()
    b.sim_ok("loop", point="fire", state="active")
    f = b.wait_journal("evacuation.started", after=seq, kind="fire")
    closed = b.wait_journal("evacuation.closed", after=seq)
    assert closed["detail"] == {"evacuation": d2["detail"]["evacuation"],
                                "unaccounted": 1, "reason": "fire"}
    assert closed["actor"] == "system" and closed["seq"] < f["seq"]
    st = status(b)
    assert st["kind"] == "fire" and st["evacuation"] == f["detail"][
        "evacuation"]
    assert items(st)["room:101"]["accounted_at"] is None
    assert stays["Rose"] == items(st)["room:101"]["stay"]


# -- a crash during the evacuation ---------------------------------------

def test_kill_9_during_a_fire_keeps_the_record(make_building):
    b = make_building(extra_conf=RULES)
    household(b)
    eid = fire_on(b)["detail"]["evacuation"]
    ctl_as(b, "anna", "evac", "account", "101", check=0)
    ctl_as(b, "birgit", "evac", "account", "staff:anna", check=0)
    before = status(b)
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    b.start()
    # The fire input is still active: fire mode again, the same record.
    assert b.ok("mode.status")["mode"] == "fire"
    after = status(b)
    assert after == before
    assert after["evacuation"] == eid and after["open"]
    assert len(rows_of(b, "evacuation.started")) == 1
    # The roll call goes on where it was.
    r = b.request("evac.account", who="101", as_login="anna")
    assert not r["ok"] and r["error"] == "already_accounted", r
    assert "anna" in r["message"]
    for who in [i["who"] for i in after["items"] if not i["accounted_at"]]:
        ctl_as(b, "birgit", "evac", "account", who, check=0)
    assert status(b)["all_clear"] is not None
    # Killed again after the panel cleared: still open until staff close.
    fire_off(b)
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    b.start()
    st = status(b)
    assert st["open"] and st["all_clear"] is not None
    ctl_as(b, "anna", "evac", "close", check=0)
    # Killed once more, the fire not yet reset: the house comes back in
    # fire mode, but that fire was counted and closed -- no new roll call.
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    b.start()
    assert b.ok("mode.status")["fire"] is True
    st = status(b)
    assert (st["evacuation"], st["open"]) == (eid, False)
    assert len(rows_of(b, "evacuation.started")) == 1
    b.ok("mode.reset")
    # The panel tripping while the daemon is down is a new fire: its roll
    # call opens at start.  (The sim's wires outlive the daemon in
    # state/sim-wires, as real ones do.)
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    wires = json.loads((b.state / "sim-wires").read_text())
    assert wires["FIRE_LOOP"] == "normal"
    wires["FIRE_LOOP"] = "active"
    (b.state / "sim-wires").write_text(json.dumps(wires))
    b.start()
    assert b.ok("mode.status")["fire_input"] is True
    started = rows_of(b, "evacuation.started")
    assert len(started) == 2 and started[1]["actor"] == "system"
    st = status(b)
    assert st["open"] and st["evacuation"] == started[1]["detail"][
        "evacuation"] != eid
    assert st["expected"] == 7 and st["unaccounted"] == 7


def test_state_evacuation_is_published_again_after_a_restart(
        broker, make_building):  # noqa: F811
    s = MqttSite(broker, make_building, extra_conf=RULES)
    s.wait_online()
    b = s.b
    admit(b, "Rose", "101", children_0_2=1)
    s.wait_online()
    fire_on(b)
    b.ok("evac.account", who="101")
    w = s.watch(s.root + "/state/evacuation")
    wait_until(lambda: (evac_state(w, s.root) or {}).get("rooms", [{}])[0]
               .get("accounted"), 5, "room 101 accounted on the topic")
    n = len(w.matching())
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    b.start()
    # A fresh daemon publishes the open record again (the watcher's
    # subscription outlived the daemon, so each message is a new one).
    wait_until(lambda: len(w.matching()) > n, 10,
               "state/evacuation published again")
    state = evac_state(w, s.root)
    assert state["active"] and state["rooms"][0]["room"] == "101"
    assert state["rooms"][0]["accounted"] is True
    no_alias(json.dumps(state))


# -- bad input ---------------------------------------------------------------

def refused(b, login, verb, error, **args):
    """A refused command: its error, a command.refused row, and nothing
    else changed in the roll call."""
    before = status(b)
    seq = b.last_seq()
    r = b.request(verb, as_login=login, **args)
    assert not r["ok"] and r["error"] == error, (verb, args, r)
    row = b.wait_journal("command.refused", after=seq, verb=verb)
    assert row["actor"] == login and row["detail"]["error"] == error
    assert not [x for x in b.journal(seq) if x["type"].startswith(
        ("evacuation.", "staff."))]
    assert status(b) == before
    return r["message"]


def test_bad_roll_call_input_changes_nothing(make_building):
    b = make_building(extra_conf=RULES)
    stays, visits = household(b)
    # Nothing open yet.
    msg = refused(b, "anna", "evac.account", "no_evacuation", who="101")
    assert "no evacuation" in msg
    refused(b, "anna", "evac.unaccount", "no_evacuation", who="101")
    refused(b, "anna", "evac.close", "no_evacuation")
    assert status(b) == {"evacuation": None}

    fire_on(b)
    # A room that is not on the roll call (no such room; an empty one).
    msg = refused(b, "anna", "evac.account", "not_expected", who="999")
    assert "room:999" in msg and "room:101" in msg and "staff:anna" in msg
    assert msg.endswith("staff:birgit"), msg
    refused(b, "anna", "evac.account", "not_expected", who="room:105")
    # A visit that is not in the record.
    msg = refused(b, "birgit", "evac.account", "not_expected",
                  who="visit:%d" % (max(visits) + 50))
    assert "visit:%d" % visits[0] in msg
    refused(b, "birgit", "evac.account", "not_expected", who="staff:leder")
    # Not a room, a visit or a staff login.
    for who in ("stay:%d" % stays["Rose"], "Rose", "room 101", "visit:abc",
                "visit:0", "staff:Anna", "101;drop", "room:"):
        msg = refused(b, "anna", "evac.account", "bad_value", who=who)
        assert "room" in msg and "visit:ID" in msg and "staff:LOGIN" in msg
    refused(b, "anna", "evac.account", "bad_value", who="10\x071")
    refused(b, "anna", "evac.account", "bad_value", who="1" * 65)
    refused(b, "anna", "evac.account", "bad_type", who=101)
    refused(b, "anna", "evac.account", "missing_argument")
    refused(b, "anna", "evac.account", "bad_request", who="101", room="x")
    # Twice, or taken back when it was not given.
    ctl_as(b, "anna", "evac", "account", "101", check=0)
    msg = refused(b, "birgit", "evac.account", "already_accounted",
                  who="room:101")
    assert "anna" in msg
    refused(b, "birgit", "evac.unaccount", "not_accounted", who="103")
    # The installer is not part of the roll call's staff.
    refused(b, "installer", "evac.account", "forbidden", who="103")
    p = ctl_as(b, "anna", "evac", "account", "nowhere!", check=1)
    assert "bad_value" in p.stderr


# -- staff on duty -----------------------------------------------------------

def test_staff_on_and_off_duty(building):
    b = building
    assert b.ok("staff.duty")["on_duty"] == []
    seq = b.last_seq()
    p = ctl_as(b, "anna", "staff", "on", check=0)
    assert "anna" in p.stdout
    journalled(b, "staff.on", "staff.on_duty", "anna", seq,
               subject="staff:anna", via="command")
    # Already on: a clear error, nothing changed.
    seq = b.last_seq()
    p = ctl_as(b, "anna", "staff", "on", check=1)
    assert "already_on_duty" in p.stderr and "since" in p.stderr
    assert not rows_of(b, "staff.on_duty", seq)
    duty = b.ok("staff.duty")["on_duty"]
    assert [(d["login"], d["via"]) for d in duty] == [("anna", "command")]
    assert duty[0]["since"].endswith("Z")
    # Someone else only by management.
    r = b.request("staff.on", login="birgit", as_login="anna")
    assert not r["ok"] and r["error"] == "forbidden", r
    r = b.request("staff.off", login="anna", as_login="birgit")
    assert not r["ok"] and r["error"] == "forbidden", r
    seq = b.last_seq()
    ctl_as(b, "leder", "staff", "on", "birgit", check=0)
    journalled(b, "staff.on", "staff.on_duty", "leder", seq,
               subject="staff:birgit")
    # Only staff logins of the site; root must name one.
    for login in ("mallory", "Anna", "a" * 33):
        r = b.request("staff.on", login=login)
        assert not r["ok"] and r["error"] in ("unknown_login",
                                              "bad_value"), r
    r = b.request("staff.on")
    assert not r["ok"] and r["error"] == "unknown_login", r
    assert "root" in r["message"]
    r = b.request("staff.on", as_login="installer")
    assert not r["ok"] and r["error"] == "forbidden", r
    # Off, and off again.
    seq = b.last_seq()
    ctl_as(b, "anna", "staff", "off", check=0)
    journalled(b, "staff.off", "staff.off_duty", "anna", seq,
               subject="staff:anna", via="command")
    p = ctl_as(b, "anna", "staff", "off", check=1)
    assert "not_on_duty" in p.stderr
    assert [d["login"] for d in b.ok("staff.duty")["on_duty"]] == ["birgit"]
    # Any staff role may see who is on duty.
    r = b.request("staff.duty", as_login="installer")
    assert r["ok"], r
    # Clocked in again later: a new period.
    ctl_as(b, "anna", "staff", "on", check=0)
    with db(b) as c:
        n = c.execute("SELECT count(*) FROM duty WHERE login = 'anna'"
                      ).fetchone()[0]
    assert n == 2


def test_duty_reader_clocks_staff_in_and_out(building):
    b = building
    b.enrol("staff:anna", 1001, "*")
    b.enrol("stay:4", 2004, "entrance,corridor-1,room-104")
    gone = b.enrol("staff:birgit", 1002, "*")
    b.ok("chip.revoke", id=gone)
    b.enrol("staff:leder", 1003, "*", valid_to="2020-01-31")
    mark = history_mark(b)

    seq = b.last_seq()
    b.present("duty.reader", 1001)
    on = b.wait_journal("staff.on_duty", after=seq, subject="staff:anna")
    assert on["actor"] == "anna" and on["detail"] == {"via": "reader"}
    assert [(d["login"], d["via"]) for d in b.ok("staff.duty")["on_duty"]] \
        == [("anna", "reader")]
    seq = b.last_seq()
    b.present("duty.reader", 1001)
    off = b.wait_journal("staff.off_duty", after=seq, subject="staff:anna")
    assert off["actor"] == "anna" and off["detail"] == {"via": "reader"}
    assert b.ok("staff.duty")["on_duty"] == []

    # Anyone else's chip is refused, with the reason.
    for card, subject, reason in ((2004, "stay:4", "not_staff"),
                                  (1002, "staff:birgit", "revoked"),
                                  (1003, "staff:leder", "expired"),
                                  (4242, "", "unknown_credential")):
        seq = b.last_seq()
        b.present("duty.reader", card)
        row = b.wait_journal("access.denied", after=seq, point="duty.reader")
        assert (row["subject"], row["detail"]["reason"]) == (subject,
                                                            reason), row
        assert row["detail"]["reader"] == "duty.reader"
        assert "4242" not in json.dumps(row)
        assert not rows_of(b, "staff.on_duty", seq)
    assert b.ok("staff.duty")["on_duty"] == []
    # No door moved.
    time.sleep(0.2)
    assert lock_moves(b, mark) == []
    assert not rows_of(b, "access.granted")


def test_a_removed_login_leaves_the_duty_list(building):
    """A login removed while on duty is no longer expected at a roll
    call: the removal clocks her out, journalled with who removed her."""
    b = building
    p = ctl_as(b, "leder", "staff", "add", "carla", "--role", "staff",
               input="a long enough passphrase\n")
    assert p.returncode == 0, p.stderr
    ctl_as(b, "carla", "staff", "on", check=0)
    assert [d["login"] for d in b.ok("staff.duty")["on_duty"]] == ["carla"]
    seq = b.last_seq()
    ctl_as(b, "leder", "staff", "remove", "carla", check=0)
    row = b.wait_journal("staff.off_duty", after=seq, subject="staff:carla")
    assert row["actor"] == "leder" and row["detail"]["via"] == "removed"
    assert b.ok("staff.duty")["on_duty"] == []
