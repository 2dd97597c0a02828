"""Privacy on MQTT (DESIGN 11.5): an all-seeing login subscribed to "#"
while the simulated building goes through enrolments (by number, 26-,
34- and 37-bit, and by presenting), grants, refusals, a PIN and a duress
PIN, a reader lockout, alarms and door commands finds no card number in
any form in any topic or payload husvagtd sent, and the free-text labels
staff give chips (the nearest thing to a name husvagt has until the
register exists) only in the reply to the login that asked for them --
never on status, state, event or vacancy.

The commands the test's own clients publish (cmd/...) carry a card number
to husvagtd, as the control socket does; they are the request, not
something husvagt sends, and are left out of the search."""

import json
import re
import time

from conftest import press, rows_of, wait_until
from mqttsite import MqttSite, broker  # noqa: F401

# (format, number, facility, card): chosen so that no short form is
# likely to turn up in a MAC tag or a time stamp by chance.
CARDS = [
    (26, 177 << 16 | 48213, 177, 48213),
    (26, 201 << 16 | 60001, 201, 60001),      # never enrolled
    (26, 93 << 16 | 51234, 93, 51234),        # enrolled by presenting
    (26, 66 << 16 | 38117, 66, 38117),        # with PIN 4826
    (34, 2882400018, None, None),             # 0xabcdef12
    (37, 25769803781, None, None),            # 0x600000005
]
LABELS = ["Maja Hansen key", "Fatima spare", "Birte chip"]
SHARED = ("status", "state/", "event", "vacancy")


def forms(fmt, number, facility, card):
    """The ways a card number could be written."""
    out = {str(number), "%x" % number, "%X" % number, "{:b}".format(number)}
    if len("%x" % number) < 6:
        out -= {"%x" % number, "%X" % number}
    if facility is not None:
        out |= {str(card)} | {"%d%s%d" % (facility, sep, card)
                              for sep in "/:-,. "}
    return out


def test_no_card_number_or_label_leaves_husvagt(broker, make_building):
    s = MqttSite(broker, make_building, start=False)
    w = s.watch("#")
    s.b.start()
    s.wait_online()
    leder = s.staff("leder")
    anna = s.staff("anna")

    # Enrolments: by number on the control socket and over MQTT, for
    # stays the register holds.
    for stay in (1, 2, 3, 4):
        s.b.resident(stay)
    s.b.enrol("stay:1", 48213, "*", facility=177, label=LABELS[0])
    r = s.command(leder, "leder", "chip.enrol", {
        "holder": "stay:2", "format": 34, "number": 2882400018,
        "zones": "corridor-1,room-101", "label": LABELS[1]})
    assert r["ok"], r
    r = s.command(leder, "leder", "chip.enrol", {
        "holder": "staff:anna", "format": 37, "number": 25769803781,
        "zones": "*", "label": LABELS[2]})
    assert r["ok"], r
    r = s.command(leder, "leder", "chip.enrol", {
        "holder": "stay:3", "facility": 66, "card": 38117,
        "zones": "entrance", "pin": "4826"})
    assert r["ok"], r
    # ... and by presenting at a reader.
    r = s.command(leder, "leder", "chip.enrol", {
        "holder": "stay:4", "reader": "office.reader", "zones": "office"})
    assert r["ok"], r
    s.b.present("office.reader", 51234, facility=93)
    wait_until(lambda: rows_of(s.b, "credential.enrolled", subject="stay:4"))

    # Presentations: granted, refused, unknown, 34 and 37 bits, PIN and
    # duress PIN, a reader lockout.
    seq = s.b.last_seq()
    s.b.present("corridor-1.reader", 48213, facility=177)
    s.b.present("corridor-1.reader", 2882400018, fmt=34)
    s.b.present("garden.reader", 25769803781, fmt=37)
    s.b.present("office.reader", 51234, facility=93)
    for _ in range(6):
        s.b.present("garden.reader", 60001, facility=201)
    s.b.wait_journal("reader.locked_out", after=seq)
    s.b.present("front.reader", 38117, facility=66)
    s.b.sim_ok("keys", reader="front.reader", keys="4826#")
    s.b.wait_journal("access.granted", after=seq, point="front")
    s.b.present("front.reader", 38117, facility=66)
    s.b.sim_ok("keys", reader="front.reader", keys="4827#")
    s.b.wait_journal("alarm.duress", after=seq)
    s.b.sim_ok("bits", reader="office.reader", bits="1" * 30)

    # Alarms and door commands.
    s.b.set_input("garden.contact", 1)
    s.b.set_input("garden.contact", 0)
    s.b.sim_ok("loop", point="tamper.cabinet", state="cut")
    s.b.sim_ok("loop", point="tamper.cabinet", state="normal")
    press(s.b, "front.intercom")
    assert s.command(anna, "anna", "door.release", {"door": "office"})["ok"]
    assert s.command(anna, "anna", "door.lock", {"door": "office"})["ok"]

    # The labels are for management's own replies.
    listed = s.command(leder, "leder", "chip.list", rid="list-1")
    assert listed["ok"]
    assert set(LABELS) <= {c.get("label") for c in
                           listed["result"]["credentials"]}, listed
    assert s.command(anna, "anna", "journal.tail", {"n": 200})["ok"]

    last = s.b.last_seq()
    w.wait_for(lambda m: m.topic.endswith("/event") and
               json.loads(m.payload)["seq"] == last, timeout=10)
    time.sleep(0.5)

    sent = [m for m in w.matching()
            if not m.topic.startswith(s.root + "/cmd/")]
    assert len(sent) > 60
    leaks = []
    for fmt, number, fac, card in CARDS:
        for f in forms(fmt, number, fac, card):
            pat = re.compile(r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" %
                             re.escape(f) if not f.isdigit() or len(f) < 8
                             else re.escape(f))
            leaks += [(m.topic, f) for m in sent
                      if pat.search(m.topic) or
                      pat.search(m.payload.decode("utf-8", "replace"))]
    assert leaks == [], leaks[:10]

    shared = [m for m in sent if m.topic[len(s.root) + 1:].startswith(
        SHARED)]
    assert {m.topic[len(s.root) + 1:].split("/")[0] for m in shared} >= {
        "status", "state", "event"}
    for label in LABELS:
        word = label.split()[0]
        assert not [m.topic for m in shared if word.encode() in m.payload]
    # The labels did reach leder's reply, and nobody else's.
    replies = [m for m in sent if "/reply/" in m.topic and
               LABELS[0].encode() in m.payload]
    assert replies and all("/reply/leder/" in m.topic for m in replies)

    # Nor is a card number in husvagt's own files.
    for p in s.b.state.iterdir():
        data = p.read_bytes()
        for fmt, number, fac, card in CARDS:
            assert str(number).encode() not in data, (p, number)


