"""Roles match across the two paths (issue 14, item 4): docs/mqtt.md's
one role table ("What a role may learn") keeps from a role in its verbs
what the broker's ACL keeps from it in its topics, and every verb answers
each role as the verb table says -- `forbidden` or not -- over the control
socket and over MQTT alike.  The installer gets `forbidden` for the
journal and for every verb that returns people."""

import re

from conftest import TOP
from mqttsite import MqttSite, broker  # noqa: F401

LOGINS = {"staff": "anna", "management": "leder", "installer": "installer"}
PEOPLE = ("who came and went", "residents and guests", "free rooms")


def doc_tables():
    """(verbs: {verb: (roles, changes)}, learn: [(what, roles, verbs)])."""
    verbs, learn, in_learn = {}, [], False
    for line in (TOP / "docs/mqtt.md").read_text().splitlines():
        if line.startswith("### "):
            in_learn = line.strip() == "### What a role may learn"
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not line.startswith("|"):
            continue
        if cells[0].startswith("`") and cells[2] in ("yes", "no"):
            verbs[cells[0].strip("`")] = (
                {r.strip() for r in cells[1].split(",")}, cells[2] == "yes")
        elif in_learn and cells[0] not in ("what", "---"):
            roles = set(re.findall(r"\b(staff|management|installer)\b",
                                   cells[1]))
            learn.append((cells[0], roles, re.findall(r"`([\w.]+)`",
                                                      cells[3])))
    return verbs, learn


def test_no_verb_gives_a_role_what_the_acl_keeps_from_it():
    verbs, learn = doc_tables()
    assert len(learn) == 4 and len(verbs) > 40
    acl = (TOP / "firmware/mosquitto/acl.in").read_text()
    # The ACL's own words: the installer reads status and state only.
    assert re.search(r"installer\s+publishes only under cmd/<own login>/#; "
                     r"reads its own\s+#\s+reply/<own login>/#, status and "
                     r"state/#", acl)
    for what, roles, vs in learn:
        assert vs, what
        for v in vs:
            assert verbs[v][0] <= roles, (what, v, verbs[v][0])
        if what.startswith(PEOPLE):
            assert "installer" not in roles, what


def test_every_verb_answers_each_role_alike_on_both_paths(broker,
                                                          make_building):
    verbs, _ = doc_tables()
    s = MqttSite(broker, make_building)
    s.wait_online()
    b = s.b
    clients = {login: s.staff(login) for login in LOGINS.values()}
    wrong = []
    for verb, (roles, changes) in sorted(verbs.items()):
        for role, login in LOGINS.items():
            allowed = role in roles
            if allowed and changes:
                continue        # would act: the table test covers it
            sock = b.request(verb, as_login=login)
            mq = s.command(clients[login], login, verb)
            for path, r in (("socket", sock), ("mqtt", mq)):
                forbidden = r.get("error") == "forbidden"
                if forbidden == allowed:
                    wrong.append((verb, role, path, r.get("error")))
    assert wrong == []
    # Spelled out: the installer learns nothing of people.
    for verb in ("journal.rows", "journal.tail", "journal.export",
                 "stay.list", "guest.inside", "guest.list", "evac.status",
                 "guest.blocked", "room.list", "report.safety"):
        assert b.request(verb, as_login="installer")["error"] == \
            "forbidden", verb
        assert s.command(clients["installer"], "installer", verb)[
            "error"] == "forbidden", verb
