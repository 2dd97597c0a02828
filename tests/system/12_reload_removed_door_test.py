"""A door removed from the configuration while it is held released is
locked on reload, not left released."""

import re

from conftest import sighup, wait_released


def test_a_door_removed_while_held_is_locked_on_reload(building):
    building.ok("door.release", door="room-206", hold=True)
    wait_released(building, "room-206")
    text = building.conf.read_text()
    text = re.sub(r"\[door room-206\]\nzone = room-206\nforced_alarm = no\n",
                  "", text)
    text = re.sub(r"\[room 206\]\n(\w+ = [^\n]*\n)*", "", text)
    assert "[door room-206]" not in text and "[room 206]" not in text
    building.conf.write_text(text)
    assert sighup(building)["type"] == "system.reloaded"
    wait_released(building, "room-206", want=False)
    row = building.wait_journal("door.locked", point="room-206",
                                reason="removed")
    assert row["actor"] == "system"
