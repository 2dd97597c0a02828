"""The regional intake view (tools/console/region.html, docs/regional.md)
in a real browser -- Debian's chromium, headless, driven by
python3-selenium -- served by the real lighttpd with the regional
broker's certificate, against the regional Mosquitto's websockets
listener, which three buildings bridge their vacancy to (regionsite.py):
every house in one table, most free places first, each figure's age, and
a clear mark on a house whose bridge is down."""

import json
import shutil
import ssl
import urllib.request

import pytest

from conftest import wait_until
from consolesite import DESKTOP, PHONE, Console, css, text
from regionsite import Region

EVERY = 4


@pytest.fixture
def region(tmp_path, make_building):
    g = Region(tmp_path, make_building, sites=("a", "b", "c"),
               intake=("desk",), web=True,
               extra_conf="[vacancy]\ninterval = %ds\n" % EVERY)
    # The browser helpers of the staff console's tests.
    g.browsers = Console.__new__(Console)
    g.browsers.drivers = []
    yield g
    for d in g.browsers.drivers:
        try:
            d.quit()
        except Exception:
            pass
        shutil.rmtree(d._profile, ignore_errors=True)
    g.cleanup()


def rows(d):
    return d.execute_script("""return [...document.querySelectorAll(
        '#houses tbody tr')].map(r => [r.dataset.house, r.dataset.bridge,
        r.cells[1].textContent, r.cells[5].textContent,
        r.querySelectorAll('.stale').length, r.className])""")


def login(d, g, lang="da"):
    d.get(g.url + "?lang=" + lang)
    wait_until(lambda: css(d, "form.login input"), 10, "the log-in form")
    css(d, "input[name=username]")[0].send_keys("desk")
    css(d, "input[name=password]")[0].send_keys(g.region.password("desk"))
    css(d, "form.login button[type=submit]")[0].click()
    wait_until(lambda: css(d, "#houses"), 15, "the table after log-in")


def test_houses_by_free_places_with_age_and_stale_mark(region):
    g = region
    # Served over HTTPS with the region's certificate, region.html as the
    # index (one set-up for the whole file: a region takes seconds).
    ctx = ssl.create_default_context(cafile=str(g.region.ca_file))
    url = g.url.replace("127.0.0.1", "localhost")
    with urllib.request.urlopen(url, context=ctx) as r:
        assert b"js/region.js" in r.read()
        assert r.headers["Cache-Control"] == "no-store"
    cfg = json.loads(urllib.request.urlopen(url + "config.json",
                                            context=ctx).read())
    assert cfg == {"region": True, "mqtt_path": "/mqtt"}
    # a: two rooms taken, c: one; b has the most free places.
    g.sites["a"].b.ok("stay.admit", alias="Anna", room="101", adults=1)
    g.sites["a"].b.ok("stay.admit", alias="Bodil", room="103", adults=1)
    g.sites["c"].b.ok("stay.admit", alias="Cecilie", room="104", adults=1)
    d = g.browsers.browser(DESKTOP)
    login(d, g)
    want = [["b", "up", "16"], ["c", "up", "15"], ["a", "up", "13"]]
    wait_until(lambda: [r[:3] for r in rows(d)] == want, 3 * EVERY,
               "the houses by free places")
    assert all(r[4] == 0 and "bad" not in r[5] for r in rows(d))
    assert all("min" in r[3] for r in rows(d))      # "for 0 min siden"
    assert "Forbundet til den regionale broker." in text(d)
    for name in ("Anna", "Bodil", "Cecilie", "101", "stay"):
        assert name not in d.page_source, name
    assert not g.browsers.axe(d)

    # b's building broker stops: b is marked, its figure kept with its age.
    g.brokers["b"].stop()
    wait_until(lambda: rows(d)[0][1] == "down", 10, "b marked down")
    r = rows(d)[0]
    assert r[0] == "b" and r[2] == "16" and r[4] == 1 and "bad" in r[5], r
    assert "Forbindelse afbrudt" in text(d)
    assert all(x[4] == 0 for x in rows(d)[1:])
    assert not g.browsers.axe(d)
    g.browsers.shot(d, "region-stale")
    # English, on a phone.
    p = g.browsers.browser(PHONE)
    login(p, g, "en")
    wait_until(lambda: any(x[1] == "down" for x in rows(p)), 10,
               "b down in the second browser")
    assert "Link down" in text(p) and "Free places" in text(p)
    assert not g.browsers.axe(p)
    g.browsers.shot(p, "region-stale-en")
    p.quit()
    g.browsers.drivers.remove(p)
    shutil.rmtree(p._profile, ignore_errors=True)

    # Started again: fresh, and the mark is gone.
    g.brokers["b"].start()
    wait_until(lambda: rows(d)[0][1] == "up" and rows(d)[0][4] == 0, 15,
               "b up again")
    assert "Forbindelse afbrudt" not in text(d)
