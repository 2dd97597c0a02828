"""husvagtd over a real Mosquitto (DESIGN 9, issue 4): the retained status
with its last will, the retained state topics following the simulated
building, the event stream carrying every journal row in order, and
commands on cmd/<login>/<verb> answered on reply/<login>/<id>, checked
against the login's role, journalled with the actor, and refused with a
clear error -- changing nothing -- when malformed, unknown, mistyped or
absurd."""

import json
import signal
import time

from conftest import rows_of, wait_released, wait_until
from mqttsite import FAST, MqttSite, broker, first_seen, mqtt_site  # noqa: F401

DOORS = ["front", "garden", "office", "corridor-1", "corridor-2"] + [
    "room-%d0%d" % (f, r) for f in (1, 2) for r in range(1, 7)]


def state_of(client, root, door):
    """The last state/door/<door> payload the client received."""
    got = client.matching(lambda m: m.topic == "%s/state/door/%s" % (
        root, door))
    return json.loads(got[-1].payload) if got else None


def wait_state(client, root, door, timeout=5.0, **want):
    def ok():
        s = state_of(client, root, door)
        return s if s and all(s.get(k) == v for k, v in want.items()) \
            else None
    return wait_until(ok, timeout, "state/door/%s %r" % (door, want))


def alarms(client, root):
    got = client.matching(lambda m: m.topic == root + "/state/alarms")
    return json.loads(got[-1].payload)["alarms"] if got else None


# -- status and the retained state ---------------------------------------

def test_status_online_then_offline_by_will(mqtt_site):
    s = mqtt_site
    w = s.watch(s.root + "/status")
    m = w.wait_for(lambda m: True)
    assert (m.payload, m.retain) == (b"online", True)
    s.b.stop()                       # clean stop: leaves with the will
    w.wait_for(lambda m: m.payload == b"offline")
    s.b.start()
    w.wait_for(lambda m: m.payload == b"online" and not m.retain)
    s.b.stop(signal.SIGKILL)         # no DISCONNECT: the broker's will
    w.wait_for(lambda m: m.payload == b"offline" and
               len(w.matching(lambda x: x.payload == b"offline")) == 2)
    late = s.watch(s.root + "/status")
    m = late.wait_for(lambda m: True)
    assert (m.payload, m.retain) == (b"offline", True)


def test_retained_state_on_subscribe(mqtt_site):
    s = mqtt_site
    w = s.watch(s.root + "/state/#")
    w.sub(s.root + "/vacancy")
    want = ["state/door/" + d for d in DOORS] + [
        "state/mode", "state/alarms", "state/occupancy", "state/evacuation",
        "state/storage", "vacancy"]
    got = w.wait_count(len(want))
    assert sorted(m.topic for m in got) == sorted(
        s.root + "/" + t for t in want)
    assert all(m.retain for m in got)
    front = state_of(w, s.root, "front")
    assert front == {"name": "front", "zone": "entrance", "egress": True,
                     "phase": "locked", "open": False, "released": False,
                     "hold": False, "fault": False, "locked_out": False}
    assert json.loads(w.wait_for(lambda m: m.topic.endswith("/mode"))
                      .payload) == {"mode": "normal", "fire": False,
                                    "fire_input": False, "lockdown": False,
                                    "drill": False}
    assert alarms(w, s.root) == []
    occ = json.loads(w.wait_for(lambda m: m.topic.endswith("/occupancy"))
                     .payload)
    # The reference building's twelve rooms, nobody admitted yet:
    # anonymous counts only (52_register_test.py follows them).
    assert occ == {"rooms": 12, "occupied": 0, "free": 12,
                   "free_single": 8, "free_double": 4, "adults": 0,
                   "children": 0, "children_0_2": 0, "children_3_5": 0,
                   "children_6_9": 0, "children_10_17": 0, "needs_help": 0}
    vac = json.loads(w.wait_for(lambda m: m.topic.endswith("/vacancy"))
                     .payload)
    assert set(vac) == {"site", "free_rooms", "free_places", "children",
                        "child_ages", "accessible", "as_of"}
    assert (vac["site"], vac["free_rooms"], vac["free_places"],
            vac["children"], vac["child_ages"], vac["accessible"]) == (
                "villa", 12, 16, True, [0, 17], True)


