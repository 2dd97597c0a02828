"""The safety report for management (issue 6): `husvagtctl report safety`
over a history made on the simulated building -- a forced door, a door
held open, a panic button's lockdown lifted by staff, a drill started by
management with its roll call accounted by staff (evac account) and
ended, a fire from the fire panel reset by staff with nobody accounted
for, alarms acknowledged and one left unacknowledged, callers refused at
the door and one let in against the guest limit with a reason (guest
admit/refuse) -- plus older roll
calls whose accounting times are known to the second, inserted into the
evacuation tables with the daemon stopped (no verb backdates a roll
call); everything else is the daemon's own record.  The JSON figures are checked by hand, the CSV with the csv
module, and the HTML page in headless Chromium: the DOM after rendering
and a screenshot.  The report only reads: the journal does not grow."""

import csv
import datetime
import io
import json
import os
import re
import sqlite3
import subprocess
import time
from zoneinfo import ZoneInfo

import pytest

from conftest import BUILD, Building, ctl_as, wait_until

CHROMIUM = "/usr/bin/chromium"
SITE_TZ = ZoneInfo("Europe/Copenhagen")
FAST = ("[defaults]\nrelease_s = 3\nheld_warning_s = 1\nheld_s = 2\n"
        "[guests]\nvisiting_hours = mon-sun 00:00-24:00\nmax_guests = 1\n")
# The reason staff typed for letting a second guest in: a spreadsheet
# must not run it, a browser must not parse it.
OVERRIDE = '=cold outside, "Bodil" waited <1 h> & her car broke down'
# Something a staff member might type, to prove every text is escaped.
NASTY = "visit:9\"<script>alert(1)</script>&<b>x</b>"


