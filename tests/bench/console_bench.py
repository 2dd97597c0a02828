#!/usr/bin/python3
"""make bench, the staff console (issue 12): the real chromium (headless)
on the console served by the real lighttpd, logged in over /mqtt to the
real Mosquitto, with the real husvagtd on the simulated building (the
same stack as tests/system/60_console_test.py, consolesite.py).

    HUSVAGT_BUILD=/abs/build /usr/bin/python3 tests/bench/console_bench.py

Figures:
 1. door contact change on the sim -> the door drawn changed in the page:
    room-101's contact toggled CHANGES times on the sim socket; the start
    is the wall clock read just before the sim op is sent, the end the
    page's own clock (performance.timeOrigin + performance.now(), in a
    MutationObserver callback as the DOM changes), both CLOCK_REALTIME on
    this machine; the page's offset against Python's clock is measured
    first (the sample with the shortest round trip of 50) and subtracted.
 2. intercom ring (front.intercom pressed on the sim) -> the call card in
    the DOM, the same way, RINGS times.
 3. first load: the bytes over the wire (compressed, headers included,
    resource timing transferSize) of everything the log-in page loads, and
    of the log-in screen being usable (the form drawn) from the start of
    navigation, median of LOADS fresh browsers; and log-in -> the house
    screen with every door drawn.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / "tests" / "system"))

from conftest import Building, press, wait_until  # noqa: E402
from consolesite import ALL_DAY, Console  # noqa: E402

CHANGES = 100
RINGS = 30
LOADS = 5


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def offset(d):
    """page clock - python clock, in ms, from the fastest of 50 probes."""
    best = None
    for _ in range(50):
        t0 = time.time() * 1000
        pt = d.execute_script("return performance.timeOrigin + performance.now()")
        t1 = time.time() * 1000
        if best is None or t1 - t0 < best[0]:
            best = (t1 - t0, pt - (t0 + t1) / 2)
    return best[1], best[0]


OBSERVE = """
window.__marks = [];
const read = () => { const e = document.getElementById('door-room-101');
                     return e ? e.dataset.open : null; };
let last = read();
new MutationObserver(() => {
  const now = performance.timeOrigin + performance.now();
  const v = read();
  if (v !== last) { last = v; window.__marks.push(['door', v, now]); }
  const c = document.querySelectorAll('section.call').length;
  if (c > (window.__calls || 0)) window.__marks.push(['call', c, now]);
  window.__calls = c;
}).observe(document.getElementById('app'), {subtree: true, childList: true,
                                             attributes: true});
"""


def main():
    tmp = Path(tempfile.mkdtemp(prefix="husvagt-console-bench-"))
    made = []

    def make_building(name="run", board=None, extra_conf="", start=True):
        b = Building(tmp / name, board=board, extra_conf=extra_conf)
        made.append(b)
        return b.start() if start else b

    c = Console(tmp, make_building, extra_conf=ALL_DAY)
    out = []
    try:
        b = c.b
        # 3. first load, in fresh browsers
        sizes, usable, login_ms = [], [], []
        for _ in range(LOADS):
            d = c.browser()
            d.get(c.url)
            wait_until(lambda: d.find_elements("css selector", "form.login input"), 10)
            # Everything the console loads: MQTT.js comes in behind the form.
            wait_until(lambda: d.execute_script("""return performance
                .getEntriesByType('resource').some(r => r.name.endsWith(
                'mqtt.esm.js') && r.responseEnd > 0)"""), 10, "MQTT.js")
            time.sleep(0.2)
            r = d.execute_script("""
              const nav = performance.getEntriesByType('navigation')[0];
              const res = performance.getEntriesByType('resource');
              return {bytes: nav.transferSize + res.reduce((a, x) => a + x.transferSize, 0),
                      decoded: nav.decodedBodySize + res.reduce((a, x) => a + x.decodedBodySize, 0),
                      files: res.length + 1};""")
            ready = d.execute_script("""
              const m = performance.getEntriesByType('mark').find(x => x.name === 'usable');
              return m ? m.startTime : null;""")
            sizes.append(r)
            usable.append(ready)
            t0 = time.monotonic()
            c.login(d, "anna")
            login_ms.append((time.monotonic() - t0) * 1000)
            d.quit()
            c.drivers.remove(d)
        s = sizes[0]
        out.append(("console first load, compressed (%d files; %d bytes "
                    "uncompressed)" % (s["files"], s["decoded"]),
                    "%.1f kB" % (s["bytes"] / 1000)))
        out.append(("console log-in screen usable from navigation start, "
                    "median of %d" % LOADS,
                    "%.0f ms" % statistics.median(usable)))
        out.append(("console log-in -> house screen with its doors, median "
                    "of %d (incl. selenium typing)" % LOADS,
                    "%.0f ms" % statistics.median(login_ms)))

        d = c.browser()
        d.get(c.url)
        wait_until(lambda: d.find_elements("css selector", "form.login input"), 10)
        c.login(d, "anna")
        off, rtt = offset(d)
        d.execute_script(OBSERVE)
        # 1. door changes
        lat = []
        for i in range(CHANGES):
            v = 1 - i % 2
            n = len(d.execute_script("return window.__marks"))
            t0 = time.time() * 1000
            b.set_input("room-101.contact", v)
            m = wait_until(lambda: [x for x in d.execute_script(
                "return window.__marks")[n:] if x[0] == "door"], 5,
                "door change %d" % i, interval=0.005)[0]
            assert m[1] == ("true" if v else "false"), m
            lat.append(m[2] - off - t0)
            time.sleep(0.05)
        out.append(("door contact on the sim -> shown in the console, "
                    "median (%d changes; clock offset probe rtt %.2f ms)" %
                    (CHANGES, rtt), "%.1f ms" % statistics.median(lat)))
        out.append(("door contact on the sim -> shown in the console, p99",
                    "%.1f ms" % pct(lat, 99)))
        # 2. intercom rings
        ring = []
        for i in range(RINGS):
            n = len(d.execute_script("return window.__marks"))
            t0 = time.time() * 1000
            press(b, "front.intercom")
            m = wait_until(lambda: [x for x in d.execute_script(
                "return window.__marks")[n:] if x[0] == "call"], 5,
                "call %d" % i, interval=0.005)[0]
            ring.append(m[2] - off - t0)
            d.execute_script("document.querySelectorAll('[data-act=dismiss]')"
                             ".forEach(b => b.click())")
            time.sleep(0.05)
        out.append(("intercom ring on the sim -> call card in the console, "
                    "median (%d rings)" % RINGS, "%.1f ms" % statistics.median(ring)))
        out.append(("intercom ring on the sim -> call card, p99",
                    "%.1f ms" % pct(ring, 99)))
    finally:
        c.cleanup()
        for b in made:
            b.stop()
    print()
    print("Staff console (HUSVAGT_BUILD=$BUILD /usr/bin/python3 "
          "tests/bench/console_bench.py)")
    w = max(len(a) for a, _ in out)
    for a, v in out:
        print("  %-*s  %s" % (w, a, v))


if __name__ == "__main__":
    main()
