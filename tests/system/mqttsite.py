"""A sim building whose husvagtd is bridged to a real Mosquitto, for the
MQTT system tests (20_mqtt_*, 23_mqtt_outage_*, 24_privacy_*).

    from mqttsite import mqtt_site, MqttSite, STAFF     # mqtt_site: fixture

    s = mqtt_site                 a started MqttSite
        s.broker                  mqttbroker.Broker
        s.b                       conftest.Building (husvagtd, [mqtt] on)
        s.root                    "husvagt/villa"
        s.password[login]         broker passwords of STAFF and "mallory"
        s.watch(topics="#")       an all-seeing client subscribed to topics
        s.staff(login)            a client of login, subscribed to its
                                  own replies
        s.command(client, login, verb, args=None, rid=None)
                                  publish a command, return the reply
        s.raw_command(client, login, verb, payload, reply_id)
                                  publish any payload, return the reply
                                  that arrives on reply/<login>/<reply_id>
        s.events(client)          the event payloads a client received
        s.wait_online()           until the retained status is "online"

Logins: STAFF are configured in husvagtd and in the broker with their
role's ACL; "mallory" exists in the broker (with a staff ACL) but is not a
staff login of the site.
"""

import json
import uuid

import pytest

from mqttbroker import Broker  # noqa: F401  (re-exported for the tests)
from mqttbroker import broker  # noqa: F401  (the fixture)

STAFF = {"anna": "staff", "birgit": "staff", "leder": "management",
         "installer": "installer"}
FAST = "[defaults]\nrelease_s = 3\nheld_warning_s = 5\nheld_s = 8\n"


class MqttSite:
    def __init__(self, broker, make_building, extra_conf="", start=True):
        self.broker = broker
        self.root = broker.root
        self.password = {}
        for login, role in list(STAFF.items()) + [("mallory", "staff")]:
            self.password[login] = "pw-%s-%s" % (login, uuid.uuid4().hex)
            broker.add_user(login, self.password[login], role)
        self.b = make_building(extra_conf=FAST + extra_conf + "\n" +
                               broker.mqtt_conf(staff=False), start=start)

    def watch(self, topics="#", **kw):
        c = self.broker.all_seeing_client(**kw)
        c.sub(topics)
        return c

    def staff(self, login, **kw):
        c = self.broker.client(login, self.password[login], **kw)
        assert c.sub("%s/reply/%s/#" % (self.root, login)) == [1]
        return c

    def raw_command(self, client, login, verb, payload, reply_id,
                    timeout=5.0):
        topic = "%s/reply/%s/%s" % (self.root, login, reply_id)
        n = len(client.matching(lambda m: m.topic == topic))
        rc = client.pub("%s/cmd/%s/%s" % (self.root, login, verb), payload)
        assert rc in (0, 16), "PUBACK %r" % rc
        m = client.wait_count(n + 1, lambda m: m.topic == topic,
                              timeout)[-1]
        return json.loads(m.payload)

    def command(self, client, login, verb, args=None, rid=None):
        rid = rid or uuid.uuid4().hex[:16]
        body = {"id": rid}
        if args is not None:
            body["args"] = args
        reply = self.raw_command(client, login, verb, body, rid)
        assert reply["id"] == rid
        return reply

    def wait_online(self, timeout=10.0):
        c = self.broker.all_seeing_client()
        try:
            c.sub(self.root + "/status")
            c.wait_for(lambda m: m.payload == b"online", timeout)
        finally:
            c.close()

    @staticmethod
    def events(client):
        return [json.loads(m.payload) for m in client.matching(
            lambda m: m.topic.endswith("/event"))]


def first_seen(events):
    """The seqs of events in the order first seen (a consumer's dedupe)."""
    seen, out = set(), []
    for e in events:
        if e["seq"] not in seen:
            seen.add(e["seq"])
            out.append(e["seq"])
    return out


@pytest.fixture
def mqtt_site(broker, make_building):
    s = MqttSite(broker, make_building)
    s.wait_online()
    return s


ROOMS = ["room-%d0%d" % (f, r) for f in (1, 2) for r in range(1, 7)]


def flood(b, n, batch=32):
    """Make n journal rows quickly: open and close room doors (no alarm:
    they have exit handles) over one sim socket connection, batch requests
    in flight at a time.  Returns the number of rows made."""
    import socket as _socket
    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(str(b.simsock))
    state = {}
    buf = b""
    try:
        done = 0
        while done < n:
            k = min(batch, n - done)
            out = []
            for i in range(k):
                room = ROOMS[(done + i) % len(ROOMS)]
                state[room] = 1 - state.get(room, 0)
                out.append(json.dumps({"op": "input", "point": room +
                                       ".contact", "value": state[room]}))
            s.sendall(("\n".join(out) + "\n").encode())
            got = 0
            while got < k:
                while b"\n" not in buf:
                    chunk = s.recv(65536)
                    if not chunk:
                        raise ConnectionError("sim socket closed")
                    buf += chunk
                line, buf = buf.split(b"\n", 1)
                assert json.loads(line).get("ok"), line
                got += 1
            done += k
    finally:
        s.close()
    return n
