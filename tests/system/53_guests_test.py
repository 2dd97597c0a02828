"""Guests at the door (DESIGN 6, issues 5 and 6): an agreed guest rings,
is evaluated, admitted (the front lock releases), counted inside and
checked out; a blocklisted caller, however her name is spelled, is
refused and cannot be overridden; the house rules deny outside hours,
without an agreement, over the guest limit, in a lockdown and in a fire,
and staff override a rule denial only with a written reason; a visitor
who overstays raises visit.overstay and an alarm until she is checked
out; discharge ends a resident's agreements.  Bad input changes nothing.
No guest name or alias reaches the journal, the event stream or a shared
MQTT topic."""

import datetime
import json
import socket
import time
from zoneinfo import ZoneInfo

import pytest

from conftest import (ctl_as, history_mark, journalled, lock_moves, press,
                      rows_of, wait_released, wait_until)
from mqttsite import MqttSite, broker  # noqa: F401

ALL_DAY = "[guests]\nvisiting_hours = mon-sun 00:00-24:00\n"
FAST = "[defaults]\nrelease_s = 3\n"
TZ = ZoneInfo("Europe/Copenhagen")
NAMES = ["Rose", "Lilje", "Maria Jensen", "Jørgen Hansen", "Eva Berg",
         "Sofie Lund", "Jensen", "Hansen", "Lilje"]


def house(make_building, extra=""):
    """The reference building with visiting hours all day (so that the
    time the test runs at does not matter) unless extra says otherwise."""
    return make_building(extra_conf=FAST + ALL_DAY + extra)


def admit_stay(b, alias, room):
    return b.ok("stay.admit", alias=alias, room=room)["stay"]


def local_now():
    return datetime.datetime.now(TZ)


def hhmm(t):
    return t.strftime("%H:%M")


def not_now():
    """Windows that do not hold the local time now (nor for an hour)."""
    t = local_now() + datetime.timedelta(hours=6)
    return "mon-sun %s-%s" % (hhmm(t), hhmm(t + datetime.timedelta(
        hours=1)))


def guest_rows(b, after=0):
    return [r for r in b.journal(after) if r["type"].startswith(
        ("guest.", "visit."))]


def no_names(rows, names=NAMES):
    """No name or alias anywhere in journal rows."""
    text = json.dumps(rows, ensure_ascii=False)
    for n in names:
        assert n not in text, (n, text[:2000])


