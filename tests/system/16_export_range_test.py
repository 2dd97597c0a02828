"""A journal export range must be a date or a UTC time."""


def test_export_refuses_a_range_that_is_not_a_time(building):
    for bad in ("garbage-xxxx", "2026-13", "2026-11-23 10:00",
                "2026-11-23T10:00:00", "yesterday"):
        r = building.request("journal.export", format="csv", **{"from": bad})
        assert not r["ok"] and r["error"] == "bad_value", (bad, r)
    for good in ("2026-11-23", "2026-11-23T10:00:00Z",
                 "2026-11-23T10:00:00.000Z"):
        assert building.request("journal.export", to=good)["ok"], good
