"""Alarm inputs that are not doors: supervised loops (normal / active /
cut / short) and the same roles wired as plain contacts each raise their
alarm in the journal."""

from conftest import TOP


def test_supervised_loops_raise_their_alarms(building):
    seq = building.last_seq()
    building.sim_ok("loop", point="fire", state="active")
    row = building.wait_journal("alarm.fire", after=seq, point="fire")
    assert row["detail"]["loop"] == "active"
    building.sim_ok("loop", point="panic.office", state="active")
    building.wait_journal("alarm.panic", after=seq, point="panic.office")
    building.sim_ok("loop", point="tamper.cabinet", state="active")
    building.wait_journal("alarm.tamper", after=seq, point="tamper.cabinet")


def test_cut_and_short_are_tamper(building):
    seq = building.last_seq()
    building.sim_ok("loop", point="panic.night", state="cut")
    row = building.wait_journal("alarm.tamper", after=seq,
                                point="panic.night")
    assert row["detail"]["loop"] == "cut"
    building.sim_ok("loop", point="panic.night", state="short")
    building.wait_journal("alarm.tamper", after=row["seq"],
                          point="panic.night", loop="short")
    assert building.alive()


def test_fire_panel_on_a_plain_contact(make_building, tmp_path):
    board = (TOP / "boards/sim/board.ini").read_text().replace(
        "[point fire]\nbackend = sim\nkind = supervised\nline = FIRE_LOOP",
        "[point fire]\nbackend = sim\nkind = input\nline = FIRE_RELAY")
    assert "FIRE_RELAY" in board
    path = tmp_path / "board.ini"
    path.write_text(board)
    b = make_building(board=path)
    seq = b.last_seq()
    b.set_input("fire", 1)
    row = b.wait_journal("alarm.fire", after=seq, point="fire")
    assert row["detail"]["value"] == 1
    b.set_input("fire", 0)
    b.wait_journal("input.changed", after=row["seq"], point="fire")


def test_alarm_already_active_at_start_is_raised(building):
    """A fire panel still in alarm when husvagtd restarts is raised again:
    inputs are reported only on change, so start must look at them."""
    building.sim_ok("loop", point="fire", state="active")
    building.sim_ok("loop", point="tamper.cabinet", state="cut")
    building.wait_journal("alarm.fire", point="fire")
    building.stop()
    building.start()
    seq = building.ok("journal.rows", after=0, limit=10000)["rows"]
    started = [r for r in seq if r["type"] == "system.started"][-1]["seq"]
    building.wait_journal("alarm.fire", after=started, point="fire")
    row = building.wait_journal("alarm.tamper", after=started,
                                point="tamper.cabinet")
    assert row["detail"]["loop"] == "cut"
