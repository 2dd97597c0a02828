"""The whole privacy promise in one scenario (issue 14): stays with
aliases, guests agreed and admitted by name, an override whose reason
names people, a blocklisted name with a description, an enquiry with a
description, a chip with a label, and an offline persistent console
session that asked for stay.list, guest.inside and evac.status.  Then
retention passes (the departures, the enquiry's and the blocklist
entry's dates are set in the past, as 52_register_test.py does), every
process stops, and every byte of every file under the building's folder
(state, configuration, husvagtd's log) and the broker's folder
(persistence, configuration, log) is searched for every alias, name and
phrase, in UTF-8 and UTF-16, as written, in either case, decomposed and
folded: none is found, and journal verify still passes.  A management
login subscribed to all it may read sees none of the free text, nor any
alias or name, on any topic.  Everything was created under umask 022, and
no file of the state folder is readable by others."""

import os
import sqlite3
import stat
import time
import unicodedata

from conftest import site_date, windows_not_now
from mqttsite import MqttSite, broker  # noqa: F401

ALL_DAY = "[guests]\nvisiting_hours = mon-sun 00:00-24:00\n"
ALIASES = ["Rosalind", "Liljana"]
GUESTS = ["Karen Sørensen", "Åse Ødegård", "Jørgen Hansen"]
REASON = "Karen Sørensen came early, sister of the resident in 101"
BLOCK = "her ex-husband, drives a grey Skoda, lives in Brønshøj"
ENQUIRY = "a man at the gate asked for Gunhild Bæk by name"
LABEL = "spare key for Mormor Inger"
TEXTS = [REASON, BLOCK, ENQUIRY, LABEL]
WORDS = ALIASES + GUESTS + TEXTS + [
    "Sørensen", "Ødegård", "Hansen", "sister of the resident",
    "grey Skoda", "Brønshøj", "Gunhild", "Mormor Inger"]


def folded(s):
    """As namefold() keys a name: case folded, marks dropped, ø/æ/ß
    spelled out in ASCII."""
    s = s.casefold()
    for a, b in (("ø", "o"), ("æ", "ae"), ("ß", "ss"), ("đ", "d")):
        s = s.replace(a, b)
    return "".join(c for c in unicodedata.normalize("NFKD", s)
                   if not unicodedata.combining(c))


def forms(s):
    out = set()
    for f in (s, s.lower(), s.upper(), s.casefold(), folded(s),
              unicodedata.normalize("NFD", s)):
        out.add(f.encode("utf-8"))
        out.add(f.encode("utf-16-le"))
    return out


def search(paths, words):
    found = []
    for p in paths:
        data = p.read_bytes()
        for w in words:
            for f in forms(w):
                if f in data:
                    found.append((str(p), w, f))
    return found


def test_what_must_be_forgotten_is_forgotten(broker, make_building):
    old = os.umask(0o022)
    try:
        scenario(broker, make_building)
    finally:
        os.umask(old)


def scenario(broker, make_building):
    s = MqttSite(broker, make_building, start=False, extra_conf=ALL_DAY +
                 "[register]\nretention_days = 1\n")
    b = s.b
    b.start()
    s.wait_online()
    # Management reads the most a login may: everything its ACL allows.
    watcher = broker.client("leder", s.password["leder"])
    watcher.sub(s.root + "/#")

    rose = b.ok("stay.admit", alias=ALIASES[0], room="101",
                arrival=site_date(-40))["stay"]
    lily = b.ok("stay.admit", alias=ALIASES[1], room="102",
                arrival=site_date(-30))["stay"]
    b.enrol("stay:%d" % rose, 48213, "*", facility=177, label=LABEL)
    ask = dict(as_login="anna")
    assert b.request("guest.agree", stay=rose, guest=GUESTS[0],
                     relation="family", windows=windows_not_now(), **ask)["ok"]
    assert b.request("guest.agree", stay=lily, guest=GUESTS[1],
                     relation="friend", **ask)["ok"]
    assert b.request("guest.admit", door="front", guest=GUESTS[1],
                     **ask)["ok"]
    r = b.request("guest.admit", door="front", guest=GUESTS[0],
                  reason=REASON, **ask)
    assert r["ok"] and r["result"]["override"], r
    block = b.request("guest.block", name=GUESTS[2], description=BLOCK,
                      **ask)["result"]["block"]
    assert b.request("guest.unblock", id=block, as_login="leder")["ok"]
    assert b.request("enquiry.record", outcome="asked_about_resident",
                     description=ENQUIRY, **ask)["ok"]

    # A console's persistent session asked for people, then went away
    # before the answers came.
    c = broker.client("anna", s.password["anna"], client_id="console-anna",
                      clean_start=False, session_expiry=3600)
    c.sub("%s/reply/anna/#" % s.root)
    c.close()
    other = s.staff("anna")
    for verb in ("stay.list", "guest.inside", "evac.status"):
        assert s.command(other, "anna", verb)["ok"]
    assert ALIASES[0].encode() in b"".join(
        m.payload for m in other.matching())
    other.close()

    # Everybody leaves; time passes.
    for v in b.ok("guest.inside")["visits"]:
        b.ok("guest.checkout", visit=v["visit"])
    for stay in (rose, lily):
        b.ok("stay.discharge", id=stay, date=site_date(-10))
    week_ago = site_date(-7)
    b.settle(timeout=10)    # the texts are written with their rows
    db = sqlite3.connect(str(b.state / "husvagt.db"))
    with db:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = "
                      "'journal_text'").fetchone():
            db.execute("UPDATE journal_text SET time = ? WHERE stay_id IS "
                       "NULL", (week_ago + "T10:00:00.000Z",))
        db.execute("UPDATE enquiry SET date = ?", (week_ago,))
        db.execute("UPDATE blocklist SET removed_at = ?",
                   (week_ago + "T10:00:00.000Z",))
    db.close()
    seq = b.last_seq()
    b.stop()
    b.start()
    row = b.wait_journal("register.anonymised", after=seq, timeout=15)
    assert row["detail"]["stays"] == 2
    p = b.ctl("journal", "verify", check=0)
    assert "journal intact" in p.stdout
    time.sleep(1.0)

    # What management could read on the broker held none of it.
    seen = [m for m in watcher.matching()]
    assert any(m.topic.endswith("/event") for m in seen)
    leaks = [(m.topic, w) for m in seen for w in WORDS
             if any(f in m.payload for f in forms(w))]
    assert leaks == []
    watcher.close()

    # Everything stops; nothing of it is left on disk or in a log.
    b.stop()
    broker.stop()
    files = [p for root in (b.run, broker.dir)
             for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    assert b.log in files and any(p.name == "mosquitto.db" for p in files)
    assert search(files, WORDS) == []
    db = sqlite3.connect(str(b.state / "husvagt.db"))
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    # Created under umask 022, and still for the owner (and group) only.
    for p in b.state.rglob("*"):
        if p.is_file():
            assert stat.S_IMODE(p.stat().st_mode) & 0o007 == 0, p
    b.start()
    p = b.ctl("journal", "verify", check=0)
    assert "journal intact" in p.stdout