def test_door_state_follows_a_chip(mqtt_site):
    """Present a chip: corridor-1 shows released, then opened and closed,
    then locked again -- each change once, not once per journal row."""
    s = mqtt_site
    s.b.enrol("stay:1", 2001, "corridor-1,room-101")
    w = s.watch(s.root + "/state/door/corridor-1")
    wait_state(w, s.root, "corridor-1", phase="locked")
    s.b.present("corridor-1.reader", 2001)
    wait_state(w, s.root, "corridor-1", released=True, phase="released")
    wait_released(s.b, "corridor-1")
    s.b.set_input("corridor-1.contact", 1)
    wait_state(w, s.root, "corridor-1", open=True, phase="open")
    s.b.set_input("corridor-1.contact", 0)
    wait_state(w, s.root, "corridor-1", open=False, released=False,
               phase="locked")
    phases = [json.loads(m.payload)["phase"] for m in w.matching()]
    assert phases == ["locked", "released", "open", "locked"], phases
    # Journal rows that leave the door as it is publish no state.
    n = len(w.matching())
    for _ in range(5):
        s.b.sim_ok("bits", reader="corridor-1.reader", bits="01010101011")
    wait_until(lambda: len(rows_of(s.b, "reader.bad_frame")) == 5)
    time.sleep(1.2)                  # past the periodic recompute too
    assert len(w.matching()) == n


def test_alarms_forced_door_and_tamper(mqtt_site):
    s = mqtt_site
    w = s.watch(s.root + "/state/alarms")
    wait_until(lambda: alarms(w, s.root) == [], what="no alarms")
    s.b.set_input("front.contact", 1)          # opened while locked
    a = wait_until(lambda: alarms(w, s.root), what="the forced alarm")
    assert [(x["class"], x["point"], x["cause_active"], x["acked"])
            for x in a] == [("forced", "front", True, False)]
    assert a[0]["since"].endswith("Z")
    s.b.set_input("front.contact", 0)
    wait_until(lambda: alarms(w, s.root)[0]["cause_active"] is False,
               what="the cause cleared")
    s.b.ok("alarm.ack", id=a[0]["id"])
    wait_until(lambda: alarms(w, s.root) == [], what="the alarm gone")
    loops = [p["point"] for p in s.b.sim_ok("points")["points"]
             if p.get("kind") == "supervised"]
    if loops:
        s.b.sim_ok("loop", point=loops[0], state="cut")
        a = wait_until(lambda: [x for x in alarms(w, s.root) or []
                                if x["class"] == "tamper"], what="tamper")
        assert a[0]["point"] == loops[0]
        s.b.ok("alarm.ack", id=a[0]["id"])
        wait_until(lambda: alarms(w, s.root)[0]["acked"], what="acked")
        s.b.sim_ok("loop", point=loops[0], state="normal")
        wait_until(lambda: alarms(w, s.root) == [], what="tamper gone")


# -- the event stream ----------------------------------------------------

def test_event_stream_is_the_journal(broker, make_building):
    """A subscriber there before husvagtd starts gets every journal row,
    in seq order, each exactly as journal.rows gives it."""
    s = MqttSite(broker, make_building, start=False)
    w = s.watch(s.root + "/event")
    s.b.start()
    s.b.enrol("stay:1", 2001, "corridor-1")
    s.b.present("corridor-1.reader", 2001)
    s.b.present("office.reader", 2001)
    s.b.present("garden.reader", 4242)
    s.b.set_input("garden.contact", 1)
    s.b.set_input("garden.contact", 0)
    s.b.ok("door.release", door="office")
    rows = wait_until(lambda: (lambda r: r if len(r) >= 10 else None)(
        s.b.journal()), what="ten journal rows")
    last = s.b.last_seq()
    got = w.wait_count(last, timeout=10)
    events = [json.loads(m.payload) for m in got]
    assert [e["seq"] for e in events] == list(range(1, last + 1))
    assert events == s.b.journal()[:last]
    assert all(m.qos == 1 and not m.retain for m in got)
    assert rows[0]["type"] == "system.started"