def test_agreed_guest_rings_is_admitted_and_checked_out(broker,
                                                        make_building):
    s = MqttSite(broker, make_building, extra_conf=ALL_DAY, start=False)
    w = s.watch("#")
    s.b.start()
    s.wait_online()
    b = s.b
    anna = s.staff("anna")
    stay = admit_stay(b, "Rose", "101")
    seq = b.last_seq()
    ctl_as(b, "anna", "guest", "agree", stay, "Maria Jensen",
           "--relation", "family", "--escort", check=0)
    row = journalled(b, "guest.agree", "guest.agreed", "anna", seq,
                     subject="stay:%d" % stay)
    agreement = row["detail"]["agreement"]
    assert row["detail"] == {"agreement": agreement, "relation": "family"}

    # She rings: intercom.call with the door and the time, nothing else.
    seq = b.last_seq()
    b.set_input("front.intercom", 1)
    b.set_input("front.intercom", 0)
    call = b.wait_journal("intercom.call", after=seq, point="front")
    assert call["subject"] == "" and call["detail"] == {}
    assert call["actor"] == "system" and call["time"]
    ev = w.wait_for(lambda m: m.topic == s.root + "/event" and
                    json.loads(m.payload)["seq"] == call["seq"])
    assert json.loads(ev.payload) == call

    # Staff look her up as she spells it: allow, in the common rooms.
    r = s.command(anna, "anna", "guest.evaluate",
                  {"door": "front", "guest": "maria  JENSEN"})
    assert r["ok"], r
    e = r["result"]
    assert e["decision"] == "allow" and e["reasons"] == []
    assert e["agreement"] == agreement and e["stay"] == stay
    assert e["alias"] == "Rose" and e["escort_required"] is True
    assert e["areas"] == ["common"] and e["inside"] == 0

    # Admitted: the front lock releases, a visit opens.
    seq = b.last_seq()
    mark = history_mark(b)
    p = ctl_as(b, "anna", "--json", "guest", "admit", "--door", "front",
               "--guest", "Maria Jensen", check=0)
    visit = json.loads(p.stdout)["visit"]
    row = journalled(b, "guest.admit", "visit.admitted", "anna", seq,
                     subject="visit:%d" % visit, point="front")
    assert row["detail"] == {"stay": stay, "agreement": agreement,
                             "override": False}
    journalled(b, "door.release", "door.commanded", "anna", seq,
               point="front", action="release")
    wait_released(b, "front")
    assert lock_moves(b, mark, "front")
    wait_released(b, "front", False, timeout=6)

    inside = b.ok("guest.inside")
    assert inside["count"] == 1
    v = inside["visits"][0]
    assert (v["visit"], v["stay"], v["alias"], v["guest"], v["door"],
            v["overstay"]) == (visit, stay, "Rose", "Maria Jensen", "front",
                               False)
    assert v["minutes"] == 0 and v["since"].endswith("Z")

    # Checked out.
    seq = b.last_seq()
    ctl_as(b, "anna", "guest", "checkout", visit, check=0)
    row = journalled(b, "guest.checkout", "visit.checked_out", "anna", seq,
                     subject="visit:%d" % visit)
    assert row["detail"] == {"stay": stay, "minutes": 0}
    assert b.ok("guest.inside") == {"count": 0, "visits": []}
    p = ctl_as(b, "anna", "guest", "checkout", visit, check=1)
    assert "already checked out" in p.stderr + p.stdout

    # The agreement ends; she is no longer agreed.
    seq = b.last_seq()
    ctl_as(b, "birgit", "guest", "end", agreement, check=0)
    row = journalled(b, "guest.end", "guest.agreement_ended", "birgit", seq,
                     subject="stay:%d" % stay)
    assert row["detail"] == {"agreement": agreement}
    e = b.ok("guest.evaluate", door="front", guest="Maria Jensen")
    assert e["reasons"] == ["no_agreement"]
    assert b.ok("guest.list")["agreements"] == []
    ended = b.ok("guest.list", ended=True)["agreements"]
    assert [a["agreement"] for a in ended] == [agreement]
    assert ended[0]["ended_at"] and ended[0]["guest"] == "Maria Jensen"

    # The names reached anna's replies and nothing shared.
    last = b.last_seq()
    w.wait_for(lambda m: m.topic == s.root + "/event" and
               json.loads(m.payload)["seq"] == last, timeout=10)
    time.sleep(0.5)
    sent = [m for m in w.matching()
            if not m.topic.startswith(s.root + "/cmd/")]
    shared = [m for m in sent if m.topic[len(s.root) + 1:].startswith(
        ("status", "state/", "event", "vacancy"))]
    assert len([m for m in shared if m.topic.endswith("/event")]) > 10
    for m in shared:
        text = m.payload.decode()
        for n in ("Rose", "Maria", "Jensen", "maria jensen"):
            assert n not in text, (m.topic, text)
    replies = [m for m in sent if b"Rose" in m.payload]
    assert replies and all("/reply/anna/" in m.topic for m in replies)
    no_names(b.journal(0))


