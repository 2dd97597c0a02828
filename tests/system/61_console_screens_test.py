"""The staff console's other screens in a real browser (as
60_console_test.py, consolesite.py): the visitors inside and the overstay
warning, the alarms, the register end to end (each checked in the
journal and on the sim), and every screen in Danish and English: the
catalogues compared, the page scanned for raw keys, axe-core run in the
page (no serious or critical violation), screenshots at desktop and phone
size under $BUILD/console-shots/."""

import json
import re
import time

import pytest

from conftest import wait_until
from consolesite import (ALL_DAY, CONSOLE_DIR, CSS, DESKTOP, PHONE, Console,
                         click, console, css, fill, nav, ring,
                         stays_and_guests, text, wait_css,
                         wait_text)  # noqa: F401 (fixture)

CATALOGUES = CONSOLE_DIR / "i18n"


# -- visitors, alarms ------------------------------------------------------------------

def visitor_inside(c):
    """Karen Sørensen let in for Rose; anna on the visitors screen."""
    rose, _, _ = stays_and_guests(c.b)
    visit = c.b.ok("guest.admit", door="front", guest="Karen Sørensen",
                   stay=rose)["visit"]
    d = c.open()
    c.login(d, "anna")
    nav(d, "visitors")
    wait_css(d, "tr[data-visit='%d']" % visit)
    return d, visit


def test_visitor_checked_out_and_alarm_acknowledged(console):
    c, b = console, console.b
    d, visit = visitor_inside(c)
    c.shot(d, "visitors")
    seq = b.last_seq()
    click(d, "tr[data-visit='%d'] button[data-act=checkout]" % visit)
    row = b.wait_journal("visit.checked_out", after=seq)
    assert row["subject"] == "visit:%d" % visit and row["actor"] == "anna"
    wait_text(d, "Ingen besøgende i huset.")

    # An alarm raised on the sim: the office door forced.
    nav(d, "alarms")
    seq = b.last_seq()
    b.set_input("office.contact", 1)
    b.wait_journal("door.forced", after=seq, point="office")
    tr = wait_css(d, "#alarm-table tr.bad")
    assert "Dør brudt op" in tr.text and "office" in tr.text
    assert "stadig til stede" in tr.text
    c.shot(d, "alarms")
    b.set_input("office.contact", 0)
    wait_text(d, "ophørt")
    alarm = b.ok("alarm.list")["alarms"][0]["id"]
    seq = b.last_seq()
    click(d, "tr[data-alarm='%d'] button[data-act=ack]" % alarm)
    row = b.wait_journal("alarm.acknowledged", after=seq)
    assert row["actor"] == "anna"
    wait_until(lambda: not b.ok("alarm.list")["alarms"], 5, "alarm gone")
    wait_text(d, "Ingen åbne alarmer.")


def test_overstay_warning_shown_and_cleared_by_check_out(tmp_path, make_building):
    """A visit past [guests] max_visit_min (1 minute here): the row is
    marked in the list, an overstay alarm appears; checking her out clears
    the cause (a minute's wait: the slowest test here)."""
    c = Console(tmp_path, make_building, extra_conf=ALL_DAY + "max_visit_min = 1\n")
    try:
        b = c.b
        d, visit = visitor_inside(c)
        assert not css(d, "tr.warn")
        b.wait_journal("visit.overstay", timeout=90)
        tr = wait_css(d, "tr.warn[data-visit='%d']" % visit, 10)
        assert "for længe" in tr.text
        c.shot(d, "visitors-overstay")
        wait_until(lambda: "1" in css(d, "#nav-alarms")[0].text, 10,
                   "the overstay alarm counted")
        seq = b.last_seq()
        click(d, "tr[data-visit='%d'] [data-act=checkout]" % visit)
        b.wait_journal("visit.checked_out", after=seq)
        nav(d, "alarms")
        wait_text(d, "Besøg for længe")
        wait_text(d, "ophørt")
    finally:
        c.cleanup()


# -- the register --------------------------------------------------------------------

