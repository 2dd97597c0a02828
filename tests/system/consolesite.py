"""The staff console under test: a real Mosquitto with the appliance's
configuration and its loopback websockets listener, the real lighttpd
serving tools/console/ over HTTPS with the broker's certificate and
proxying /mqtt (both configured by tools/husvagt-mqtt-setup from
firmware/), the real husvagtd on the simulated building bridged to the
broker, and Debian's chromium, headless, driven by python3-selenium.

    from consolesite import console, Console      # console: fixture

    c = console                  a started Console
        c.site                   mqttsite.MqttSite (c.site.b: the Building)
        c.url                    https://127.0.0.1:PORT/
        c.browser(w, h)          a fresh chromium (own profile folder)
        c.login(d, login)        log in through the page's form
        c.shot(d, name)          a screenshot under $BUILD/console-shots/
        c.axe(d)                 axe-core's serious/critical violations
        c.set_idle(minutes)      the site's idle log-out (console.json)

Page helpers for the tests (d: a selenium driver): css, text, wait_css,
wait_text, click (again when a live update redrew the element), nav (to a
screen), fill (a field by its label), storage (everything the page could
have left in the browser); stays_and_guests(b) (the demo register), ring(c)
(the front intercom, waiting for intercom.call).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from conftest import BUILD, TOP, press, wait_until
from mqttbroker import Broker, free_port
from mqttsite import MqttSite

LIGHTTPD = "/usr/sbin/lighttpd"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
CONSOLE_DIR = TOP / "tools" / "console"
SHOTS = BUILD / "console-shots"
DESKTOP = (1280, 900)
PHONE = (390, 844)


class Console:
    def __init__(self, tmp_path, make_building, extra_conf=""):
        self.tmp = tmp_path
        self.web_port = free_port()
        self.web_dir = Path(tempfile.mkdtemp(prefix="husvagt-web-", dir="/tmp"))
        os.chmod(self.web_dir, 0o755)
        self.broker = Broker(tmp_path / "broker", web=[
            "--web-port", str(self.web_port), "--web-bind", "127.0.0.1",
            "--web-pid-file", str(self.web_dir / "lighttpd.pid"),
            "--web-log-file", str(self.web_dir / "lighttpd.log"),
            "--console-dir", str(CONSOLE_DIR)])
        self.site = MqttSite(self.broker, make_building, extra_conf=extra_conf)
        self.b = self.site.b
        self.site.wait_online()
        self.web_conf = self.broker.dir / "lighttpd.conf"
        self.web = None
        self.start_web()
        self.url = "https://127.0.0.1:%d/" % self.web_port
        self.drivers = []

    def start_web(self):
        self.web = subprocess.Popen([LIGHTTPD, "-D", "-f", str(self.web_conf)],
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.STDOUT)

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.web_port), 0.2).close()
                return True
            except OSError:
                assert self.web.poll() is None, "lighttpd exited"
                return False
        wait_until(up, 10, "lighttpd listening")

    def set_idle(self, minutes):
        p = self.broker.dir / "console.json"
        cfg = json.loads(p.read_text())
        cfg["idle_min"] = minutes
        p.write_text(json.dumps(cfg))

    # -- the browser -------------------------------------------------------
    def browser(self, size=DESKTOP):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        prof = Path(tempfile.mkdtemp(prefix="husvagt-chromium-", dir="/tmp"))
        o = webdriver.ChromeOptions()
        o.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-quic", "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                  "--user-data-dir=%s" % prof,
                  "--window-size=%d,%d" % size):
            o.add_argument(a)
        o.accept_insecure_certs = True   # the appliance's own CA
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
        d.set_window_size(*size)
        d._profile = prof
        self.drivers.append(d)
        return d

    def open(self, size=DESKTOP, lang=None):
        d = self.browser(size)
        d.get(self.url + ("?lang=%s" % lang if lang else ""))
        wait_until(lambda: d.find_elements("css selector", "form.login input"),
                   10, "the log-in form")
        return d

    def login(self, d, login="anna", password=None, wait=True):
        from selenium.webdriver.common.by import By
        user = d.find_element(By.CSS_SELECTOR, "input[name=username]")
        user.clear()
        user.send_keys(login)
        d.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(
            password if password is not None else self.site.password[login])
        d.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
        if wait:
            wait_until(lambda: d.find_elements(By.ID, "logout"), 15,
                       "the console after log-in")
            wait_until(lambda: d.find_elements(By.CSS_SELECTOR, "#doors li.door"),
                       10, "the doors")

    def shot(self, d, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        w = d.execute_script("return window.innerWidth")
        kind = "phone" if w < 700 else "desktop"
        p = SHOTS / ("%s-%s.png" % (name, kind))
        # The whole page, not only the window.
        h = d.execute_script("return document.documentElement.scrollHeight")
        d.set_window_size(d.get_window_size()["width"], max(h + 140, 600))
        d.save_screenshot(str(p))
        return p

    def axe(self, d):
        """axe-core (the pinned copy the console serves) run in the page;
        returns the serious and critical violations."""
        d.execute_script("""
            if (!window.axe) {
              const s = document.createElement('script');
              s.src = 'vendor/axe.min.js'; document.head.append(s);
            }""")
        wait_until(lambda: d.execute_script("return !!window.axe"), 10,
                   "axe-core loaded")
        res = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']})
               .then(r => done(r.violations.map(v => ({id: v.id,
                   impact: v.impact, help: v.help,
                   nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))
               .catch(e => done([{id: 'axe-error', impact: 'critical',
                                  help: String(e)}]));""")
        return [v for v in res if v["impact"] in ("serious", "critical")]

    def cleanup(self):
        for d in self.drivers:
            try:
                d.quit()
            except Exception:
                pass
            shutil.rmtree(d._profile, ignore_errors=True)
        if self.web and self.web.poll() is None:
            self.web.send_signal(signal.SIGTERM)
            try:
                self.web.wait(10)
            except subprocess.TimeoutExpired:
                self.web.kill()
        try:
            shutil.copy(self.web_dir / "lighttpd.log", self.tmp / "lighttpd.log")
        except OSError:
            pass
        shutil.rmtree(self.web_dir, ignore_errors=True)
        self.broker.cleanup()


