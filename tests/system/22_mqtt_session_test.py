"""A client id belongs to its login (issue 15, finding 2): no login but
the controller's may take the controller's MQTT session, and no login may
take another login's.  Before the broker plugin, staff login maria
connecting with the client id husvagtd-<site> (docs/mqtt.md publishes it)
was accepted, and she and husvagtd kicked each other off: status flapped to
offline and commands went unanswered."""

import time
import uuid

import pytest

from mqttbroker import ConnectFailed
from mqttsite import broker, mqtt_site  # noqa: F401


def test_staff_login_cannot_take_the_daemon_session(mqtt_site):
    s = mqtt_site
    pw = "pw-maria-" + uuid.uuid4().hex
    s.broker.add_user("maria", pw, "staff")
    w = s.watch(s.root + "/status")
    w.wait_for(lambda m: m.payload == b"online")
    anna = s.staff("anna")
    assert s.command(anna, "anna", "status")["ok"]

    for tls in (True, False):
        for cid in ("husvagtd-" + s.broker.site, s.broker.daemon_user):
            with pytest.raises(ConnectFailed):
                c = s.broker.client("maria", pw, tls=tls, client_id=cid)
                # Before the fix: connected; hold it to show the flapping.
                time.sleep(1.0)
                c.loop_stop()
    time.sleep(1.0)
    assert not w.matching(lambda m: m.payload == b"offline"), \
        "husvagtd's session was taken over"
    assert s.command(anna, "anna", "status")["ok"]


def test_no_login_takes_another_logins_session(mqtt_site):
    s = mqtt_site
    tab1 = s.staff("anna", client_id="console-anna-tab1")
    tab2 = s.staff("anna", client_id="console-anna-tab2")
    with pytest.raises(ConnectFailed):
        s.broker.client("birgit", s.password["birgit"],
                        client_id="console-anna-tab1")
    with pytest.raises(ConnectFailed):
        s.broker.client("birgit", s.password["birgit"], client_id="anna")
    # Two tabs of one login keep working side by side.
    assert s.command(tab1, "anna", "status")["ok"]
    assert s.command(tab2, "anna", "status")["ok"]
    # A wrong password is still refused with a login's own id.
    with pytest.raises(ConnectFailed):
        s.broker.client("birgit", "wrong", client_id="console-birgit-x")
