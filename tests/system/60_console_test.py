"""The staff console (issue 12, docs/console.md) in a real browser:
Debian's chromium, headless, driven by python3-selenium, against the real
Mosquitto (TLS, ACL, the appliance's configuration from
husvagt-mqtt-setup), the real lighttpd (HTTPS, /mqtt proxied to the
loopback websockets listener) and the real husvagtd on the simulated
building (consolesite.py).  Each flow is checked on the building too: the
sim's lock outputs and the journal, not only the page.

Screenshots of every screen at desktop and phone size are written under
$BUILD/console-shots/."""

import json
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains

from conftest import (history_mark, lock_moves, rows_of, wait_released,
                      wait_until)
from consolesite import (CONSOLE_DIR, CSS, NOTHING, click,
                         console, css, nav, ring, stays_and_guests, storage,
                         text, wait_css, wait_text)  # noqa: F401 (fixture)

CATALOGUES = CONSOLE_DIR / "i18n"


# -- serving -----------------------------------------------------------------

def test_served_over_https_with_security_headers_and_nothing_cacheable(console):
    ctx = ssl.create_default_context(cafile=str(console.broker.ca_file))
    for path in ("", "js/app.js", "i18n/da.json", "vendor/mqtt.esm.js",
                 "config.json"):
        req = urllib.request.Request(console.url.replace("127.0.0.1", "localhost") + path,
                                     headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req, context=ctx) as r:
            h = r.headers
            assert r.status == 200, path
            assert h["Cache-Control"] == "no-store", path
            assert "default-src 'none'" in h["Content-Security-Policy"]
            assert "script-src 'self'" in h["Content-Security-Policy"]
            assert h["X-Content-Type-Options"] == "nosniff"
            assert h["Referrer-Policy"] == "no-referrer"
            assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
            if path.endswith(".js"):
                assert h["Content-Encoding"] == "gzip", path
    cfg = json.loads(urllib.request.urlopen(
        console.url.replace("127.0.0.1", "localhost") + "config.json",
        context=ctx).read())
    assert cfg == {"site": "villa", "idle_min": 15, "mqtt_path": "/mqtt"}
    # The manifest and the templates are not served.
    for path in ("vendor/MANIFEST",):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(console.url.replace("127.0.0.1", "localhost") + path,
                                   context=ctx)
        assert e.value.code == 403
    # Mosquitto's websockets listener is on loopback only.
    ss = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    ws = [l for l in ss.splitlines() if re.search(r":%d\s" % console.broker.ws_port, l)]
    assert ws and all("127.0.0.1" in l and "*:%d" % console.broker.ws_port not in l
                      for l in ws), ws


# -- log-in, idle log-out, log-out -------------------------------------------------

def test_login_wrong_password_logout_leaves_nothing(console):
    c, b = console, console.b
    rose, _, _ = stays_and_guests(b)
    d = c.open()
    c.shot(d, "login")
    # The first load: everything the page fetched, compressed, headers
    # included, under 150 kB (the console serves no-store: no cache helps).
    wait_until(lambda: d.execute_script("""return performance
        .getEntriesByType('resource').some(r => r.name.endsWith(
        'mqtt.esm.js') && r.responseEnd > 0)"""), 10, "MQTT.js loaded")
    time.sleep(0.2)
    loaded = d.execute_script("""
        const n = performance.getEntriesByType('navigation')[0];
        return n.transferSize + performance.getEntriesByType('resource')
          .reduce((a, x) => a + x.transferSize, 0);""")
    assert 50000 < loaded < 150000, loaded
    c.login(d, "anna", "not-her-password", wait=False)
    wait_until(lambda: css(d, "#login-msg") and
                     css(d, "#login-msg")[0].text.startswith("Forkert"), 15,
                     "the wrong-password message")
    assert css(d, "#login-msg")[0].text == json.loads(
        (CATALOGUES / "da.json").read_text())["login.wrong"]
    assert not css(d, "#logout")
    # The password field was emptied; nothing is kept.
    assert css(d, "input[name=password]")[0].get_attribute("value") == ""
    c.login(d, "anna")
    # A visitor inside, so that names are on the screen.
    b.ok("guest.admit", door="front", guest="Karen Sørensen", stay=rose)
    nav(d, "visitors")
    wait_text(d, "Karen Sørensen")
    assert "Rose" in text(d)
    assert storage(d) == NOTHING
    click(d, "#logout")
    wait_css(d, "form.login")
    wait_text(d, "Du er logget ud.")
    html = d.page_source
    for name in ("Karen", "Sørensen", "Rose", "anna"):
        assert name not in html, name
    assert storage(d) == NOTHING
    # The broker saw the console's own login, over the websockets listener.
    assert re.search(r"New client connected from \S+ as console-anna-",
                     console.broker.log.read_text())