def test_events_resume_after_restart_without_loss(broker, make_building):
    """A clean stop saves the acknowledged seq; the next start goes on
    from there: the subscriber sees every seq once, system.stopped too."""
    s = MqttSite(broker, make_building, start=False)
    w = s.watch(s.root + "/event")
    s.b.start()
    s.b.ok("door.release", door="office")
    s.b.stop()
    s.b.start()
    s.b.ok("door.lock", door="office")
    last = s.b.last_seq()
    w.wait_count(last, timeout=10)
    seqs = [e["seq"] for e in s.events(w)]
    assert seqs == list(range(1, last + 1)), seqs
    types = [e["type"] for e in s.events(w)]
    assert "system.stopped" in types and types.count("system.started") == 2


# -- commands ------------------------------------------------------------

def test_command_with_the_role_works_and_is_journalled(mqtt_site):
    s = mqtt_site
    anna = s.staff("anna")
    seq = s.b.last_seq()
    r = s.command(anna, "anna", "door.release", {"door": "office"},
                  rid="rel-1")
    assert r["ok"] is True and r["id"] == "rel-1"
    assert r["result"]["name"] == "office" and r["result"]["released"]
    wait_released(s.b, "office")
    row = rows_of(s.b, "door.commanded", after=seq)
    assert [(x["actor"], x["point"], x["detail"]) for x in row] == [
        ("anna", "office", {"action": "release", "via": "mqtt"})]
    st = s.command(anna, "anna", "status")
    assert st["ok"] and st["result"]["site"] == "villa"
    assert st["result"]["mqtt"] == "up"
    wait_until(lambda: s.b.ok("status")["mqtt_acked_seq"] ==
               s.b.last_seq(), what="every event acknowledged")


def test_management_enrols_over_mqtt(mqtt_site):
    s = mqtt_site
    s.b.resident(7)
    leder = s.staff("leder")
    r = s.command(leder, "leder", "chip.enrol", {
        "holder": "stay:7", "facility": 12, "card": 34567,
        "zones": "corridor-1"})
    assert r["ok"], r
    row = rows_of(s.b, "credential.enrolled")[-1]
    assert (row["actor"], row["subject"]) == ("leder", "stay:7")
    seq = s.b.last_seq()
    s.b.present("corridor-1.reader", 34567, facility=12)
    s.b.wait_journal("access.granted", after=seq)


def test_wrong_role_is_forbidden_and_journalled(mqtt_site):
    s = mqtt_site
    anna = s.staff("anna")
    creds = s.b.ok("status")["credentials"]
    r = s.command(anna, "anna", "chip.enrol", {
        "holder": "stay:1", "facility": 1, "card": 2001, "zones": "*"})
    assert (r["ok"], r["error"]) == (False, "forbidden")
    row = rows_of(s.b, "command.refused", verb="chip.enrol")[-1]
    assert row["actor"] == "anna"
    assert row["detail"] == {"verb": "chip.enrol", "error": "forbidden",
                             "via": "mqtt"}
    assert s.b.ok("status")["credentials"] == creds
    inst = s.staff("installer")
    r = s.command(inst, "installer", "door.release", {"door": "office"})
    assert r["ok"]      # installers may release doors (table: STAFF_UP)
    r = s.command(anna, "anna", "point.set", {"point": "siren",
                                              "value": 1})
    assert r["error"] == "forbidden"


