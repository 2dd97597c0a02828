"""The vacancy topic moves only at its publication times: an admission
and a departure change the figure at the next multiple of [vacancy]
interval, not before, and the figure says the time it was counted for;
a restart of husvagtd publishes the figure it had, not a fresh count;
[vacancy] children and child_ages are what the topic says about
children."""

import calendar
import json
import time

from conftest import wait_until
from mqttsite import MqttSite, broker  # noqa: F401

EVERY = 8


def as_of(v):
    return calendar.timegm(time.strptime(v["as_of"], "%Y-%m-%dT%H:%M:%SZ"))


def vacancies(w, root):
    return [(m.at, json.loads(m.payload)) for m in
            w.matching(lambda m: m.topic == root + "/vacancy")]


def quiet_start(every):
    """Wait until a publication time has just passed (so that an admission
    lands well inside an interval); the next one's wall time."""
    now = time.time()
    nxt = (int(now) // every + 1) * every
    if nxt - now < every - 1.5:
        time.sleep(nxt - now + 0.5)
        nxt += every
    return nxt


def test_admission_shows_at_the_next_interval(broker, make_building):
    s = MqttSite(broker, make_building,
                 extra_conf="[vacancy]\ninterval = %ds\nchildren = yes\n"
                 "child_ages = 2-12\n" % EVERY)
    s.wait_online()
    w = s.watch(s.root + "/vacancy")
    first = wait_until(lambda: vacancies(w, s.root), 5, "vacancy")[-1][1]
    assert first["child_ages"] == [2, 12] and first["free_places"] == 16
    assert as_of(first) % EVERY == 0

    nxt = quiet_start(EVERY)
    admitted = time.time()
    s.b.ok("stay.admit", alias="Anna Testesen", room="101", adults=1)
    s.b.ok("stay.admit", alias="Bente Testesen", room="103", adults=1)
    # Nothing new before the next publication time...
    time.sleep(max(0.0, nxt - time.time() - 0.3))
    early = [v for at, v in vacancies(w, s.root) if at >= admitted]
    assert all(v["free_places"] == 16 for v in early), early
    # ...and the new figure just after it, counted for that time.
    got = wait_until(lambda: [(at, v) for at, v in vacancies(w, s.root)
                              if v["free_places"] == 13], 4,
                     "the figure after the admissions")
    at, v = got[0]
    assert at >= nxt - 0.05, (at, nxt)
    assert as_of(v) >= nxt and as_of(v) % EVERY == 0
    assert v == dict(first, free_rooms=10, free_places=13,
                     accessible=False, as_of=v["as_of"])

    # A restart publishes the figure the daemon had: a departure just
    # before it does not show until the next publication time.
    nxt = quiet_start(EVERY)
    stay = s.b.ok("stay.list")["stays"][0]["id"]
    s.b.ok("stay.discharge", id=stay)
    s.b.stop()
    restarted = time.time()
    s.b.start()
    s.wait_online()
    time.sleep(max(0.0, nxt - time.time() - 0.3))
    early = [v for at, v in vacancies(w, s.root) if at >= restarted]
    assert early and all(v["free_places"] == 13 for v in early), early
    wait_until(lambda: any(v["free_places"] > 13 for at, v in
                           vacancies(w, s.root) if at >= nxt - 0.05), 4,
               "the figure after the departure")


def test_children_no(broker, make_building):
    s = MqttSite(broker, make_building,
                 extra_conf="[vacancy]\nchildren = no\n")
    s.wait_online()
    w = s.watch(s.root + "/vacancy")
    v = wait_until(lambda: vacancies(w, s.root), 5, "vacancy")[-1][1]
    assert (v["children"], v["child_ages"]) == (False, None)
    assert as_of(v) % (4 * 3600) == 0