def iso(t):
    """A UTC datetime as the journal writes it."""
    return t.astimezone(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")


def local_midnight(d):
    return datetime.datetime(d.year, d.month, d.day, tzinfo=SITE_TZ)


def mode(b):
    return b.ok("mode.status")


def make_history(b):
    """Drive the building through the events a report should show."""
    seq = b.last_seq()
    b.set_input("front.contact", 1)                     # forced open
    b.wait_journal("door.forced", after=seq, point="front")
    b.set_input("front.contact", 0)
    b.ok("door.release", door="garden")                 # held open
    b.set_input("garden.contact", 1)
    b.wait_journal("door.held", after=seq, point="garden", timeout=8)
    b.set_input("garden.contact", 0)
    b.sim_ok("loop", point="panic.office", state="active")
    b.wait_journal("mode.changed", after=seq, cause="panic")
    b.sim_ok("loop", point="panic.office", state="normal")
    ctl_as(b, "anna", "mode", "normal", check=0)        # lifted by staff
    # A drill: two occupied rooms and anna on duty to find; room 103 last.
    b.ok("stay.admit", as_login="anna", alias="Rose", room="101",
         children_0_2=1)
    b.ok("stay.admit", as_login="anna", alias="Lilje", room="103")
    ctl_as(b, "anna", "staff", "on", check=0)
    ctl_as(b, "leder", "mode", "drill", "start", check=0)
    ctl_as(b, "anna", "evac", "account", "101", check=0)
    ctl_as(b, "anna", "evac", "account", "staff:anna", check=0)
    time.sleep(1.2)
    ctl_as(b, "birgit", "evac", "account", "103", check=0)
    ctl_as(b, "leder", "mode", "drill", "end", check=0)
    ctl_as(b, "anna", "evac", "close", check=0)
    b.sim_ok("loop", point="fire", state="active")      # the fire panel
    wait_until(lambda: mode(b)["fire"], 5, "fire mode")
    b.sim_ok("loop", point="fire", state="normal")
    wait_until(lambda: not mode(b)["fire_input"], 5, "the panel cleared")
    ctl_as(b, "anna", "mode", "reset", check=0)
    for a in b.ok("alarm.list")["alarms"]:
        if a["class"] != "held":
            b.ok("alarm.ack", as_login="anna", id=a["id"])
    visitors(b)


def visitors(b):
    """Callers at the front door: a blocklisted man and a guest without
    an agreement refused (once more by staff's own decision), a second
    guest let in against the limit of one with a reason."""
    rose, lilje = (s["id"] for s in sorted(
        b.ok("stay.list", as_login="anna")["stays"], key=lambda s: s["id"]))
    b.ok("guest.block", as_login="anna", name="Jørgen Hansen")
    for guest in ("Jørgen Hansen", "Eva Berg"):
        r = b.request("guest.admit", as_login="anna", door="front",
                      guest=guest, stay=rose)
        assert r["error"] == "denied", r
    b.ok("guest.refuse", as_login="anna", door="front", guest="Eva Berg",
         stay=rose, reason="not today")
    for guest in ("Anne", "Bodil"):
        b.ok("guest.agree", as_login="anna", stay=lilje, guest=guest,
             relation="family")
    v1 = b.ok("guest.admit", as_login="anna", door="front",
              guest="Anne")["visit"]
    v2 = b.ok("guest.admit", as_login="anna", door="front", guest="Bodil",
              reason=OVERRIDE)
    assert v2["override"] is True
    for v in (v1, v2["visit"]):
        b.ok("guest.checkout", as_login="anna", visit=v)


def insert_roll_calls(db, now, frm, to):
    """Roll calls with known times: two in the period, one just before it,
    one in its last second and one just after it."""
    s1 = now.replace(microsecond=0) - datetime.timedelta(hours=3)
    s2 = now.replace(microsecond=0) - datetime.timedelta(hours=2)
    before = local_midnight(frm) - datetime.timedelta(seconds=1)
    end = local_midnight(to + datetime.timedelta(days=1))
    last = end - datetime.timedelta(seconds=1)
    sec = lambda t, n: iso(t + datetime.timedelta(seconds=n))  # noqa: E731
    c = sqlite3.connect(db)
    with c:
        ev = "INSERT INTO evacuation (id, kind, started_at, started_by, " \
             "all_clear_at, closed_at, closed_by) VALUES (?,?,?,?,?,?,?)"
        it = "INSERT INTO evac_item (evac_id, who, accounted_at, " \
             "accounted_by) VALUES (?,?,?,?)"
        c.execute(ev, (901, "drill", iso(s1), "leder", sec(s1, 750),
                       sec(s1, 900), "leder"))
        for who, n in (("staff:anna", 60), ("room:101", 240),
                       ("visit:7", 360), ("room:103", 750)):
            c.execute(it, (901, who, sec(s1, n), "anna"))
        c.execute(ev, (902, "fire", iso(s2), "system", None,
                       sec(s2, 2400), "anna"))
        c.execute(it, (902, "room:201", sec(s2, 180), "anna"))
        c.execute(it, (902, "room:204", None, None))
        c.execute(ev, (900, "drill", iso(before), "leder", iso(before),
                       iso(before), "leder"))
        c.execute(ev, (903, "drill", iso(last), "leder", iso(last),
                       iso(last), "leder"))
        c.execute(it, (903, NASTY, iso(last), "anna"))
        c.execute(ev, (904, "drill", iso(end), "leder", iso(end), iso(end),
                       "leder"))
    c.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A building with a history, stopped once to add the roll calls."""
    b = Building(tmp_path_factory.mktemp("safety") / "run", extra_conf=FAST)
    b.start()
    try:
        make_history(b)
        b.stop()
        now = datetime.datetime.now(SITE_TZ)
        to = now.date()
        frm = to - datetime.timedelta(days=20)
        insert_roll_calls(b.state / "husvagt.db", now, frm, to)
        b.start()
        b.period = (frm.isoformat(), to.isoformat())
        yield b
    finally:
        b.stop()


def report(b, *extra, check=0):
    return ctl_as(b, "leder", "report", "safety", "--from", b.period[0],
                  "--to", b.period[1], *extra, check=check)


def report_json(b):
    return json.loads(ctl_as(b, "leder", "--json", "report", "safety",
                             "--from", b.period[0], "--to", b.period[1],
                             check=0).stdout)


def iso_weeks(frm, to):
    d0 = datetime.date.fromisoformat(frm)
    d1 = datetime.date.fromisoformat(to)
    monday = d0 - datetime.timedelta(days=d0.weekday())
    out = []
    while monday <= d1:
        y, w, _ = monday.isocalendar()
        out.append("%d-W%02d" % (y, w))
        monday += datetime.timedelta(days=7)
    return out


def test_json_figures(site):
    b = site
    seq = b.last_seq()
    r = report_json(b)
    assert (r["site"], r["timezone"]) == ("villa", "Europe/Copenhagen")
    assert (r["from"], r["to"]) == b.period
    frm = datetime.date.fromisoformat(b.period[0])
    assert r["period_start"] == iso(local_midnight(frm))

    # The roll calls: in the period, oldest first; the one before the
    # period and the one at the next midnight are left out.
    ev = {e["id"]: e for e in r["evacuations"]}
    assert 900 not in ev and 904 not in ev
    assert {901, 902, 903} <= set(ev)
    assert r["evacuations"][-1]["id"] == 903
    drill, fire = ev[901], ev[902]
    assert drill["kind"] == "drill" and drill["seconds_to_all_clear"] == 750
    assert drill["missing_longest"] == {"who": "room:103", "seconds": 750,
                                        "still_missing": False}
    assert (drill["items"], drill["unaccounted"]) == (4, 0)
    assert fire["kind"] == "fire" and fire["all_clear"] is None
    assert fire["seconds_to_all_clear"] is None
    assert fire["missing_longest"] == {"who": "room:204", "seconds": None,
                                       "still_missing": True}
    assert (fire["items"], fire["unaccounted"]) == (2, 1)
    # The daemon's own roll calls: the drill, found to the last one, and
    # the fire, where nobody was accounted for.
    own = [e for e in r["evacuations"] if e["id"] < 900]
    assert [e["kind"] for e in own] == ["drill", "fire"]
    drill, fire = own
    assert drill["started_by"] == "leder" and drill["closed"] is not None
    assert (drill["items"], drill["unaccounted"]) == (3, 0)
    found = drill["missing_longest"]
    assert found["who"] == "room:103" and not found["still_missing"]
    assert found["seconds"] >= 1
    assert drill["seconds_to_all_clear"] == found["seconds"]
    assert fire["started_by"] == "system" and fire["all_clear"] is None
    assert (fire["items"], fire["unaccounted"]) == (3, 3)
    assert fire["missing_longest"]["still_missing"]
    kinds = [e["kind"] for e in r["evacuations"]]
    assert kinds == ["drill", "fire", "drill", "fire", "drill"]
    assert r["summary"]["drills"] == kinds.count("drill")
    assert r["summary"]["fires"] == kinds.count("fire")

    # Alarms: one of each class made, all acknowledged but the held door.
    al = r["alarms"]
    by_class = {c["class"]: c for c in al["by_class"]}
    assert {k: c["count"] for k, c in by_class.items()} == {
        "forced": 1, "held": 1, "panic": 1, "fire": 1}
    assert by_class["held"]["unacknowledged"] == 1
    assert by_class["held"]["median_ack_seconds"] is None
    assert al["total"] == 4 and al["unacknowledged"] == 1
    assert r["summary"]["unacknowledged_alarms"] == 1
    assert {d["point"]: d["count"] for d in al["by_door"]} == {
        "front": 1, "garden": 1, "panic.office": 1, "fire": 1}
    for a in al["list"]:
        c = by_class[a["class"]]
        if a["acked"]:
            assert a["acked_by"] == "anna"
            assert 0 <= a["ack_seconds"] < 60
            assert c["median_ack_seconds"] == a["ack_seconds"]
        else:
            assert a["class"] == "held" and a["ack_seconds"] is None

    # Every ISO week of the period, zeros included; the alarms in this one.
    weeks = r["alarms_per_week"]
    assert [w["week"] for w in weeks] == iso_weeks(*b.period)
    assert sum(w["count"] for w in weeks) == 4
    today = datetime.date.fromisoformat(b.period[1]).isocalendar()
    assert weeks[-1]["count"] == 4, weeks
    assert weeks[-1]["week"] == "%d-W%02d" % (today[0], today[1])

    assert r["doors"] == {"forced": [{"door": "front", "count": 1}],
                          "held": [{"door": "garden", "count": 1}]}
    (lock,) = r["lockdowns"]
    assert (lock["cause"], lock["point"], lock["actor"], lock["lifted_by"]) \
        == ("panic", "panic.office", "system", "anna")
    assert lock["ended"] is not None and 0 <= lock["seconds"] < 60
    # Three refusals: a reason code counts once for each refusal it is in.
    assert [row["detail"]["reasons"] for row in b.journal()
            if row["type"] == "visit.refused"] == [
        ["blocklisted", "no_agreement"], ["no_agreement"],
        ["no_agreement", "staff_decision"]]
    assert r["refused_visitors"] == [
        {"reason": "no_agreement", "count": 3},
        {"reason": "blocklisted", "count": 1},
        {"reason": "staff_decision", "count": 1}]
    assert r["summary"]["refused_visitors"] == 3
    (o,) = r["overrides"]
    assert (o["door"], o["actor"], o["reasons"], o["override_reason"]) == (
        "front", "anna", ["max_guests"], OVERRIDE)
    assert re.fullmatch(r"visit:\d+", o["visit"]) and o["time"] <= \
        r["generated"]
    assert r["summary"]["overrides"] == 1
    # No alias or guest name anywhere in the report.
    text = json.dumps(r, ensure_ascii=False)
    for name in ("Rose", "Lilje", "Jørgen", "Eva", "Anne", "Bodil\""):
        assert name not in text, name
    assert r["summary"]["lockdowns"] == 1
    assert r["summary"]["forced_doors"] == 1
    assert r["summary"]["held_doors"] == 1
    # A report reads; it writes nothing.
    assert b.last_seq() == seq


def test_table(site):
    out = report(site).stdout
    assert out.startswith("Safety report: villa, %s to %s\n" % site.period)
    for heading in ("Summary", "Evacuations and drills", "Alarms by class",
                    "Alarms per week", "Doors forced open",
                    "Doors held open too long", "Lockdowns",
                    "Visitors refused, by reason",
                    "Visitors admitted against a rule"):
        assert "\n%s\n" % heading in out, heading
    assert re.search(r"\n  drill +\d{4}-\d\d-\d\d \d\d:\d\d +"
                     r"\d{4}-\d\d-\d\d \d\d:\d\d +12\.5 +room:103 after "
                     r"12\.5 min +4 +0\n", out), out
    assert "room:204 (still missing)" in out
    assert re.search(r"\n  [-0-9: ]+ +[-0-9: ]+ +\d+\.\d +panic +"
                     r"panic\.office +system +anna\n", out), out
    assert re.search(r"\n  no_agreement +3\n", out), out
    assert re.search(r"\n  [-0-9: ]+ +visit:\d+ +front +anna +max_guests +"
                     + re.escape(OVERRIDE) + "\n", out), out


def test_csv(site, tmp_path):
    out = tmp_path / "safety.csv"
    p = report(site, "--format", "csv", "-o", out)
    assert "written to %s" % out in p.stdout
    # For its owner only: it holds the reasons staff wrote (issue 14).
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert not [f for f in os.listdir(tmp_path) if f != "safety.csv"]
    text = out.read_bytes().decode()
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["section", "site", "from", "to", "timezone",
                       "generated"]
    assert rows[1][:5] == ["report", "villa", *site.period,
                           "Europe/Copenhagen"]
    sections = {}
    for row in rows[2:]:
        sections.setdefault(row[0], []).append(row[1:])
    for s in ("summary", "evacuations", "alarms_by_class", "alarms_by_door",
              "alarms_per_week", "alarm_list", "doors_forced", "doors_held",
              "lockdowns", "refused_visitors", "overrides"):
        assert s in sections, s
    head, *body = sections["alarms_by_class"]
    assert head[:3] == ["class", "alarms", "never acknowledged"]
    assert {r[0]: r[1] for r in body} == {"forced": "1", "held": "1",
                                          "panic": "1", "fire": "1"}
    head, *body = sections["evacuations"]
    got = dict(zip(head, body[0]))
    assert got["kind"] == "drill" and got["minutes to all-clear"] == "12.5"
    assert got["missing longest"] == "room:103 after 12.5 min"
    # A text with a quote and a comma survives the round trip.
    assert any(NASTY in r[4] for r in body)
    assert sections["refused_visitors"] == [
        ["reason", "refusals"], ["no_agreement", "3"], ["blocklisted", "1"],
        ["staff_decision", "1"]]
    head, *body = sections["overrides"]
    assert head[-1] == "reason given"
    # Data for a spreadsheet, never a formula: the leading "=" is kept
    # behind an apostrophe; quotes and commas survive.
    assert body[0][-1] == "'" + OVERRIDE
    assert body[0][-2] == "max_guests"
    head, *body = sections["alarms_per_week"]
    assert [r[0] for r in body] == iso_weeks(*site.period)


def chromium(*args):
    """Run headless Chromium; the test fails (never skips) without it."""
    assert os.access(CHROMIUM, os.X_OK), \
        "chromium is needed for the report test (Makefile DEB_PKGS)"
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox",
                           "--disable-gpu", *args], capture_output=True,
                          text=True, timeout=120)


def svg_rects(dom, chart_id):
    m = re.search(r'<svg id="%s".*?</svg>' % chart_id, dom, re.S)
    assert m, "no <svg id=%s> in the rendered page" % chart_id
    return re.findall(r'<rect class="bar"', m.group(0))


def test_html_renders_in_chromium(site, tmp_path):
    page = tmp_path / "safety.html"
    report(site, "--format", "html", "-o", page)
    assert os.stat(page).st_mode & 0o777 == 0o600
    html = page.read_text()
    # Self-contained: no script, no link, nothing fetched.
    assert "<script" not in html.replace("&lt;script", "")
    assert "<link" not in html and " src=" not in html
    assert "@import" not in html and "url(" not in html
    assert not re.search(r'https?://(?!www\.w3\.org/2000/svg")', html)
    assert "@page{size:A4" in html and "break-before:page" in html
    r = report_json(site)

    p = chromium("--user-data-dir=%s" % (tmp_path / "profile"),
                 "--dump-dom", page.as_uri())
    assert p.returncode == 0, p.stderr
    dom = p.stdout
    assert "<title>Safety report villa %s to %s</title>" % site.period in dom
    for h2 in ("Summary", "Evacuations and drills", "Alarms", "Doors",
               "Lockdowns", "Visitors"):
        assert "<h2>%s</h2>" % h2 in dom, h2
    assert len(svg_rects(dom, "chart-alarms")) == len(r["alarms_per_week"])
    assert len(svg_rects(dom, "chart-allclear")) == len(r["evacuations"])
    assert "12.5 min" in dom and "no all-clear" in dom
    assert "=cold outside, \"Bodil\" waited &lt;1 h&gt; &amp; her car" in dom
    # The typed text is shown as text, never run as markup.
    assert "<script>alert" not in dom
    assert "visit:9&quot;&lt;script&gt;alert(1)&lt;/script&gt;&amp;" \
        "&lt;b&gt;x&lt;/b&gt;" in dom or \
        'visit:9"&lt;script&gt;alert(1)&lt;/script&gt;&amp;&lt;b&gt;x' \
        '&lt;/b&gt;' in dom

    # Printed: A4, the front page and then one page per section.
    pdf = tmp_path / "safety.pdf"
    p = chromium("--user-data-dir=%s" % (tmp_path / "profile1"),
                 "--no-pdf-header-footer", "--print-to-pdf=%s" % pdf,
                 page.as_uri())
    assert p.returncode == 0 and pdf.exists(), p.stderr
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]",
                       data)
    assert boxes and all(abs(float(w) - 595.3) < 1 and
                         abs(float(h) - 841.9) < 1 for w, h in boxes), boxes
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 6

    shot = BUILD / "safety-report.png"
    if shot.exists():
        shot.unlink()
    p = chromium("--user-data-dir=%s" % (tmp_path / "profile2"),
                 "--screenshot=%s" % shot, "--window-size=1200,1600",
                 "--hide-scrollbars", page.as_uri())
    assert p.returncode == 0, p.stderr
    assert shot.exists() and shot.stat().st_size > 30000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_input_is_refused_and_changes_nothing(site, tmp_path):
    b = site
    seq = b.last_seq()

    def refused(frm, to, why):
        p = ctl_as(b, "leder", "report", "safety", "--from", frm, "--to",
                   to, check=1)
        assert why in p.stderr, p.stderr

    refused("2026-03-01", "2026-02-01", "to is before from")
    refused("2026-02-30", "2026-03-01", "from: '2026-02-30' is not a date: "
            "there is no such day in that month")
    refused("2026-01-01", "2026-13-01", "there is no such month")
    refused("1999-12-31", "2000-01-31", "the year must be 2000 to 2999")
    refused("9999-01-01", "9999-01-02", "the year must be 2000 to 2999")
    refused("2021-03-01", "2026-03-01", "a report covers at most 5 years")
    ctl_as(b, "leder", "report", "safety", "--from", "2021-03-01", "--to",
           "2026-02-28", check=0)
    # Shapes, formats and missing dates are usage errors before any
    # connection (a dead socket shows it).
    for args, why in (
            (("--from", "2026-1-01", "--to", "2026-02-01"),
             "--from: '2026-1-01' is not a date YYYY-MM-DD"),
            (("--from", "2026-01-01",), "--to YYYY-MM-DD is required"),
            (("--from", "2026-01-01", "--to", "2026-02-01", "--format",
              "pdf"), "--format: 'pdf' is not table, csv or html"),
            (("--from", "2026-01-01", "--to", "2026-02-01", "-o", ""),
             "-o: the file name is empty")):
        p = subprocess.run([str(BUILD / "husvagtctl"), "-s",
                            str(tmp_path / "none.sock"), "report", "safety",
                            *args], capture_output=True, text=True)
        assert p.returncode == 2 and why in p.stderr, (args, p.stderr)
    # Over the socket: the schema and the role.
    r = b.request("report.safety", as_login="leder", **{
        "from": "2026-01-01T00:00", "to": "2026-02-01"})
    assert r["error"] == "bad_value" and "from" in r["message"], r
    r = b.request("report.safety", as_login="leder", **{
        "from": "2026-01-01", "to": 20260201})
    assert r["error"] == "bad_type", r
    r = b.request("report.safety", as_login="leder", **{
        "from": "2026-01-01", "to": "2026-02-01", "format": "html"})
    assert r["error"] == "bad_request", r
    r = b.request("report.safety", as_login="leder", **{
        "from": "2026-01-01", "to": "2026-02-0\n"})
    assert r["error"] == "bad_value", r
    for who in ("anna", "installer"):
        r = b.request("report.safety", as_login=who, **{
            "from": "2026-01-01", "to": "2026-02-01"})
        assert r["error"] == "forbidden", r
    # A file that cannot be written: exit 1, nothing left behind.
    p = report(b, "-o", tmp_path / "no" / "such" / "dir.html", check=1)
    assert "no/such/dir.html" in p.stderr
    assert os.listdir(tmp_path) == []
    assert b.last_seq() == seq
    assert b.alive()