def test_login_unknown_to_the_site_is_refused(mqtt_site):
    s = mqtt_site
    m = s.staff("mallory")
    r = s.command(m, "mallory", "door.release", {"door": "front"})
    assert (r["ok"], r["error"]) == (False, "not_authorised")
    row = rows_of(s.b, "command.refused", login="mallory")[-1]
    assert row["actor"] == "system"
    assert row["detail"]["verb"] == "door.release"
    assert row["detail"]["via"] == "mqtt"
    assert not s.b.released("front")


def test_acl_keeps_a_login_to_its_own_topic(mqtt_site):
    """The broker's ACL (firmware/mosquitto/acl.in) is what makes the
    topic's login the actor: anna cannot speak as leder, cannot publish
    state, and does not get leder's replies."""
    s = mqtt_site
    anna = s.staff("anna")
    leder = s.staff("leder")
    anna.sub("%s/reply/leder/#" % s.root)
    seq = s.b.last_seq()
    rc = anna.pub("%s/cmd/leder/chip.revoke" % s.root,
                  {"id": "x", "args": {"holder": "stay:1"}})
    assert rc == 135
    rc = anna.pub("%s/state/mode" % s.root, '{"mode":"fire"}', retain=True)
    assert rc == 135
    time.sleep(0.3)
    assert s.b.journal(after=seq) == []
    assert s.command(leder, "leder", "status", rid="mine")["ok"]
    time.sleep(0.3)
    assert anna.matching(lambda m: "/reply/leder/" in m.topic) == []


BAD = [
    # (what, verb, payload, reply id, error)
    ("not JSON", "door.release", b"{door: front", "invalid", "bad_json"),
    ("not UTF-8", "door.release", b'{"id":"a","args":{"door":"\xff"}}',
     "invalid", "bad_json"),
    ("an array", "door.release", b'["id"]', "invalid", "bad_request"),
    ("no id", "door.release", {"args": {"door": "front"}}, "invalid",
     "bad_request"),
    ("id with a slash", "door.release", {"id": "a/b", "args": {}},
     "invalid", "bad_request"),
    ("id with a wildcard", "door.release", {"id": "a+", "args": {}},
     "invalid", "bad_request"),
    ("id too long", "door.release", {"id": "a" * 65}, "invalid",
     "bad_request"),
    ("id a number", "door.release", {"id": 7}, "invalid", "bad_request"),
    ("duplicate key", "door.release",
     b'{"id":"d1","id":"d2","args":{"door":"front"}}', "invalid",
     "bad_json"),
    ("unknown verb", "door.explode", {"id": "u1", "args": {}}, "u1",
     "unknown_verb"),
    ("unknown field", "door.release", {"id": "f1", "verb": "door.lock",
                                       "args": {"door": "front"}}, "f1",
     "bad_request"),
    ("args not an object", "door.release", {"id": "o1", "args": "front"},
     "o1", "bad_request"),
    ("missing argument", "door.release", {"id": "m1", "args": {}}, "m1",
     "missing_argument"),
    ("wrong type", "door.release", {"id": "t1", "args": {"door": 5}},
     "t1", "bad_type"),
    ("wrong type bool", "door.release",
     {"id": "t2", "args": {"door": "front", "hold": "yes"}}, "t2",
     "bad_type"),
    ("unknown argument", "door.release",
     {"id": "a1", "args": {"door": "front", "for": 99}}, "a1",
     "bad_request"),
    ("no such door", "door.release", {"id": "n1", "args": {"door": "vault"}},
     "n1", "not_found"),
    ("absurd door name", "door.release", {"id": "n2", "args": {
        "door": "x" * 5000}}, "n2", "bad_value"),
    ("absurd n", "journal.tail", {"id": "b1", "args": {"n": 10 ** 12}},
     "b1", "bad_value"),
    ("negative n", "journal.tail", {"id": "b2", "args": {"n": -1}}, "b2",
     "bad_value"),
    ("huge integer", "journal.tail",
     b'{"id":"b3","args":{"n":123456789012345678901234567890}}',
     "invalid", "bad_json"),
    ("float", "journal.tail", {"id": "b4", "args": {"n": 1.5}}, "b4",
     "bad_type"),
    ("control chars", "door.release", {"id": "c1", "args": {
        "door": "fr\nont"}}, "c1", "bad_value"),
]