def test_blocklisted_caller_is_refused_and_cannot_be_overridden(
        make_building):
    b = house(make_building)
    stay = admit_stay(b, "Lilje", "103")
    # She has, say, agreed to see him before; the blocklist still wins.
    b.ok("guest.agree", stay=stay, guest="Jørgen Hansen", relation="family")
    # The description may not name her: the journal and the blocklist
    # outlive her stay.
    r = b.request("guest.block", name="Jørgen Hansen",
                  description="Lilje's ex-husband")
    assert (r["error"], r["message"]) == (
        "names_resident", "the description names a resident; write it "
        "without her alias")
    assert b.ok("guest.blocked")["blocked"] == []
    seq = b.last_seq()
    ctl_as(b, "leder", "guest", "block", "Jørgen Hansen", "--description",
           "the man she fled from; call the police", check=0)
    row = journalled(b, "guest.block", "guest.blocked", "leder", seq)
    block = row["detail"]["block"]
    assert row["detail"] == {"block": block} and row["subject"] == ""
    listed = b.ok("guest.blocked")["blocked"]
    assert [(x["block"], x["name"]) for x in listed] == [
        (block, "Jørgen Hansen")]

    for spelling in ("JORGEN  hansen", "Joergen Hansen", "jørgen hansen.",
                     "Hansen Jørgen", "Jorgen", " JØRGEN-HANSEN "):
        e = b.ok("guest.evaluate", door="front", guest=spelling)
        assert e["decision"] == "deny", spelling
        assert "blocklisted" in e["reasons"] and not e["overridable"], e
    assert b.ok("guest.evaluate", door="front",
                guest="Jørgen Nielsen")["reasons"] == ["no_agreement"]

    seq = b.last_seq()
    mark = history_mark(b)
    p = ctl_as(b, "anna", "guest", "admit", "--door", "front", "--guest",
               "JORGEN  hansen", "--reason", "he says she invited him",
               check=1)
    assert "denied" in p.stderr + p.stdout
    assert "cannot be overridden" in p.stderr + p.stdout
    refused = b.wait_journal("visit.refused", after=seq, point="front")
    assert refused["actor"] == "anna"
    assert refused["detail"]["reasons"] == ["blocklisted"]
    assert refused["detail"]["stay"] == stay
    assert rows_of(b, "visit.admitted", seq) == []
    time.sleep(0.3)
    assert lock_moves(b, mark, "front") == []
    assert b.ok("guest.inside")["count"] == 0

    # Staff refuse him themselves: their decision is a reason.
    seq = b.last_seq()
    ctl_as(b, "anna", "guest", "refuse", "--door", "front", "--guest",
           "Jorgen Hansen", "--reason", "blocked", check=0)
    row = journalled(b, "guest.refuse", "visit.refused", "anna", seq)
    assert row["detail"]["reasons"] == ["blocklisted", "staff_decision"]

    # Only management lifts a block.
    ctl_as(b, "anna", "guest", "unblock", block, check=1)
    seq = b.last_seq()
    ctl_as(b, "leder", "guest", "unblock", block, check=0)
    row = journalled(b, "guest.unblock", "guest.unblocked", "leder", seq)
    assert row["detail"] == {"block": block}
    assert b.ok("guest.blocked")["blocked"] == []
    assert b.ok("guest.evaluate", door="front",
                guest="JORGEN HANSEN")["decision"] == "allow"
    ctl_as(b, "leder", "guest", "unblock", block, check=1)
    no_names(b.journal(0))


