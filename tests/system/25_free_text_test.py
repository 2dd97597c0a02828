"""Staff's free text about people (issue 14, item 1): an override's
reason and an enquiry's description never enter a chained journal row nor
a shared MQTT topic.  They are kept beside the journal (journal_text),
the row holds an HMAC of them, the event topic says only that a reason
was given, the safety report shows a reason while it exists and "erased"
after retention took it, and journal verify passes before and after --
and fails when a kept text is edited."""

import json
import sqlite3
import time

from conftest import ctl_as, site_date, windows_not_now
from mqttsite import MqttSite, broker  # noqa: F401

ALL_DAY = "[guests]\nvisiting_hours = mon-sun 00:00-24:00\n"
REASON = "Karen Sørensen came early, sister of the resident in 101"
ENQUIRY = "a man in a red Volvo asked for Ingrid Holm"
PHRASES = ["Karen", "Sørensen", "sister of the resident", "red Volvo",
           "Ingrid Holm"]


def no_phrase(text, where):
    for p in PHRASES:
        assert p not in text, (where, p, text[:2000])


def texts(b):
    b.settle(timeout=10)    # a text is written with its journal row
    db = sqlite3.connect(str(b.state / "husvagt.db"))
    try:
        return db.execute("SELECT seq, field, text FROM journal_text "
                          "ORDER BY seq").fetchall()
    finally:
        db.close()


def test_free_text_is_kept_beside_the_journal_and_erased(broker,
                                                         make_building):
    s = MqttSite(broker, make_building, start=False,
                 extra_conf=ALL_DAY + "[register]\nretention_days = 1\n")
    w = s.watch("#")
    b = s.b
    b.start()
    s.wait_online()
    period = {"from": site_date(-60), "to": site_date()}
    stay = b.ok("stay.admit", alias="Rose", room="101",
                arrival=site_date(-40))["stay"]
    b.ok("guest.agree", stay=stay, guest="Eva Berg", relation="friend",
         windows=windows_not_now())
    seq = b.last_seq()
    r = b.ok("guest.admit", door="front", guest="Eva Berg", reason=REASON)
    assert r["override"] is True
    b.ok("guest.checkout", visit=r["visit"])
    b.ok("enquiry.record", outcome="asked_about_resident",
         description=ENQUIRY)
    adm = b.wait_journal("visit.admitted", after=seq)
    enq = b.wait_journal("enquiry.recorded", after=seq)
    assert len(adm["detail"]["override_reason_hmac"]) == 64
    assert len(enq["detail"]["description_hmac"]) == 64
    # Not in the chain, not on the event topic, not in journal.rows.
    no_phrase(json.dumps(b.journal(), ensure_ascii=False), "journal")
    time.sleep(0.5)
    shared = [m for m in w.matching() if "/reply/" not in m.topic and
              "/cmd/" not in m.topic]
    assert any(m.topic.endswith("/event") and
               json.loads(m.payload)["seq"] == adm["seq"] for m in shared)
    no_phrase("\n".join(m.payload.decode("utf-8", "replace")
                        for m in shared), "shared topics")
    # Kept beside the journal, shown in the safety report.
    assert {(f, t) for _, f, t in texts(b)} == {
        ("override_reason", REASON), ("description", ENQUIRY)}
    (o,) = b.ok("report.safety", **period)["overrides"]
    assert o["override_reason"] == REASON
    assert b.ok("journal.verify")["ok"] is True

    # Edited while it exists: verify names the row.
    b.settle(timeout=10)
    db = sqlite3.connect(str(b.state / "husvagt.db"))
    with db:
        db.execute("UPDATE journal_text SET text = 'changed' WHERE seq = ?",
                   (adm["seq"],))
    p = b.ctl("journal", "verify", check=None)
    assert p.returncode != 0 and "row %d" % adm["seq"] in p.stdout + \
        p.stderr
    with db:
        db.execute("UPDATE journal_text SET text = ? WHERE seq = ?",
                   (REASON, adm["seq"]))
        # Her stay ended long ago; the enquiry (of no stay) was written
        # before the retention period: both texts are due.
        db.execute("UPDATE journal_text SET time = ? WHERE seq = ?",
                   (site_date(-5) + "T10:00:00.000Z", enq["seq"]))
    db.close()
    b.ok("stay.discharge", id=stay, date=site_date(-10))

    seq = b.last_seq()
    b.stop()
    b.start()
    row = b.wait_journal("register.anonymised", after=seq, timeout=15)
    assert row["detail"]["texts"] >= 2
    assert texts(b) == []
    (o,) = b.ok("report.safety", **period)["overrides"]
    assert "override_reason" not in o and o["override_reason_erased"]
    p = ctl_as(b, "leder", "report", "safety", "--from", period["from"],
               "--to", period["to"], check=0)
    assert "erased" in p.stdout
    no_phrase(p.stdout, "report")
    p = b.ctl("journal", "verify", check=0)
    assert "journal intact" in p.stdout