def test_idle_logout(console):
    c = console
    c.set_idle(0.05)        # 3 seconds
    d = c.open()
    c.login(d, "anna")
    wait_css(d, "form.login", timeout=15)
    wait_text(d, "uden aktivitet")
    assert "anna" not in d.page_source


# -- the house now --------------------------------------------------------------

def test_door_opened_on_the_sim_shows_and_release_moves_the_lock(console):
    c, b = console, console.b
    d = c.open()
    c.login(d, "anna")
    wait_css(d, "#door-office[data-phase=locked]")
    b.set_input("office.contact", 1)
    wait_css(d, "#door-office[data-phase=forced]", what="office forced")
    wait_css(d, "#mode-banner, #nav-alarms .count")
    b.set_input("office.contact", 0)
    seq, mark = b.last_seq(), history_mark(b)
    click(d, "#door-garden button[data-act=release]")
    wait_released(b, "garden")
    assert lock_moves(b, mark, "garden")
    row = b.wait_journal("door.commanded", after=seq, point="garden")
    assert row["actor"] == "anna" and row["detail"].get("via") == "mqtt"
    wait_css(d, "#door-garden[data-phase=released]")
    c.shot(d, "house")
    click(d, "#door-garden button[data-act=lock]")
    wait_released(b, "garden", False)
    wait_css(d, "#door-garden[data-phase=locked]")


def test_lockdown_duty_and_a_drill_from_the_console(console):
    c, b = console, console.b
    stays_and_guests(b)
    d = c.open()
    c.login(d, "anna")
    # Staff clock themselves in and out.
    seq = b.last_seq()
    click(d, "[data-act=duty-on]")
    row = b.wait_journal("staff.on_duty", after=seq)
    assert row["actor"] == "anna" and row["subject"] == "staff:anna"
    wait_css(d, "[data-act=duty-off]")
    # A lockdown, confirmed, with the banner on every screen; then lifted.
    assert not css(d, "[data-act=drill-start]")       # management only
    seq = b.last_seq()
    click(d, "[data-act=lockdown]")
    d.switch_to.alert.accept()
    row = b.wait_journal("mode.changed", after=seq)
    assert row["actor"] == "anna" and row["detail"]["to"] == "lockdown"
    wait_css(d, "#mode-banner.mode-lockdown")
    c.shot(d, "house-lockdown")
    click(d, "[data-act=lift]")
    wait_until(lambda: b.ok("mode.status")["mode"] == "normal", 5, "lifted")
    wait_until(lambda: not css(d, "#mode-banner"), 5, "the banner gone")
    # Management starts a drill: the roll call opens by itself, on the
    # manager's screen and on anna's.
    d2 = c.open()
    c.login(d2, "leder")
    seq = b.last_seq()
    click(d2, "[data-act=drill-start]")
    d2.switch_to.alert.accept()
    b.wait_journal("evacuation.started", after=seq)
    for x in (d, d2):
        wait_css(x, "#nav-rollcall[aria-current=page]")
        wait_css(x, "#mode-banner.mode-drill")
        wait_css(x, "button.rc-item[data-who='staff:anna']")
    click(d, "button.rc-item[data-who='staff:anna']")
    row = b.wait_journal("evacuation.accounted", after=seq)
    assert row["actor"] == "anna" and row["detail"]["who"] == "staff:anna"
    wait_css(d2, "button.rc-item[data-who='staff:anna'][aria-pressed=true]")
    # A second tap takes it back.
    seq = b.last_seq()
    click(d, "button.rc-item[data-who='staff:anna']")
    row = b.wait_journal("evacuation.unaccounted", after=seq)
    assert row["actor"] == "anna" and row["detail"]["who"] == "staff:anna"
    wait_css(d2, "button.rc-item[data-who='staff:anna'][aria-pressed=false]")


