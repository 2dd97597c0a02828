"""Nothing personal is stored by the broker (issue 14, item 3): a
console's persistent session that is offline while replies naming
residents and guests are sent on its reply topic gets none of them queued,
so none reaches Mosquitto's persistence file; replies go at QoS 0 with a
message expiry, and the appliance's configuration keeps QoS 0 messages out
of the queues."""

import time

from mqttsite import MqttSite, broker  # noqa: F401

NAMES = ["Rosenblad", "Liljekonval", "Karen Sørensen"]
ALL_DAY = "[guests]\nvisiting_hours = mon-sun 00:00-24:00\n"


def test_replies_are_never_queued_for_an_offline_session(broker,
                                                        make_building):
    s = MqttSite(broker, make_building, extra_conf=ALL_DAY)
    s.wait_online()
    b = s.b
    rose = b.ok("stay.admit", alias="Rosenblad", room="101")["stay"]
    b.ok("stay.admit", alias="Liljekonval", room="102")
    b.ok("guest.agree", stay=rose, guest="Karen Sørensen", relation="family")
    b.ok("guest.admit", door="front", guest="Karen Sørensen")

    # The console's persistent session subscribes and goes away.
    c = broker.client("anna", s.password["anna"], client_id="console-anna",
                      clean_start=False, session_expiry=3600)
    assert c.sub("%s/reply/anna/#" % s.root) == [1]
    c.close()

    # Meanwhile anna asks from elsewhere: the replies name people.
    other = s.staff("anna")
    for verb in ("stay.list", "guest.inside", "evac.status"):
        r = s.command(other, "anna", verb)
        assert r["ok"], r
    got = other.matching(lambda m: "/reply/" in m.topic)
    assert got and all(m.qos == 0 and not m.retain for m in got)
    assert all(getattr(m.properties, "MessageExpiryInterval", 0) > 0
               for m in got)
    text = b"".join(m.payload for m in got)
    assert b"Rosenblad" in text and "Karen Sørensen".encode() in text
    other.close()

    # The broker writes its persistence at a clean stop.
    time.sleep(0.5)
    broker.stop()
    files = [p for p in broker.dir.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") for p in files), files
    for p in files:
        data = p.read_bytes()
        for n in NAMES:
            assert n.encode() not in data, (p, n)
    # Back, the session finds nothing waiting for it.
    broker.start()
    c = broker.client("anna", s.password["anna"], client_id="console-anna",
                      clean_start=False, session_expiry=3600)
    time.sleep(1.0)
    assert not c.matching(lambda m: "/reply/" in m.topic)
    c.close()
