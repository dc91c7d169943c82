"""The statistics' interval keys, computed once per quarter hour, against each instant's own local time: across
daylight-saving changes, in zones a whole number of quarter hours off UTC, and where a zone's offset (a local
mean time of long ago) is none."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from engine.core.stats import interval_keys


def local_keys(at: float, zone: ZoneInfo) -> tuple[str, str, str]:
    local = datetime.fromtimestamp(at, zone)
    return (f"15m:{local:%Y-%m-%dT%H}:{local.minute - local.minute % 15:02d}", f"hour:{local:%Y-%m-%dT%H}",
            f"day:{local:%Y-%m-%d}")


@pytest.mark.parametrize(("zone", "day"), [
    ("Europe/Paris", (2026, 3, 29)), ("Europe/Paris", (2026, 10, 25)),  # an hour forward, an hour back
    ("Australia/Lord_Howe", (2026, 4, 5)), ("Australia/Lord_Howe", (2026, 10, 4)),  # half an hour
    ("Asia/Kathmandu", (2026, 11, 25)), ("America/St_Johns", (2026, 11, 1)),  # +05:45, -03:30 then -02:30
    ("Europe/Paris", (1890, 6, 1)),  # Paris mean time, +00:09:21: no quarter-hour offset
])
def test_keys_are_each_instants_own_local_interval_hour_and_day(zone: str, day: tuple[int, int, int]) -> None:
    tz = ZoneInfo(zone)
    start = datetime(*day, tzinfo=UTC).timestamp() - 86_400
    for step in range(0, 3 * 86_400, 61):
        at = start + step + 0.25
        assert interval_keys(at, tz) == local_keys(at, tz), (zone, at)