def test_rule_denials_and_overrides_with_a_reason(make_building):
    b = house(make_building)
    rose = admit_stay(b, "Rose", "101")
    lilje = admit_stay(b, "Lilje", "201")

    # No agreement: denied, and the house does not let staff override.
    e = b.ok("guest.evaluate", door="front", guest="Eva Berg", stay=rose)
    assert (e["decision"], e["reasons"], e["overridable"]) == (
        "deny", ["no_agreement"], False)
    seq = b.last_seq()
    r = b.request("guest.admit", door="front", guest="Eva Berg", stay=rose,
                  reason="she is expected")
    assert r["error"] == "denied" and r["reasons"] == ["no_agreement"]
    assert b.wait_journal("visit.refused", after=seq)["detail"] == {
        "reasons": ["no_agreement"], "stay": rose, "agreement": None}

    # Outside her agreement's hours: staff may override with a reason.
    ag = b.ok("guest.agree", stay=rose, guest="Eva Berg", relation="friend",
              windows=not_now())["agreement"]
    e = b.ok("guest.evaluate", door="front", guest="eva berg")
    assert (e["decision"], e["reasons"], e["overridable"]) == (
        "deny", ["outside_hours"], True)
    seq = b.last_seq()
    mark = history_mark(b)
    p = ctl_as(b, "anna", "guest", "admit", "--door", "front", "--guest",
               "Eva Berg", check=1)
    assert "--reason" in p.stderr + p.stdout
    time.sleep(0.3)
    assert lock_moves(b, mark, "front") == []
    assert rows_of(b, "visit.admitted", seq) == []
    assert rows_of(b, "visit.refused", seq) == []
    # The reason is kept beside the journal, never in it, and the chain
    # holds only its HMAC; still, it may not name a resident.
    r = b.request("guest.admit", door="front", guest="Eva Berg",
                  reason="ROSE asked us to")
    assert (r["error"], r["message"]) == (
        "names_resident", "the reason names a resident; write it without "
        "her alias")
    time.sleep(0.3)
    assert lock_moves(b, mark, "front") == []
    assert rows_of(b, "visit.admitted", seq) == []
    p = ctl_as(b, "anna", "--json", "guest", "admit", "--door", "front",
               "--guest", "Eva Berg", "--reason", "her mother is in "
               "hospital", check=0)
    out = json.loads(p.stdout)
    assert out["override"] is True
    row = journalled(b, "guest.admit", "visit.admitted", "anna", seq,
                     subject="visit:%d" % out["visit"])
    hmac = row["detail"].pop("override_reason_hmac")
    assert len(hmac) == 64 and "hospital" not in json.dumps(row)
    assert row["detail"] == {"stay": rose, "agreement": ag, "override": True,
                             "reasons": ["outside_hours"]}
    wait_released(b, "front")

    # Not yet valid, and no longer valid, is agreement_expired.
    today = local_now().date()
    later = (today + datetime.timedelta(days=3)).isoformat()
    b.ok("guest.agree", stay=lilje, guest="Sofie Lund", relation="other",
         **{"from": later, "to": later})
    e = b.ok("guest.evaluate", door="front", guest="Sofie Lund")
    assert e["reasons"] == ["agreement_expired"] and e["overridable"]

    # The guest limit: two at once per resident.
    b.ok("guest.agree", stay=lilje, guest="Anne", relation="family")
    b.ok("guest.agree", stay=lilje, guest="Bodil", relation="family")
    b.ok("guest.agree", stay=lilje, guest="Carla", relation="family")
    v1 = b.ok("guest.admit", door="front", guest="Anne")["visit"]
    b.ok("guest.admit", door="front", guest="Bodil")
    e = b.ok("guest.evaluate", door="front", guest="Carla")
    assert e["reasons"] == ["max_guests"] and e["inside"] == 2
    r = b.request("guest.admit", door="front", guest="Carla")
    assert r["error"] == "reason_required" and r["reasons"] == ["max_guests"]
    b.ok("guest.checkout", visit=v1)
    assert b.ok("guest.evaluate", door="front",
                guest="Carla")["decision"] == "allow"
    assert b.ok("guest.inside")["count"] == 2   # Eva and Bodil

    # A name agreed by two residents needs the stay.
    b.ok("guest.agree", stay=rose, guest="Anne", relation="friend")
    r = b.request("guest.evaluate", door="front", guest="Anne")
    assert r["error"] == "ambiguous", r
    e = b.ok("guest.evaluate", door="front", guest="Anne", stay=rose)
    assert e["stay"] == rose and e["decision"] == "allow"
    no_names(b.journal(0), ["Rose", "Lilje", "Eva", "Sofie", "Anne",
                            "Bodil", "Carla"])


