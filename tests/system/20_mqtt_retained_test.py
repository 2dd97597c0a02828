"""A retained command is refused, whether the broker delivers it live or
hands it over from its store when husvagtd reconnects (docs/mqtt.md): the
daemon subscribes with MQTT v5's retain-as-published, so it sees the flag
either way.  Nothing is released, the refusal comes back on
reply/<login>/invalid, and no command row carries the login."""

import json
import time

from mqttsite import broker, mqtt_site  # noqa: F401


def released_by(b, door, after):
    return [r for r in b.journal(after)
            if r["type"] == "door.released" and r.get("door") == door]


def refusal(client, root, n):
    topic = "%s/reply/anna/invalid" % root
    m = client.wait_count(n, lambda m: m.topic == topic, timeout=10)[-1]
    return json.loads(m.payload)


def test_retained_command_refused_live_and_on_reconnect(mqtt_site):
    s = mqtt_site
    s.wait_online()
    anna = s.staff("anna")
    seq = s.b.last_seq()
    rc = anna.pub("%s/cmd/anna/door.release" % s.root,
                  {"id": "ret", "args": {"door": "office"}}, retain=True)
    assert rc in (0, 16), rc
    r = refusal(anna, s.root, 1)
    assert (r["ok"], r["error"]) == (False, "bad_request"), r
    assert "retained" in r["message"]
    time.sleep(0.3)
    assert not s.b.released("office")
    assert released_by(s.b, "office", seq) == []

    # The broker keeps it: at the next connection it is handed over from
    # the store, and refused again.
    s.b.stop()
    s.b.start()
    r = refusal(anna, s.root, 2)
    assert (r["ok"], r["error"]) == (False, "bad_request"), r
    time.sleep(0.3)
    assert not s.b.released("office")
    assert released_by(s.b, "office", seq) == []

    # An ordinary command still runs.
    r = s.command(anna, "anna", "status")
    assert r["ok"] is True
    anna.pub("%s/cmd/anna/door.release" % s.root, b"", retain=True)
    assert s.b.alive()
