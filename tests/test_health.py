"""The engine's health: the worst of its checks, the event writer's pressure in its details, 503 only when down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from engine.health import Check, Level, health, http_status, writer_check
from engine.http.server import create_http_app, serve_http
from engine.store.event_writer import Pressure


@dataclass
class Gauge:
    backlog: int
    pressure: Pressure
    capacity: int = 100_000
    over_capacity: int = 0


def test_an_idle_writer_is_ok() -> None:
    report = health(writer_check(Gauge(3, Pressure.OK)))
    assert (report.status, report.http_status) == ("ok", 200)
    assert report.details() == {"event_writer": {"status": "ok", "pressure": "ok", "backlog": 3,
                                                 "capacity": 100_000, "new_callers": "engine"}}


def test_a_writer_past_half_or_full_degrades_the_engine_and_still_answers_200() -> None:
    half = health(writer_check(Gauge(60_000, Pressure.DEGRADED)))
    assert (half.status, half.http_status) == ("degraded", 200)
    assert half.details()["event_writer"]["backlog"] == 60_000
    full = health(writer_check(Gauge(101_000, Pressure.FULL, over_capacity=1_000)))
    assert (full.status, full.http_status) == ("degraded", 200)
    assert full.details()["event_writer"] == {"status": "degraded", "pressure": "full", "backlog": 101_000,
                                              "capacity": 100_000, "new_callers": "fallback", "over_capacity": 1_000}


def test_the_worst_check_wins_and_only_down_is_503() -> None:
    link = Check("ami", Level.DOWN, {"connected": False})
    report = health(writer_check(Gauge(60_000, Pressure.DEGRADED)), link)
    assert (report.status, report.http_status) == ("down", 503)
    assert report.details()["ami"] == {"status": "down", "connected": False}
    assert health().status == "ok"
    assert [http_status(word) for word in ("ok", "degraded", "down")] == [200, 200, 503]


async def test_api_health_answers_503_only_when_down() -> None:
    report: dict[str, Any] = {"status": "degraded", "checks": {}}

    class Feed:
        def status(self) -> dict[str, Any]:
            return report

        def subscribe(self) -> Any:
            raise AssertionError("not used")

        def subscribe_raw(self) -> Any:
            raise AssertionError("not used")

    app = create_http_app(lambda: report, Feed(), None, lambda: None)
    async with serve_http(app, "127.0.0.1", 0) as url, aiohttp.ClientSession() as http:
        async with http.get(f"{url}/api/health") as degraded:
            assert (degraded.status, (await degraded.json())["status"]) == (200, "degraded")
        report["status"] = "down"
        async with http.get(f"{url}/api/health") as down:
            assert (down.status, (await down.json())["status"]) == (503, "down")