def test_register_stays_agreements_blocklist_enquiries_and_chips(console):
    c, b = console, console.b
    d = c.open()
    c.login(d, "leder")
    nav(d, "register")
    wait_css(d, "table#rooms")
    # Admit a stay from the form.
    seq = b.last_seq()
    fill(d, "Alias (aldrig det rigtige navn)", "Rose")
    fill(d, "Værelse", "102")
    fill(d, "Børn 0–2 år", "1")
    click(d, "form.card button[type=submit]")
    row = b.wait_journal("stay.admitted", after=seq)
    assert row["actor"] == "leder" and row["detail"]["room"] == "102"
    stay = int(row["subject"].split(":")[1])
    (st,) = [x for x in b.ok("stay.list")["stays"] if x["id"] == stay]
    assert st["alias"] == "Rose" and st["children_0_2"] == 1
    wait_css(d, "tr[data-stay='%d']" % stay)
    c.shot(d, "register-stays")
    # Move her.
    from selenium.webdriver.support.ui import Select
    Select(d.find_element(CSS, "tr[data-stay='%d'] select" % stay)).select_by_value("105")
    seq = b.last_seq()
    click(d, "tr[data-stay='%d'] [data-act=move]" % stay)
    row = b.wait_journal("stay.moved", after=seq)
    assert row["detail"]["to"] == "105" and row["actor"] == "leder"
    # An agreement for her guest.
    click(d, "#tab-guests")
    wait_css(d, "#agree-h")
    fill(d, "Gæstens navn", "Karen Sørensen")
    fill(d, "Relation", "family")
    seq = b.last_seq()
    click(d, "form.card button[type=submit]")
    row = b.wait_journal("guest.agreed", after=seq)
    assert row["subject"] == "stay:%d" % stay and row["actor"] == "leder"
    wait_css(d, "table#agreements tr[data-agreement]")
    # A blocked name, and the block lifted (management).
    click(d, "#tab-blocklist")
    wait_css(d, "#blk-h")
    fill(d, "Navn", "Jørgen Hansen")
    seq = b.last_seq()
    click(d, "form.card button[type=submit]")
    b.wait_journal("guest.blocked", after=seq)
    wait_css(d, "table#blocked")
    assert b.ok("guest.blocked")["blocked"][0]["name"] == "Jørgen Hansen"
    # An enquiry naming her is refused; one without a name is recorded.
    click(d, "#tab-enquiry")
    wait_css(d, "#enq-h")
    fill(d, "Udfald", "asked_about_resident")
    fill(d, "Beskrivelse (nævn ikke beboere)", "a man asked whether Rose lives here")
    click(d, "form.card button[type=submit]")
    wait_text(d, "Teksten nævner en beboer")
    fill(d, "Beskrivelse (nævn ikke beboere)", "a man asked about a resident by name")
    seq = b.last_seq()
    click(d, "form.card button[type=submit]")
    row = b.wait_journal("enquiry.recorded", after=seq)
    assert row["detail"]["security"] is True
    # A chip enrolled at a reader, by presenting it on the sim; revoked.
    click(d, "#tab-chips")
    wait_css(d, "#enr-h")
    fill(d, "Beboer", "stay:%d" % stay)
    fill(d, "Læser", "office.reader")
    seq = b.last_seq()
    click(d, "form.card button[type=submit]")
    b.wait_journal("credential.enrol_armed", after=seq)
    b.present("office.reader", 4711, facility=3)
    row = b.wait_journal("credential.enrolled", after=seq)
    cid = row["detail"]["credential"]
    wait_css(d, "tr[data-chip='%d']" % cid)
    c.shot(d, "register-chips")
    seq = b.last_seq()
    click(d, "tr[data-chip='%d'] [data-act=revoke]" % cid)
    row = b.wait_journal("credential.revoked", after=seq)
    # Discharge (confirmed): her chips go with her.
    click(d, "#tab-stays")
    wait_css(d, "tr[data-stay='%d']" % stay)
    seq = b.last_seq()
    click(d, "tr[data-stay='%d'] [data-act=discharge]" % stay)
    d.switch_to.alert.accept()
    row = b.wait_journal("stay.discharged", after=seq)
    assert row["actor"] == "leder"
    wait_until(lambda: not css(d, "tr[data-stay='%d']" % stay), 5,
               "the stay gone from the list")


# -- every screen: both languages, axe-core, raw keys, screenshots --------------------