# -- the intercom -----------------------------------------------------------------

def test_intercom_agreed_guest_admitted_with_the_keyboard_alone(console):
    c, b = console, console.b
    rose, _, _ = stays_and_guests(b)
    d = c.open()
    c.login(d, "anna")
    ring(c)
    card = wait_css(d, "section.call[data-door=front]")
    # The card takes the focus: type the name, Enter looks her up, the
    # admit button gets the focus, Enter lets her in.
    wait_until(lambda: d.switch_to.active_element.get_attribute("class") ==
               "call-name", 5, "focus on the name field")
    c.shot(d, "intercom-call")
    seq, mark = b.last_seq(), history_mark(b)
    ActionChains(d).send_keys("karen sorensen", Keys.ENTER).perform()
    wait_css(d, "[data-decision=allow]")
    assert "Rose" in card.text
    wait_until(lambda: d.switch_to.active_element.get_attribute("data-act")
               == "admit", 5, "focus on admit")
    c.shot(d, "intercom-allow")
    ActionChains(d).send_keys(Keys.ENTER).perform()
    wait_css(d, "[data-outcome=admitted]")
    wait_released(b, "front")
    assert lock_moves(b, mark, "front")
    row = b.wait_journal("visit.admitted", after=seq, point="front")
    assert row["actor"] == "anna" and row["detail"]["stay"] == rose
    assert row["detail"]["override"] is False
    assert b.ok("guest.inside")["count"] == 1
    ActionChains(d).send_keys(Keys.ENTER).perform()   # Done
    wait_until(lambda: not css(d, "section.call"), 5, "the card closed")


def test_intercom_blocklisted_refused_with_no_override(console):
    c, b = console, console.b
    stays_and_guests(b)
    d = c.open()
    c.login(d, "anna")
    ring(c)
    wait_css(d, "section.call input.call-name").send_keys("JORGEN HANSEN\n")
    wait_css(d, "[data-decision=deny]")
    assert css(d, "[data-reason=blocklisted]")
    assert not css(d, "[data-act=override]") and not css(d, "[data-act=admit]")
    assert "spærret" in text(d)
    c.shot(d, "intercom-blocklisted")
    seq, mark = b.last_seq(), history_mark(b)
    click(d, "[data-act=refuse]")
    wait_css(d, "[data-outcome=refused]")
    row = b.wait_journal("visit.refused", after=seq, point="front")
    assert "blocklisted" in row["detail"]["reasons"]
    assert not lock_moves(b, mark, "front")


def test_intercom_house_rule_overridden_with_a_reason(console):
    c, b = console, console.b
    rose, lilje, _ = stays_and_guests(b)
    d = c.open()
    c.login(d, "anna")
    ring(c)
    # Her agreement's hours are not now: outside_hours, a house rule staff
    # may set aside with a written reason.
    b.ok("guest.agree", stay=lilje, guest="Mette Holm",
         relation="professional", windows="mon-sun 03:00-03:01")
    wait_css(d, "section.call input.call-name").send_keys("Mette Holm\n")
    wait_css(d, "[data-decision=deny]")
    assert css(d, "[data-reason=outside_hours]")
    assert "udenfor besøgstid" in text(d)
    seq, mark = b.last_seq(), history_mark(b)
    click(d, "[data-act=override]")
    wait_text(d, "Skriv en begrundelse først.")
    assert not rows_of(b, "visit.admitted", after=seq)
    d.find_element(CSS, "textarea.call-reason").send_keys(
        "caseworker came early for a meeting")
    c.shot(d, "intercom-override")
    click(d, "[data-act=override]")
    wait_css(d, "[data-outcome=admitted]")
    wait_released(b, "front")
    assert lock_moves(b, mark, "front")
    row = b.wait_journal("visit.admitted", after=seq, point="front")
    assert row["detail"]["override"] is True
    assert row["detail"]["reasons"] == ["outside_hours"]
    assert row["actor"] == "anna"