CSS = By.CSS_SELECTOR


def css(d, sel):
    return d.find_elements(CSS, sel)


def text(d):
    return d.find_element(CSS, "body").text


def wait_css(d, sel, timeout=10, what=None):
    return wait_until(lambda: css(d, sel), timeout, what or sel)[0]


def wait_text(d, needle, timeout=10):
    return wait_until(lambda: needle in text(d), timeout, repr(needle))


def click(d, sel, timeout=10):
    """Click the first visible, enabled match; again when a live update
    redrew it in between."""
    from selenium.common.exceptions import StaleElementReferenceException
    end = time.monotonic() + timeout
    while True:
        try:
            el = wait_until(lambda: [e for e in css(d, sel) if e.is_displayed()
                                     and e.is_enabled()], timeout, sel)[0]
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
            el.click()
            return el
        except StaleElementReferenceException:
            if time.monotonic() > end:
                raise


def nav(d, screen):
    click(d, "#nav-" + screen)
    wait_css(d, "#nav-%s[aria-current=page]" % screen)


def storage(d):
    """Everything the page could have left in the browser."""
    return d.execute_async_script("""
        const done = arguments[arguments.length - 1];
        (async () => {
          const out = {local: localStorage.length, session: sessionStorage.length,
                       cookie: document.cookie, idb: [], caches: []};
          try { out.idb = (await indexedDB.databases()).map(x => x.name); } catch (e) {}
          try { out.caches = await caches.keys(); } catch (e) {}
          done(out);
        })();""")


NOTHING = {"local": 0, "session": 0, "cookie": "", "idb": [], "caches": []}


def stays_and_guests(b):
    """Rose in 101 with two small children, Lilje in 103, Iris in 204
    needing help; Karen Sørensen agreed for Rose, Jørgen Hansen
    blocklisted."""
    rose = b.ok("stay.admit", alias="Rose", room="101", children_0_2=1,
                children_3_5=1)["stay"]
    lilje = b.ok("stay.admit", alias="Lilje", room="103")["stay"]
    iris = b.ok("stay.admit", alias="Iris", room="204",
                needs_help=True)["stay"]
    b.ok("guest.agree", stay=rose, guest="Karen Sørensen",
         relation="family")
    b.ok("guest.block", name="Jørgen Hansen",
         description="never admit")
    return rose, lilje, iris


def ring(c, door="front"):
    seq = c.b.last_seq()
    press(c.b, door + ".intercom")
    c.b.wait_journal("intercom.call", after=seq, point=door)



def fill(d, label, value, within=None):
    """Type into the field whose label reads label."""
    root = within or d
    lab = [l for l in root.find_elements(CSS, "label") if l.text == label][0]
    el = d.find_element(By.ID, lab.get_attribute("for"))
    if el.tag_name == "select":
        from selenium.webdriver.support.ui import Select
        Select(el).select_by_value(value)
    else:
        el.clear()
        el.send_keys(value)
    return el


# Visiting hours all day, so that the hour the tests run at does not
# decide an evaluation (53_guests_test.py does the same).
ALL_DAY = "[guests]\nvisiting_hours = mon-sun 00:00-24:00\n"


@pytest.fixture
def console(tmp_path, make_building):
    c = Console(tmp_path, make_building, extra_conf=ALL_DAY)
    yield c
    c.cleanup()
