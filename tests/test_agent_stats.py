"""Per-agent statistics from the facts: handled calls, talk, wrap-up and occupancy, per local day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from engine.core.agent_stats import AgentStats
from engine.core.facts import Stamped
from tests.fact_helpers import stamped

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=PARIS).timestamp()


def fact(seq: int, at: float, kind: str, **data: object) -> Stamped:
    return stamped(seq, T0 + at, kind, "c1", "support", "1001", dict(data))


def test_occupancy_is_busy_time_over_staffed_time_with_the_open_span_counted() -> None:
    stats = AgentStats("Europe/Paris")
    stats.feed([
        fact(1, 0, "AgentStatusChanged", status="available"),
        fact(2, 100, "AgentStateChanged", state="reserved"),
        fact(3, 102, "AgentStateChanged", state="ringing"),
        fact(4, 105, "AgentStateChanged", state="on_call"),
        fact(5, 105, "AgentConnected", wait_s=5.0),
        fact(6, 165, "CallCompleted", talk_s=60.0),
        fact(7, 165, "AgentStateChanged", state="wrap_up"),
        fact(8, 195, "AgentStateChanged", state="idle"),
        fact(9, 195, "AgentWrapUpEnded", wrapup_s=30.0),
        fact(10, 200, "AgentStatusChanged", status="on_break"),  # a break is not staffed time
        fact(11, 500, "AgentStatusChanged", status="available"),
        fact(11, 900, "AgentStatusChanged", status="on_break"),  # a repeated seq is ignored
    ])
    today = stats.today("1001", T0 + 600)
    assert (today.handled, today.talk_s, today.wrapup_s) == (1, 60.0, 30.0)
    assert today.busy_s == 95.0  # reserved 2 + ringing 3 + talk 60 + wrap-up 30
    assert today.staffed_s == 300.0  # 0-200, then 500-600 (open span)
    assert today.occupancy == pytest.approx(95 / 300)
    assert stats.today("1001", T0 + 86_400).handled == 0  # the next day starts from nothing
    # 9:16:40, a new 15-minute interval: of the span open since 500 s (9:08:20), 100 s fall in it
    interval, hour, day = stats.at("1001", T0 + 1000)
    assert (interval.handled, interval.staffed_s, hour.handled, hour.staffed_s) == (0, 100.0, 1, 700.0)
    assert stats.current("1001", T0 + 1000)["today"] == day.as_json()
    assert stats.today("9999", T0).occupancy is None


def test_a_restart_does_not_count_the_time_the_engine_was_away() -> None:
    stats = AgentStats("Europe/Paris")
    stats.feed([fact(1, 0, "AgentStatusChanged", status="available"),
                fact(2, 100, "AgentStateChanged", state="on_call")])
    stats.resume(stopped_at=T0 + 160, now=T0 + 1000)  # the engine was away from 160 s to 1,000 s
    today = stats.today("1001", T0 + 1030)
    assert (today.staffed_s, today.busy_s) == (190.0, 90.0)  # 0-160 and 1,000-1,030; busy 100-160 and after


def test_a_closed_span_is_shared_between_the_intervals_it_crosses() -> None:
    stats = AgentStats("Europe/Paris")
    stats.feed([fact(1, 500, "AgentStatusChanged", status="available"),
                fact(2, 1000, "AgentStatusChanged", status="on_break")])  # 9:08:20 -> 9:16:40
    first, hour, _day = stats.at("1001", T0 + 800)
    second, _hour, _day = stats.at("1001", T0 + 1000)
    assert (first.staffed_s, second.staffed_s, hour.staffed_s) == (400.0, 100.0, 500.0)


def test_a_restart_recorded_in_the_history_is_not_counted_either() -> None:
    stats = AgentStats("Europe/Paris")
    stats.feed([fact(1, 0, "AgentStatusChanged", status="available"),
                fact(2, 100, "AgentStateChanged", state="reserved"),
                fact(3, 101, "AgentStateChanged", state="idle"),
                stamped(4, T0 + 5000, "EngineStarted"),  # the engine was away from 101 s to 5,000 s
                fact(5, 5010, "AgentStateChanged", state="reserved")])
    assert stats.today("1001", T0 + 5010).staffed_s == 111.0  # 0-101 and 5,000-5,010
