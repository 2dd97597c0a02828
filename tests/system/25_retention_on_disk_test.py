"""Retention erases on disk (issue 14, item 2): after a stay, her
agreement, a visit and staff's free text passed retention, not one byte
of them is left in any file under the state directory -- the database
overwrites what it deletes (secure_delete) and the WAL, which holds the
pages as they were, is checkpointed and truncated after the job."""

import sqlite3
import unicodedata

from conftest import site_date, windows_not_now

ALL_DAY = "[guests]\nvisiting_hours = mon-sun 00:00-24:00\n"
GONE = ["Gammelrose", "Karen Søster", "Agnete Bøgh",
        "her aunt Tove drove her here", "Else Munk"]


def forms(s):
    out = set()
    for f in (s, s.lower(), s.upper(), unicodedata.normalize("NFD", s)):
        for enc in ("utf-8", "utf-16-le"):
            out.add(f.encode(enc))
    return out


def test_nothing_of_an_erased_stay_is_left_in_the_state_dir(make_building):
    b = make_building(extra_conf=ALL_DAY + "[register]\nretention_days = 1")
    stay = b.ok("stay.admit", alias="Gammelrose", room="101",
                arrival=site_date(-40))["stay"]
    b.ok("guest.agree", stay=stay, guest="Karen Søster", relation="family")
    v = b.ok("guest.admit", door="front", guest="Karen Søster")["visit"]
    b.ok("guest.checkout", visit=v)
    # A guest admitted outside her agreement's hours, with a reason.
    b.ok("guest.agree", stay=stay, guest="Agnete Bøgh", relation="friend",
         windows=windows_not_now())
    v = b.ok("guest.admit", door="front", guest="Agnete Bøgh",
             reason=GONE[3])["visit"]
    b.ok("guest.checkout", visit=v)
    e = b.ok("enquiry.record", outcome="other",
             description="asked for Else Munk")["enquiry"]
    b.ok("stay.discharge", id=stay, date=site_date(-10))
    # The enquiry's text is of no stay: it goes retention_days after it
    # was written.  Written (as far as retention knows) a week ago.
    b.settle(timeout=10)    # the text is written with its journal row
    db = sqlite3.connect(str(b.state / "husvagt.db"))
    with db:
        db.execute("UPDATE journal_text SET time = ? WHERE field = "
                   "'description'", (site_date(-7) + "T10:00:00.000Z",))
        db.execute("UPDATE enquiry SET date = ? WHERE id = ?",
                   (site_date(-7), e))
    db.close()
    seq = b.last_seq()
    b.stop()
    b.start()
    b.wait_journal("register.anonymised", after=seq, timeout=15)
    b.stop()
    files = [p for p in b.state.rglob("*") if p.is_file()]
    assert any(p.name == "husvagt.db" for p in files)
    for p in files:
        data = p.read_bytes()
        for s in GONE:
            for f in forms(s):
                assert f not in data, (p.name, s)
    db = sqlite3.connect(str(b.state / "husvagt.db"))
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
