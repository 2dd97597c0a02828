"""The roll call in the staff console on a phone-sized window (390 x 844),
through a broker outage: taps made while offline are sent when the
connection is back, and nothing is counted twice (consolesite.py)."""

from conftest import rows_of, wait_until
from consolesite import (PHONE, click, console, css, stays_and_guests, text,
                         wait_css)  # noqa: F401 (fixture)


# -- the roll call ------------------------------------------------------------------

def test_roll_call_on_a_phone_through_a_broker_outage(console):
    c, b = console, console.b
    rose, lilje, iris = stays_and_guests(b)
    b.ok("guest.admit", door="front", guest="Karen Sørensen", stay=rose)
    b.ok("staff.on", login="anna")
    d = c.open(PHONE)
    c.login(d, "anna")
    seq0 = b.last_seq()
    b.sim_ok("loop", point="fire", state="active")      # the fire panel
    b.wait_journal("evacuation.started", after=seq0)
    # The console switches to the roll call by itself.
    wait_css(d, "#nav-rollcall[aria-current=page]", 10)
    wait_css(d, "#mode-banner.mode-fire")
    wait_until(lambda: css(d, "button.rc-item"), 10, "items")
    items = d.execute_script("""return [...document.querySelectorAll(
        'button.rc-item')].map(e => [e.dataset.who, e.offsetWidth, e.offsetHeight])""")
    whos = sorted(w for w, _, _ in items)
    expected = b.ok("evac.status")["items"]
    assert whos == sorted(x["who"] for x in expected)
    assert len(whos) == 5      # 3 rooms, 1 visit, anna
    wait_css(d, "#rc-elapsed")
    assert "Rose" in text(d) and "Karen Sørensen" in text(d)
    # Large touch targets.
    for _, w, h in items:
        assert h >= 44 and w >= 300, items
    c.shot(d, "rollcall-fire")
    assert css(d, "#rc-unaccounted")[0].get_attribute("data-n") == "5"

    def tap(who):
        click(d, "button.rc-item[data-who='%s']" % who)

    tap(whos[0])
    tap(whos[1])
    wait_until(lambda: b.ok("evac.status")["unaccounted"] == 3, 10, "2 sent")
    # The Wi-Fi drops (here: the broker stops) in the middle.
    c.broker.stop()
    wait_css(d, "[data-conn=offline]", 15)
    for who in whos[2:]:
        tap(who)
    tap(whos[0])              # undone ...
    tap(whos[0])              # ... and done again, all offline
    wait_css(d, "#rc-offline")
    assert css(d, "#rc-unaccounted")[0].get_attribute("data-n") == "0"
    c.shot(d, "rollcall-offline")
    c.broker.start()
    wait_until(lambda: b.ok("evac.status")["unaccounted"] == 0, 30,
               "the offline taps sent")
    wait_css(d, "#rc-all-clear", 15)
    c.shot(d, "rollcall-all-clear")
    rows = rows_of(b, "evacuation.accounted", after=seq0)
    per = {}
    for r in rows:
        per[r["detail"]["who"]] = per.get(r["detail"]["who"], 0) + 1
    assert len(per) == 5 and all(n == 1 for n in per.values()), per
    assert not rows_of(b, "evacuation.unaccounted", after=seq0)
    assert len(rows_of(b, "evacuation.all_clear", after=seq0)) == 1
    assert b.ok("evac.status")["unaccounted"] == 0
