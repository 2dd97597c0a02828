"""Nothing committed is lost (DESIGN 11.4): the journal is the MQTT
outbox.  A broker outage during 10,000 events, and a kill -9 of husvagtd
during an event flood, both end with a subscriber that has every seq, in
order, no gap -- duplicates allowed, a consumer de-duplicates by seq.

The subscriber keeps a persistent session (clean_start=False, session
expiry) on a broker with persistence, so that what husvagtd publishes
while the subscriber is still reconnecting is queued for it: the test
does not race the two reconnections."""

import json
import signal
import threading
import time

from conftest import wait_until
from mqttsite import MqttSite, broker, first_seen, flood  # noqa: F401

OUTAGE_EVENTS = 10000


def persistent_watcher(s, name):
    w = s.broker.all_seeing_client(client_id="all_seeing-watch-" + name,
                                   clean_start=False, session_expiry=3600)
    assert w.sub(s.root + "/event") == [1]
    return w


def wait_seen(w, s, last, timeout):
    """Until the watcher has seen seq last; returns its events."""
    def done():
        ev = s.events(w)
        return ev if any(e["seq"] == last for e in ev) else None
    return wait_until(done, timeout, "event seq %d" % last, interval=0.2)


def check_stream(events, journal, first, last):
    """Every seq first..last, first seen in order, each as journalled."""
    seqs = [e["seq"] for e in events if first <= e["seq"] <= last]
    assert first_seen(e for e in events
                      if first <= e["seq"] <= last) == list(
        range(first, last + 1)), "gap or reordering"
    rows = {r["seq"]: r for r in journal}
    bad = [e for e in events if first <= e["seq"] <= last and
           e != rows[e["seq"]]]
    assert bad == [], bad[:3]
    return len(seqs) - (last - first + 1)     # duplicates seen


def journal_all(b):
    rows, after = [], 0
    while True:
        page = b.journal(after=after, limit=10000)
        if not page:
            return rows
        rows += page
        after = page[-1]["seq"]


def test_broker_outage_with_10000_events(broker, make_building):
    s = MqttSite(broker, make_building)
    s.wait_online()
    w = persistent_watcher(s, "outage")
    s.b.ok("door.lock", door="office")      # one event w is there for
    seq0 = s.b.last_seq()
    wait_seen(w, s, seq0, 10)
    broker.stop()                      # persistence keeps w's session
    t0 = time.monotonic()
    flood(s.b, OUTAGE_EVENTS)
    seq1 = s.b.last_seq()
    assert seq1 - seq0 >= OUTAGE_EVENTS
    made = time.monotonic() - t0
    # Access goes on while the broker is away.
    s.b.ok("door.release", door="office")
    seq1 = s.b.last_seq()
    broker.start()
    events = wait_seen(w, s, seq1, 120)
    dup = check_stream(events, journal_all(s.b), seq0 + 1, seq1)
    print("%d events made in %.1f s during the outage, %d duplicates" % (
        seq1 - seq0, made, dup))
    assert s.b.ok("journal.verify")["ok"]


def test_kill_9_during_a_flood(broker, make_building):
    s = MqttSite(broker, make_building, start=False)
    w = persistent_watcher(s, "crash")
    s.b.start()
    errors = []

    def run():
        try:
            flood(s.b, 5000)
        except (OSError, ConnectionError, AssertionError) as e:
            errors.append(e)          # the daemon died under it
    t = threading.Thread(target=run)
    t.start()
    wait_until(lambda: len(s.events(w)) > 300, 20, "events flowing")
    s.b.stop(signal.SIGKILL)
    t.join(60)
    assert errors, "the flood outlived the daemon"
    before = s.b.proc.returncode
    assert before == -signal.SIGKILL
    s.b.start()
    v = s.b.ok("journal.verify")
    assert v["ok"], v
    s.b.ok("door.release", door="office")
    last = s.b.last_seq()
    events = wait_seen(w, s, last, 60)
    dup = check_stream(events, journal_all(s.b), 1, last)
    types = [e["type"] for e in events]
    assert types.count("system.started") >= 2
    print("%d events, %d duplicates after kill -9" % (last, dup))


def test_kill_9_while_the_broker_is_down(broker, make_building):
    """The acknowledged seq in the database is never ahead of the broker:
    rows committed while the broker was away and the daemon then killed
    are all published by the next daemon."""
    s = MqttSite(broker, make_building, start=False)
    w = persistent_watcher(s, "both")
    s.b.start()
    s.wait_online()
    broker.stop()
    flood(s.b, 500)
    s.b.stop(signal.SIGKILL)
    broker.start()
    s.b.start()
    last = s.b.last_seq()
    events = wait_seen(w, s, last, 60)
    check_stream(events, journal_all(s.b), 1, last)


def set_daemon_writes(broker, lines):
    """Replace husvagtd's write rules in the broker's ACL and reload it."""
    import os
    old = "topic write %s/#" % broker.root
    text = broker.acl_path.read_text()
    if lines is None:
        new = old
        for marker in ("topic write %s/status" % broker.root,):
            start = text.index(marker)
            end = text.index("\n\n", start)
            text = text[:start] + new + text[end:]
    else:
        text = text.replace(old, "\n".join(lines), 1)
    tmp = broker.acl_path.with_suffix(".tmp")
    tmp.write_text(text)
    broker._fix_modes(tmp)
    os.rename(tmp, broker.acl_path)
    broker.reload()


def test_a_refused_event_is_offered_again_not_skipped(broker, make_building):
    """The broker's ACL refuses the event topic (PUBACK 135): husvagtd does
    not skip the row; once the ACL is fixed every row arrives in order."""
    s = MqttSite(broker, make_building, start=False)
    w = s.watch(s.root + "/event")
    s.b.start()
    s.wait_online()
    set_daemon_writes(broker, ["topic write %s/%s" % (broker.root, t)
                               for t in ("status", "state/#", "reply/#")])
    seq = s.b.last_seq()
    s.b.ok("door.release", door="office")
    s.b.ok("door.lock", door="office")
    wait_until(lambda: "refused event seq %d" % (seq + 1) in
               s.b.log.read_text(), 10, "the refusal in the log")
    assert not [e for e in s.events(w) if e["seq"] > seq]
    set_daemon_writes(broker, None)
    last = s.b.last_seq()
    events = wait_seen(w, s, last, 60)
    check_stream(events, journal_all(s.b), 1, last)