def test_bad_commands_get_clear_errors_and_change_nothing(mqtt_site):
    s = mqtt_site
    anna = s.staff("anna")
    seq = s.b.last_seq()
    for what, verb, payload, rid, code in BAD:
        r = s.raw_command(anna, "anna", verb, payload, rid)
        assert (r["ok"], r["error"]) == (False, code), (what, r)
        assert r["message"], what
        assert r["id"] == (None if rid == "invalid" else rid), what
    # Only refusals were journalled (a mutating verb's, an unknown
    # verb's); no door moved, and the daemon still answers.
    types = {r["type"] for r in s.b.journal(after=seq)}
    assert types <= {"command.refused"}, types
    assert not any(s.b.released(d) for d in ("front", "office"))
    assert s.command(anna, "anna", "status")["ok"]


def test_leder_enrol_with_absurd_values_changes_nothing(mqtt_site):
    s = mqtt_site
    leder = s.staff("leder")
    creds = s.b.ok("status")["credentials"]
    for args, code in [
            ({"holder": "stay:1", "format": 99, "number": 5,
              "zones": "*"}, "bad_value"),
            ({"holder": "stay:1", "facility": 300, "card": 5,
              "zones": "*"}, "bad_value"),
            ({"holder": "stay:1", "number": 2 ** 40, "format": 37,
              "zones": "*"}, "bad_value"),
            ({"holder": "stay:1", "facility": 1, "card": 5,
              "zones": "*", "timeout": 10 ** 6}, "bad_value"),
            ({"holder": 17, "facility": 1, "card": 5}, "bad_type")]:
        r = s.command(leder, "leder", "chip.enrol", args)
        assert (r["ok"], r["error"]) == (False, code), (args, r)
    assert s.b.ok("status")["credentials"] == creds


def test_oversized_and_retained_commands_are_refused(mqtt_site):
    s = mqtt_site
    anna = s.staff("anna")
    big = json.dumps({"id": "big", "args": {"door": "front",
                                            "pad": "x" * 70000}})
    r = s.raw_command(anna, "anna", "door.release", big, "invalid")
    assert (r["ok"], r["error"]) == (False, "too_large")
    # A retained command is refused when it is delivered from the store
    # (it would otherwise run again at every reconnect of husvagtd).
    rc = anna.pub("%s/cmd/anna/door.release" % s.root,
                  {"id": "ret", "args": {"door": "office"}}, retain=True)
    assert rc in (0, 16, 135)
    if rc != 135:
        s.b.stop()
        anna.clear()
        s.b.start()
        r = anna.wait_for(lambda m: m.topic.endswith("/reply/anna/invalid"),
                          timeout=10)
        assert json.loads(r.payload)["error"] == "bad_request"
        anna.pub("%s/cmd/anna/door.release" % s.root, b"", retain=True)
    assert not s.b.released("office") or wait_released(s.b, "office",
                                                       False)
    assert s.b.alive()


def test_no_access_decision_waits_for_a_hung_broker(mqtt_site):
    """SIGSTOP the broker: husvagtd's socket fills and stalls, yet a chip
    is granted and the lock released as fast as without a broker."""
    s = mqtt_site
    s.b.enrol("stay:1", 2001, "corridor-1")
    s.broker.proc.send_signal(signal.SIGSTOP)
    try:
        for i in range(200):          # more than the window of 64
            s.b.set_input("room-101.contact", 1 - i % 2)
        seq = s.b.last_seq()
        t0 = time.monotonic()
        s.b.present("corridor-1.reader", 2001)
        wait_released(s.b, "corridor-1", timeout=2)
        took = time.monotonic() - t0
        assert took < 0.5, took
        s.b.wait_journal("access.granted", after=seq)
    finally:
        s.broker.proc.send_signal(signal.SIGCONT)
    s.b.stop()