def test_visiting_hours_and_guests_without_agreement(make_building):
    """The site's own rules: visiting hours that exclude now deny an
    agreed guest; without_agreement = yes lets staff admit one without an
    agreement, with a reason."""
    b = make_building(extra_conf=FAST + "[guests]\nvisiting_hours = %s\n"
                      "without_agreement = yes\nareas = common, garden\n"
                      % not_now())
    rose = admit_stay(b, "Rose", "102")
    b.ok("guest.agree", stay=rose, guest="Maria Jensen", relation="family",
         resident_areas=True)
    e = b.ok("guest.evaluate", door="front", guest="Maria Jensen")
    assert e["reasons"] == ["outside_hours"] and e["overridable"]
    assert e["areas"] == ["common", "garden", "corridor-1"]
    e = b.ok("guest.evaluate", door="front", guest="Ukendt Person", stay=rose)
    assert e["reasons"] == ["no_agreement", "outside_hours"]
    assert e["overridable"] is True
    seq = b.last_seq()
    v = b.ok("guest.admit", door="front", guest="Ukendt Person", stay=rose,
             reason="the caseworker on call")["visit"]
    row = b.wait_journal("visit.admitted", after=seq)
    assert row["detail"]["reasons"] == ["no_agreement", "outside_hours"]
    assert row["detail"]["agreement"] is None
    assert b.ok("guest.inside")["visits"][0]["visit"] == v


@pytest.mark.parametrize("cause", ["command", "panic"])
def test_lockdown_refuses_admission_without_override(make_building, cause):
    b = house(make_building)
    stay = admit_stay(b, "Rose", "101")
    b.ok("guest.agree", stay=stay, guest="Maria Jensen", relation="family")
    if cause == "panic":
        b.sim_ok("loop", point="panic.office", state="active")
        wait_until(lambda: b.ok("mode.status")["mode"] == "lockdown", 5,
                   "lockdown from the panic button")
    else:
        b.ok("mode.lockdown")
    e = b.ok("guest.evaluate", door="front", guest="Maria Jensen")
    assert e["reasons"] == ["lockdown"] and not e["overridable"]
    seq = b.last_seq()
    mark = history_mark(b)
    p = ctl_as(b, "anna", "guest", "admit", "--door", "front", "--guest",
               "Maria Jensen", "--reason", "she is the sister", check=1)
    assert "lockdown" in p.stderr + p.stdout
    assert b.wait_journal("visit.refused", after=seq)["detail"][
        "reasons"] == ["lockdown"]
    time.sleep(0.3)
    assert lock_moves(b, mark, "front") == []
    assert b.ok("guest.inside")["count"] == 0
    ctl_as(b, "anna", "mode", "normal", check=0)
    assert b.ok("guest.admit", door="front",
                guest="Maria Jensen")["override"] is False


def test_fire_refuses_admission_without_override(make_building):
    b = house(make_building)
    stay = admit_stay(b, "Rose", "101")
    b.ok("guest.agree", stay=stay, guest="Maria Jensen", relation="family")
    b.sim_ok("loop", point="fire", state="active")
    b.wait_journal("alarm.fire")
    e = b.ok("guest.evaluate", door="front", guest="Maria Jensen")
    assert e["reasons"] == ["fire"] and not e["overridable"]
    seq = b.last_seq()
    r = b.request("guest.admit", door="front", guest="Maria Jensen",
                  reason="she is the sister", as_login="anna")
    assert r["error"] == "denied" and r["reasons"] == ["fire"]
    assert b.wait_journal("visit.refused", after=seq)["detail"][
        "reasons"] == ["fire"]
    assert rows_of(b, "visit.admitted", seq) == []
    # The fire stays until staff reset it after the panel clears.
    b.sim_ok("loop", point="fire", state="normal")
    time.sleep(0.3)
    e = b.ok("guest.evaluate", door="front", guest="Maria Jensen")
    assert e["reasons"] == ["fire"]
    ctl_as(b, "anna", "mode", "reset", check=0)
    assert b.ok("guest.evaluate", door="front",
                guest="Maria Jensen")["decision"] == "allow"