def test_a_ring_during_an_outage_and_a_call_answered_elsewhere(console):
    c, b = console, console.b
    rose, _, _ = stays_and_guests(b)
    d = c.open()
    c.login(d, "anna")
    d2 = c.open()
    c.login(d2, "birgit")
    # The broker is down while someone rings: the card comes when the
    # console is back (read from the journal), once.
    c.broker.stop()
    wait_css(d, "[data-conn=offline]", 15)
    ring(c)
    c.broker.start()
    wait_css(d, "[data-conn=online]", 20)
    wait_css(d, "section.call[data-door=front]", 20)
    wait_css(d2, "section.call[data-door=front]", 15)
    time.sleep(1)
    assert len(css(d, "section.call")) == 1
    # anna answers; birgit's card goes away by itself.
    wait_css(d, "section.call input.call-name").send_keys("Karen Sørensen\n")
    click(d, "[data-act=admit]")
    wait_css(d, "[data-outcome=admitted]")
    wait_until(lambda: not css(d2, "section.call"), 10, "birgit's card gone")
    assert css(d, "section.call [data-outcome=admitted]")


# -- roles --------------------------------------------------------------------------

def test_staff_sees_no_management_buttons_management_sees_reports(console):
    c, b = console, console.b
    stays_and_guests(b)
    b.set_input("office.contact", 1)          # forced: in the safety report
    b.set_input("office.contact", 0)
    d = c.open()
    c.login(d, "anna")
    assert not css(d, "#nav-reports")
    nav(d, "register")
    wait_css(d, "table#stays")
    assert not css(d, "#tab-chips")
    click(d, "#tab-blocklist")
    wait_css(d, "table#blocked")
    assert not css(d, "[data-act=unblock]")
    # A crafted publish by that role, from the page's own module, is
    # still refused by the daemon (and journalled as command.refused).
    seq = b.last_seq()
    r = d.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('./vendor/mqtt.esm.js').then(({default: mqtt}) => {
          const c = mqtt.connect('wss://' + location.host + '/mqtt',
            {protocolVersion: 5, username: 'anna', password: arguments[0],
             clientId: 'anna-crafted', timerVariant: 'native'});
          c.on('connect', () => {
            c.subscribe('husvagt/villa/reply/anna/#', {qos: 1}, () => {
              c.publish('husvagt/villa/cmd/anna/guest.unblock',
                        JSON.stringify({id: 'crafted', args: {id: 1}}), {qos: 1});
            });
          });
          c.on('message', (t, p) => { c.end(true); done(JSON.parse(new TextDecoder().decode(p))); });
        });""", c.site.password["anna"])
    assert r["ok"] is False and r["error"] == "forbidden", r
    assert b.ok("guest.blocked")["blocked"]
    row = b.wait_journal("command.refused", after=seq)
    assert row["actor"] == "anna"
    d2 = c.open()
    c.login(d2, "leder")
    nav(d2, "reports")
    click(d2, "[data-act=occupancy]")
    wait_css(d2, "#occupancy-table tbody tr")
    wait_css(d2, "figure.chart svg rect")
    c.shot(d2, "reports-occupancy")
    click(d2, "[data-act=safety]")
    wait_css(d2, "#safety-summary")
    assert css(d2, "[data-act=download]")[0].get_attribute("download").endswith(".json")
    assert css(d2, "[data-act=download-html]")[0].get_attribute("download").endswith(".html")
    # The report is the building's: the office door forced above.
    assert "office" in css(d2, "#safety-doors")[0].text
    assert css(d2, "#safety-alarms")
    c.shot(d2, "reports-safety")
    nav(d2, "register")
    wait_css(d2, "#tab-chips")
    click(d2, "#tab-blocklist")
    wait_css(d2, "[data-act=unblock]")
    # The installer: the doors and the alarms, nothing about people.
    d3 = c.open()
    c.login(d3, "installer")
    assert "(installatør)" in text(d3)
    assert [e.get_attribute("id") for e in css(d3, "nav a")] == \
        ["nav-house", "nav-alarms"]
    assert css(d3, "#door-office [data-act=release]")
    assert not css(d3, "[data-act=duty-on], [data-act=lockdown]")