def test_reconnects_after_a_broker_restart(mqtt_site):
    s = mqtt_site
    s.broker.stop()
    s.b.ok("door.release", door="office")     # journalled while down
    seq = s.b.last_seq()
    s.broker.start()
    w = s.watch(s.root + "/event")
    # A fresh broker (the event is no longer queued for anyone) still
    # gets the retained state and the status once husvagtd is back.
    s.wait_online(timeout=15)
    st = s.watch(s.root + "/state/door/office")
    assert st.wait_for(lambda m: m.retain)
    s.b.ok("door.lock", door="office")
    e = w.wait_for(lambda m: json.loads(m.payload)["seq"] > seq)
    assert json.loads(e.payload)["type"] in ("door.commanded",
                                             "door.locked")
    assert first_seen(s.events(w)) == sorted(first_seen(s.events(w)))


# -- the documentation ---------------------------------------------------

def cmd_table():
    """The verbs of src/cmd/cmd_schema.c's table: {verb: (roles, mutates, args)},
    args as the docs write them."""
    import re
    from conftest import TOP
    src = (TOP / "src/cmd/cmd_schema.c").read_text()
    defs = {"INT64_MAX": str(2 ** 63 - 1)}
    for h in (TOP / "src").glob("*/*.h"):
        for name, val in re.findall(r"#define\s+(\w+)\s+(\d+)\b",
                                    h.read_text()):
            defs[name] = val
    num = lambda t: defs.get(t.strip(), t.strip().rstrip("LlUu"))  # noqa
    arrays = {}
    for name, body in re.findall(
            r"static const struct cmd_arg (\w+)\[\] = \{(.*?)\};", src,
            re.S):
        args = []
        for kind, inner in re.findall(r"\b([SIB])\(([^)]*)\)", body):
            parts = [p.strip() for p in inner.split(",")]
            an = parts[0].strip('"')
            if kind == "B":
                args.append("`%s` bool" % an)
                continue
            star = "*" if parts[1] == "true" else ""
            args.append("`%s`%s %s %s-%s" % (
                an, star, "string" if kind == "S" else "int",
                num(parts[2]), num(parts[3])))
        arrays[name] = "; ".join(args) or "none"
    roles = {"STAFF_UP": {"staff", "management", "installer"},
             "ROLE_ALL": {"staff", "management", "installer"},
             "MGMT": {"management"}, "ROLE_MANAGEMENT": {"management"},
             "INST": {"installer"}, "ROLE_INSTALLER": {"installer"},
             "ROLE_STAFF": {"staff"}}
    table = src[src.index("cmd_verbs[] = {"):]
    table = table[:table.index("};")]
    verbs = {}
    for verb, rs, mut, arr in re.findall(
            r'\{\s*"([\w.]+)",\s*([\w |]+?),\s*(true|false),\s*(\w+),',
            table):
        r = set()
        for t in rs.split("|"):
            r |= roles[t.strip()]
        verbs[verb] = (r, mut == "true", arrays[arr])
    return verbs


def test_docs_list_every_verb_with_its_schema():
    """docs/mqtt.md's verb table says what src/cmd/cmd_schema.c's table says."""
    from conftest import TOP
    want = cmd_table()
    assert len(want) >= 15
    got = {}
    for line in (TOP / "docs/mqtt.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`") and \
                cells[2] in ("yes", "no"):
            got[cells[0].strip("`")] = (
                {r.strip() for r in cells[1].split(",")},
                cells[2] == "yes", cells[3])
    assert got == want