# The only columns of the register that hold a person's words: the alias,
# the guest's name as given (agreement, visit) and the blocklisted name,
# plus the free text staff write (descriptions, an override's reason).
# Retention erases alias and guest names; the blocklist is kept on
# purpose.  A new column that could hold a name must be added here, with
# its reason, or the test fails.
PERSONAL = {
    ("stay", "alias"), ("agreement", "guest"), ("agreement", "guest_key"),
    ("visit", "guest"), ("blocklist", "name"), ("blocklist", "name_key"),
}
STAFF_TEXT = {
    ("blocklist", "description"), ("enquiry", "description"),
    ("visit", "override_reason"),
}


def test_the_register_has_no_column_for_a_name_but_alias_and_guest(
        building):
    import sqlite3
    db = sqlite3.connect(str(building.state / "husvagt.db"))
    tables = [t for t, in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert {"room", "stay", "agreement", "blocklist", "visit", "enquiry",
            "duty", "evacuation", "evac_item"} <= set(tables)
    cols = {(t, c[1]): c[2].upper() for t in tables
            for c in db.execute("PRAGMA table_info(%s)" % t)}
    db.close()
    for (t, c) in cols:
        assert not re.search(r"cpr|birth|born|first_?name|last_?name|"
                             r"surname|phone|address|email", c), (t, c)
    register = {"room", "stay", "agreement", "blocklist", "visit",
                "enquiry", "duty", "evacuation", "evac_item"}
    # Text columns of the register that are neither times, dates, ids,
    # codes nor zone/room/door names.
    coded = {"time", "date", "arrival", "departure", "valid_from",
             "valid_to", "kind", "relation", "outcome", "door", "zone",
             "corridor", "name", "login", "via", "who", "windows", "detail",
             "actor"}
    free = {(t, c) for (t, c), ty in cols.items()
            if t in register and ty == "TEXT" and c not in coded and
            not c.endswith(("_at", "_by"))}
    free |= {k for k in PERSONAL if k in cols}
    assert free == PERSONAL | STAFF_TEXT, sorted(free ^ (PERSONAL |
                                                          STAFF_TEXT))
    # room.name is the room's number, not a person's.
    assert ("room", "name") in cols