def minute_after(seconds):
    """The local wall-clock minute at least seconds from now, "HH:MM"."""
    t = local_now() + datetime.timedelta(seconds=seconds + 60)
    return hhmm(t)


def test_overstay_raises_an_alarm_until_checked_out(make_building):
    over = house(make_building, "max_visit_min = 1\n")
    # Visiting hours ending at the next minute (45 s away at least): a
    # visit admitted now is after hours soon after.
    start = hhmm(local_now() - datetime.timedelta(hours=1))
    late = make_building(name="late", extra_conf=FAST + "[guests]\n"
                         "visiting_hours = mon-sun %s-%s\n" % (
                             start, minute_after(45)))
    visits = {}
    for b in (over, late):
        stay = admit_stay(b, "Rose", "101")
        b.ok("guest.agree", stay=stay, guest="Maria Jensen",
             relation="family")
        visits[b] = b.ok("guest.admit", door="front",
                         guest="Maria Jensen")["visit"]
        assert b.ok("guest.inside")["visits"][0]["overstay"] is False

    t0 = time.monotonic()
    row = over.wait_journal("visit.overstay", timeout=90)
    took = time.monotonic() - t0
    assert 55 <= took <= 65, took
    v = visits[over]
    assert row["subject"] == "visit:%d" % v and row["point"] == "front"
    assert row["detail"]["reason"] == "over_limit"
    assert row["detail"]["minutes"] == 1 and row["detail"]["stay"] == 1
    alarms = [a for a in over.ok("alarm.list")["alarms"]
              if a["class"] == "overstay"]
    assert [(a["point"], a["cause_active"]) for a in alarms] == [
        ("visit:%d" % v, True)]
    assert over.ok("guest.inside")["visits"][0]["overstay"] is True

    row = late.wait_journal("visit.overstay", timeout=100)
    assert row["detail"]["reason"] == "after_hours"

    # Once per visit.
    time.sleep(2)
    assert len(rows_of(over, "visit.overstay")) == 1
    # Checked out: the cause clears, the alarm stays until acknowledged.
    over.ok("guest.checkout", visit=v)
    alarms = [a for a in over.ok("alarm.list")["alarms"]
              if a["class"] == "overstay"]
    assert len(alarms) == 1 and alarms[0]["cause_active"] is False
    ctl_as(over, "anna", "alarm", "ack", alarms[0]["id"], check=0)
    assert [a for a in over.ok("alarm.list")["alarms"]
            if a["class"] == "overstay"] == []
    no_names(over.journal(0))


def test_discharge_ends_her_agreements(make_building):
    b = house(make_building)
    stay = admit_stay(b, "Rose", "101")
    ag = b.ok("guest.agree", stay=stay, guest="Maria Jensen",
              relation="family")["agreement"]
    b.ok("stay.discharge", id=stay)
    assert b.ok("guest.list")["agreements"] == []
    ended = b.ok("guest.list", ended=True)["agreements"]
    assert [a["agreement"] for a in ended] == [ag] and ended[0]["ended_at"]
    e = b.ok("guest.evaluate", door="front", guest="Maria Jensen")
    assert e["reasons"] == ["no_agreement"] and e["stay"] is None
    r = b.request("guest.agree", stay=stay, guest="Maria Jensen",
                  relation="family")
    assert r["error"] == "not_found"