def test_catalogues_have_the_same_keys_and_no_empty_string():
    da = json.loads((CATALOGUES / "da.json").read_text())
    en = json.loads((CATALOGUES / "en.json").read_text())
    assert sorted(da) == sorted(en), set(da) ^ set(en)
    for cat in (da, en):
        for k, v in cat.items():
            assert isinstance(v, str) and v.strip(), k
            # The same placeholders in both languages.
            assert sorted(re.findall(r"\{\w+\}", da[k])) == \
                sorted(re.findall(r"\{\w+\}", en[k])), k
    # Every key the code names literally is in the catalogues.
    used = set()
    for p in (CONSOLE_DIR / "js").glob("*.js"):
        used |= set(re.findall(r'\bt\("([a-z0-9_.]*[a-z0-9_])"',
                               p.read_text()))
    assert used and not used - set(da), used - set(da)
    # Keys made from the daemon's codes (docs/mqtt.md): every code has its
    # sentence.
    families = {
        "door.phase": "locked released open held_warning held forced fault",
        "mode": "fire lockdown drill", "role": "staff management installer",
        "mode.name": "normal fire lockdown drill",
        "alarm.class": "forced held fault tamper fire panic duress overstay",
        "reason": "fire lockdown blocklisted no_agreement agreement_expired "
                  "outside_hours max_guests",
        "rc.kind": "fire drill", "rc.band": "0_2 3_5 6_9 10_17",
        "reg.roomtype": "single double",
        "reg.relation": "family friend professional other",
        "reg.outcome": "no_room not_target referred offered other "
                       "asked_about_resident",
        "error": "forbidden not_authorised bad_value missing_argument "
                 "not_found busy duplicate fire drill lockdown "
                 "fire_input_active denied reason_required ambiguous "
                 "checked_out ended occupied discharged names_resident "
                 "no_evacuation not_expected already_accounted "
                 "not_accounted journal_failed db_error failed bad_request "
                 "timeout",
    }
    for fam, codes in families.items():
        for code in codes.split():
            assert "%s.%s" % (fam, code) in da, (fam, code)


def raw_keys(d, keys):
    """Catalogue keys (or anything shaped like one) shown as text, and
    placeholders left unfilled."""
    prefixes = sorted({k.split(".")[0] for k in keys})
    body = text(d) + " " + " ".join(d.execute_script("""
        return [...document.querySelectorAll('[aria-label],[title],[placeholder]')]
          .map(e => (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || ''))"""))
    found = re.findall(r"\b(?:%s)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*\b" %
                       "|".join(map(re.escape, prefixes)), body)
    found += re.findall(r"\{[a-z_]+\}", body)
    return found


SCREENS = ["house", "visitors", "alarms", "rollcall", "register", "reports"]
REGISTER_TABS = ["stays", "guests", "blocklist", "enquiry", "chips"]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_screen_renders_in_both_languages_and_passes_axe(console, lang):
    c, b = console, console.b
    rose, _, _ = stays_and_guests(b)
    b.ok("guest.admit", door="front", guest="Karen Sørensen", stay=rose)
    b.ok("staff.on", login="leder")
    b.set_input("office.contact", 1)          # an alarm to list
    keys = json.loads((CATALOGUES / "da.json").read_text())
    problems = {}

    def check(d, name):
        time.sleep(0.3)                       # let live updates settle
        raw = raw_keys(d, keys)
        if raw:
            problems["%s raw keys" % name] = raw
        v = c.axe(d)
        if v:
            problems["%s axe" % name] = v
        if lang == "da":
            c.shot(d, name)

    for size in (DESKTOP, PHONE):
        d = c.open(size, lang=lang)
        check(d, "login")
        c.login(d, "leder")
        for screen in SCREENS:
            nav(d, screen)
            wait_until(lambda: "…" not in css(d, "main.main")[0].text, 10,
                       "the screen loaded")
            if screen == "register":
                for tab in REGISTER_TABS:
                    click(d, "#tab-" + tab)
                    wait_until(lambda: "…" not in css(d, "main.main")[0].text,
                               10, "the tab loaded")
                    check(d, "register-" + tab)
                continue
            if screen == "reports":
                click(d, "[data-act=occupancy]")
                wait_css(d, "#occupancy-table")
                check(d, "reports-occupancy")
                click(d, "[data-act=safety]")
                wait_css(d, "#safety-summary")
                check(d, "reports-safety")
                continue
            check(d, screen)
        nav(d, "house")
        ring(c)
        wait_css(d, "section.call input.call-name").send_keys("Karen Sørensen\n")
        wait_css(d, "[data-decision=allow]")
        check(d, "intercom")
        d.quit()
        c.drivers.remove(d)
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)
