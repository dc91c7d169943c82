"""Statistics from the ACD's own facts: run traffic through the pure ACD, count, compare by hand."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from engine.core.acd import (
    Acd,
    AgentConfig,
    AgentLegAnswered,
    AgentRequested,
    CallEnqueued,
    ContactObserved,
    LegHungUp,
    OverflowRule,
    OverflowTarget,
    OverflowWhen,
    QueueConfig,
    StartTimer,
    TimerFired,
)
from engine.core.acd.events import AcdEvent
from engine.core.agent_fsm import StatusTrigger
from engine.core.fact_registry import is_fact
from engine.core.facts import Stamped
from engine.core.stats import QueueStats
from tests.fact_helpers import stamped

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()


class Run:
    def __init__(self, acd: Acd) -> None:
        self.acd = acd
        self.records: list[Stamped] = []
        self.timers: list[StartTimer] = []

    def at(self, offset: float, event: AcdEvent) -> None:
        now = T0 + offset
        for command in self.acd.handle(event, now):
            if is_fact(command):
                self.records.append(Stamped(len(self.records) + 1, now, command))
            elif isinstance(command, StartTimer):
                self.timers.append(command)


def test_kpis_per_interval() -> None:
    overflow = OverflowRule(OverflowWhen.MAX_WAIT, OverflowTarget.QUEUE, "backup")
    acd = Acd(
        [QueueConfig("sales", wrapup_s=10, max_wait_s=120, overflow=(overflow,)), QueueConfig("backup")],
        [AgentConfig("1001", "A", "PJSIP/1001", {}, ("sales",))],
    )
    run = Run(acd)
    run.at(0, ContactObserved("PJSIP/1001", True))
    run.at(0, AgentRequested("1001", StatusTrigger.LOGIN))
    run.at(60, CallEnqueued("c1", "c1-in", "sales"))  # answered after 10 s, talks 100 s, wraps 10 s
    run.at(70, AgentLegAnswered("c1-a1"))
    run.at(80, CallEnqueued("c2", "c2-in", "sales"))  # abandons after 3 s: short
    run.at(83, LegHungUp("c2-in"))
    run.at(90, CallEnqueued("c3", "c3-in", "sales"))  # abandons after 40 s
    run.at(130, LegHungUp("c3-in"))
    run.at(140, CallEnqueued("c4", "c4-in", "sales"))  # waits for 1001 to finish wrap-up
    run.at(170, LegHungUp("c1-in"))
    run.at(180, TimerFired(("wrapup", "1001")))  # 1001 now free -> takes c4 (offered, rings)
    run.at(185, AgentLegAnswered("c4-a1"))  # answered after 45 s: outside the 20 s target
    stats = QueueStats("Europe/Paris", {"sales": 20.0})
    stats.feed(run.records)
    stats.feed(run.records)  # feeding the same seqs twice changes nothing
    figures = stats.current("sales", T0 + 200)
    assert figures["interval"] == figures["hour"] == figures["today"]
    sales = figures["interval"]
    assert (sales["offered"], sales["answered"], sales["abandoned"], sales["short_abandoned"]) == (4, 2, 2, 1)
    assert sales["service_level"] == 1 / 3  # c1 in target; c3 and c4 not; c2 short, left out
    assert sales["asa_s"] == (10 + 45) / 2
    assert sales["aht_s"] == 100 + 10
    assert stats.current("backup", T0 + 200)["today"]["offered"] == 0
    assert stats.waiting(T0 + 200) == {}


def test_interval_keys_follow_the_center_time_zone() -> None:
    stats = QueueStats("America/New_York")
    late = datetime(2026, 11, 25, 23, 59, tzinfo=ZoneInfo("America/New_York")).timestamp()
    assert stats.interval_keys(late) == ("15m:2026-11-25T23:45", "hour:2026-11-25T23", "day:2026-11-25")


def test_overflowed_call_is_offered_in_both_queues_answered_in_one() -> None:
    overflow = OverflowRule(OverflowWhen.MAX_WAIT, OverflowTarget.QUEUE, "backup")
    acd = Acd(
        [QueueConfig("sales", max_wait_s=30, overflow=(overflow,)), QueueConfig("backup")],
        [AgentConfig("2001", "B", "PJSIP/2001", {}, ("backup",))],
    )
    run = Run(acd)
    run.at(0, CallEnqueued("c1", "c1-in", "sales"))
    run.at(5, ContactObserved("PJSIP/2001", True))
    run.at(30, TimerFired(("max_wait", "c1")))
    run.at(31, AgentRequested("2001", StatusTrigger.LOGIN))
    run.at(35, AgentLegAnswered("c1-a1"))
    stats = QueueStats("UTC")
    stats.feed(run.records)
    sales = stats.current("sales", T0)["today"]
    backup = stats.current("backup", T0)["today"]
    assert (sales["offered"], sales["overflowed"], sales["answered"]) == (1, 1, 0)
    assert (backup["offered"], backup["answered"], backup["asa_s"]) == (1, 1, 5.0)
    assert stats.waiting(T0 + 10) == {}


def test_a_restart_drops_the_visits_it_cannot_follow_and_takes_back_the_restored_ones() -> None:
    from engine.core.stats import QueueStats

    stats = QueueStats("UTC")
    stats.feed([stamped(1, 100.0, "CallerEnqueued", "c1", "support"),
                stamped(2, 101.0, "CallerEnqueued", "c2", "support"),
                stamped(3, 500.0, "EngineStarted"),
                stamped(4, 501.0, "CallRestored", "c2", "support", data={"phase": "waiting"})])
    assert stats.waiting(600.0) == {"support": (1, 499.0)}  # c2 only, still timed from its entry
    day = stats.current("support", 600.0)["today"]
    assert day["offered"] == 2  # the restart counts nothing again
