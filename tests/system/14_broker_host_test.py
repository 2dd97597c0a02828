"""The broker's host in [mqtt] must be an IP address."""

import subprocess

from conftest import BUILD, conf_set


def test_broker_host_must_be_an_ip_address(tmp_path, building):
    conf_set(building, "mqtt", "host", "broker.example")
    p = subprocess.run([str(BUILD / "husvagtd"), "--check-config", "-c",
                        str(building.conf)], capture_output=True, text=True)
    assert p.returncode == 1
    assert "host: 'broker.example' is not an IP address" in p.stderr
    conf_set(building, "mqtt", "host", "::1")
    p = subprocess.run([str(BUILD / "husvagtd"), "--check-config", "-c",
                        str(building.conf)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