def raw_call(b, data):
    """Send raw bytes as one request line on the control socket."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(str(b.control))
    try:
        s.sendall(data + b"\n")
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return json.loads(buf.split(b"\n")[0])
    finally:
        s.close()


def test_bad_input_is_refused_and_changes_nothing(make_building):
    b = house(make_building)
    stay = admit_stay(b, "Rose", "101")
    b.ok("guest.agree", stay=stay, guest="Maria Jensen", relation="family")
    seq = b.last_seq()
    ok_agree = dict(stay=stay, guest="Eva Berg", relation="friend")

    def refused(verb, code, words, **args):
        r = b.request(verb, **args)
        assert r["ok"] is False and r["error"] == code, (verb, args, r)
        for w in words:
            assert w in r["message"], (w, r)

    refused("guest.agree", "not_found", ["stay 99"],
            **dict(ok_agree, stay=99))
    refused("guest.evaluate", "not_found", ["nowhere"], door="nowhere",
            guest="Eva Berg")
    refused("guest.admit", "not_found", ["nowhere"], door="nowhere",
            guest="Maria Jensen")
    refused("guest.evaluate", "not_found", ["stay 99"], door="front",
            guest="Eva Berg", stay=99)
    refused("guest.agree", "bad_value", ["guest", "100"],
            **dict(ok_agree, guest="x" * 10000))
    refused("guest.block", "bad_value", ["name"], name="J" * 10000)
    refused("guest.evaluate", "bad_value", ["guest"], door="front",
            guest="Æ" * 5000)
    refused("guest.agree", "bad_value", ["control"],
            **dict(ok_agree, guest="Eva\x07Berg"))
    refused("guest.agree", "bad_value", ["control"],
            **dict(ok_agree, guest="Eva\u0085Berg"))
    refused("guest.block", "bad_value", ["control"], name="Jørgen\nHansen")
    refused("guest.block", "bad_value", ["no letters"], name="- . -")
    refused("guest.agree", "bad_value", ["relation", "family"],
            **dict(ok_agree, relation="lover"))
    refused("guest.agree", "bad_value", ["before"],
            **dict(ok_agree, **{"from": "2030-05-10", "to": "2030-05-01"}))
    for bad in ("2030-02-30", "2030-13-01", "1900-01-01", "9999-12-31",
                "30-05-2030", "2030-5-1xx", "2029-02-29"):
        refused("guest.agree", "bad_value", ["YYYY-MM-DD"],
                **dict(ok_agree, to=bad))
    refused("guest.agree", "bad_value", ["to", "YYYY-MM-DD"],
            **dict(ok_agree, to="2030-5-1"))
    refused("guest.agree", "bad_value", ["past"],
            **dict(ok_agree, **{"from": "2020-01-01", "to": "2020-01-31"}))
    refused("guest.agree", "bad_value", ["windows"],
            **dict(ok_agree, windows="whenever"))
    refused("guest.checkout", "not_found", ["visit 77"], visit=77)
    refused("guest.end", "not_found", ["agreement 77"], id=77)
    refused("guest.unblock", "not_found", ["77"], id=77)
    r = b.request("guest.agree", stay="one", guest="Eva", relation="friend")
    assert r["error"] == "bad_type"

    # Not UTF-8 on the wire: refused before any verb runs.
    r = raw_call(b, b'{"verb": "guest.block", "args": {"name": "J\xf8rgen"}}')
    assert r["ok"] is False
    r = raw_call(b, b'{"verb": "guest.agree", "args": {"stay": 1, '
                    b'"guest": "Eva \xc3", "relation": "friend"}}')
    assert r["ok"] is False
    assert b.alive()

    # The CLI: a usage error is exit 2, a refusal exit 1.
    ctl_as(b, "anna", "guest", "agree", check=2)
    ctl_as(b, "anna", "guest", "agree", stay, "Eva", "--relation", "lover",
           check=1)

    # Nothing changed.
    assert [r["type"] for r in guest_rows(b, seq)] == []
    assert len(b.ok("guest.list")["agreements"]) == 1
    assert b.ok("guest.blocked")["blocked"] == []
    assert b.ok("guest.inside")["count"] == 0
    assert all(r["type"] == "command.refused" for r in b.journal(seq))
