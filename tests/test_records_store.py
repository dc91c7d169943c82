"""Call records in PostgreSQL: written with their events in one transaction, rebuilt after a restart, and
the live queue statistics equal to SQL over the stored call segments."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from engine.core.acd import (
    Acd,
    AgentConfig,
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegRinging,
    AgentRequested,
    CallEnqueued,
    ContactObserved,
    LegFailure,
    LegHungUp,
    OverflowRule,
    OverflowTarget,
    OverflowWhen,
    QueueConfig,
    TimerFired,
)
from engine.core.acd.events import AcdEvent
from engine.core.agent_fsm import StatusTrigger
from engine.core.event_record import EventRecord, EventSource
from engine.core.fact_registry import encode, is_fact, name_of
from engine.core.facts import Stamped, fact_of
from engine.core.records import CallRecords, Kind, RowOp, SegmentRow
from engine.core.stats import Counters, QueueStats
from engine.store.event_writer import EventWriter
from engine.store.kpis import queue_kpis
from engine.store.migrate import migrate
from engine.store.records_writer import restore_records
from tests.test_records import T0, Feed, started


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Any]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    async with pool.acquire() as conn:
        await migrate(conn)
    try:
        yield pool
    finally:
        await pool.close()


async def write(pool: Any, records: CallRecords, facts: Iterable[EventRecord], batch_size: int = 3) -> EventWriter:
    """Everything through the engine's writer, in small batches so that rows change across batches."""
    writer = EventWriter(pool, batch_size=batch_size, records=records)
    for fact in facts:
        writer.submit(fact)
    writer.close()
    await writer.run()
    return writer


def answered_call(feed: Feed, call_id: str, at: float, queue: str = "sales", agent: str = "1001") -> None:
    started(feed, at, call_id, queue)
    feed(at, "CallerEnqueued", call_id, queue=queue, leg=f"{call_id}-in", position=1, caller="5551001")
    feed(at + 1, "AgentOffered", call_id, agent=agent, queue=queue, leg=f"{call_id}-a1", position=1)
    feed(at + 16, "AgentMissed", call_id, agent=agent, queue=queue, leg=f"{call_id}-a1", failure="busy", ring_s=15.0)
    feed(at + 16, "AgentOffered", call_id, agent=agent, queue=queue, leg=f"{call_id}-a2", position=1)
    feed(at + 20, "AgentConnected", call_id, agent=agent, queue=queue, leg=f"{call_id}-a2", wait_s=20.0, ring_s=4.0)


def completed_call(feed: Feed, call_id: str, at: float, queue: str = "sales", agent: str = "1001") -> None:
    answered_call(feed, call_id, at, queue, agent)
    feed(at + 80, "CallCompleted", call_id, agent=agent, queue=queue, by="caller", talk_s=60.0,
         agent_leg=f"{call_id}-a2")
    feed(at + 90, "AgentWrapUpEnded", call_id, agent=agent, queue=queue, wrapup_s=10.0)


async def test_records_are_written_with_their_events(pool: Any) -> None:
    feed = Feed({"1001": ["sales"]})
    feed(0, "AgentStatusChanged", agent="1001", status="available", reason=None)
    completed_call(feed, "c1", 0)
    started(feed, 100, "c2")
    feed(100, "CallRefused", "c2", queue="sales", why="full", position=5)
    writer = await write(pool, CallRecords({"1001": ["sales"]}), feed.facts)

    assert writer.written == len(feed.facts) and writer.batches > 1
    calls = await pool.fetch("SELECT * FROM calls ORDER BY id")
    assert [(c["id"], c["direction"], c["dialed_number"], c["caller_number"], c["caller_name"], c["outcome"])
            for c in calls] == [("c1", "inbound", "5000", "5551001", "Ada", "completed"),
                                ("c2", "inbound", "5000", "5551001", "Ada", "refused")]
    assert [(c["started_at"].timestamp(), c["ended_at"].timestamp()) for c in calls] == [
        (T0, T0 + 80), (T0 + 100, T0 + 100)]
    segments = await pool.fetch("SELECT * FROM call_segments WHERE call_id = 'c1' ORDER BY entered_at, id")
    assert [(s["segment_key"], s["kind"], s["result"]) for s in segments] == [
        ("queue:3", "queue", "answered"), ("agent:c1-a1", "agent", "busy"), ("agent:c1-a2", "agent", "completed")]
    talked = segments[2]
    assert (talked["ring_seconds"], talked["talk_seconds"], talked["hold_seconds"], talked["wrapup_seconds"]) == (
        4.0, 60.0, 0.0, 10.0)
    assert (talked["entered_at"].timestamp(), talked["left_at"].timestamp(), talked["detail"]) == (
        T0 + 16, T0 + 80, "caller")
    assert segments[0]["left_at"].timestamp() - segments[0]["entered_at"].timestamp() == 20.0
    lines = await pool.fetch("SELECT * FROM queue_log ORDER BY seq, line")
    assert [(line["verb"], list(line["data"])) for line in lines] == [
        ("ADDMEMBER", [""]), ("ENTERQUEUE", ["", "5551001", "1"]), ("RINGNOANSWER", ["15000"]),
        ("CONNECT", ["20", "c1-a2", "4"]), ("COMPLETECALLER", ["20", "60", "1"]), ("FULL", [])]
    by_seq = {r["seq"]: r["type"] for r in await pool.fetch("SELECT seq, type FROM events")}
    assert [by_seq[line["seq"]] for line in lines] == [
        "AgentStatusChanged", "CallerEnqueued", "AgentMissed", "AgentConnected", "CallCompleted", "CallRefused"]
    assert {line["logged_at"].timestamp() for line in lines if line["verb"] == "FULL"} == {T0 + 100}


class BrokenRecords(CallRecords):
    """Records that cannot be written (a segment of a call that has no row)."""

    def apply(self, record: EventRecord) -> list[RowOp]:
        return [SegmentRow("no-such-call", "queue:1", Kind.QUEUE, record.received_at)]


async def test_events_are_not_stored_when_their_records_fail(pool: Any) -> None:
    feed = Feed()
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=1, caller="5551001")
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await write(pool, BrokenRecords(), feed.facts)
    assert await pool.fetchval("SELECT count(*) FROM events") == 0


async def stored_rows(pool: Any) -> tuple[list[Any], ...]:
    calls = await pool.fetch("SELECT id, started_at, ended_at, outcome FROM calls ORDER BY id")
    segments = await pool.fetch(
        "SELECT call_id, segment_key, kind, queue, agent_id, entered_at, left_at, position_entry, position_exit,"
        " result, detail, ring_seconds, talk_seconds, hold_seconds, wrapup_seconds FROM call_segments"
        " ORDER BY call_id, segment_key")
    lines = await pool.fetch("SELECT seq, line, logged_at, call_id, queue, agent_id, verb, data FROM queue_log"
                             " ORDER BY seq, line")
    return [tuple(r) for r in calls], [tuple(r) for r in segments], [tuple(r) for r in lines]


async def test_a_restart_finishes_open_calls_without_duplicating_rows(pool: Any, new_database: Any) -> None:
    feed = Feed({"1001": ["sales"]})
    feed(0, "AgentStatusChanged", agent="1001", status="available", reason=None)
    answered_call(feed, "done", 0)
    feed(80, "CallCompleted", "done", agent="1001", queue="sales", by="caller", talk_s=60.0, agent_leg="done-a2")
    answered_call(feed, "talking", 100)  # connected when the engine stops
    started(feed, 110, "waiting")
    feed(110, "CallerEnqueued", "waiting", queue="sales", leg="waiting-in", position=1, caller="5551002")
    feed(115, "AgentStatusChanged", agent="1001", status="on_break", reason="lunch")
    before_stop = len(feed.facts)
    feed(125, "AgentWrapUpEnded", "done", agent="1001", queue="sales", wrapup_s=45.0)  # its leg ended before
    feed(160, "CallCompleted", "talking", agent="1001", queue="sales", by="agent", talk_s=40.0,
         agent_leg="talking-a2")
    feed(170, "AgentWrapUpEnded", "talking", agent="1001", queue="sales", wrapup_s=10.0)
    feed(175, "CallerAbandoned", "waiting", queue="sales", leg="waiting-in", wait_s=65.0, position=1)
    feed(180, "AgentStatusChanged", agent="1001", status="available", reason=None)

    await write(pool, CallRecords({"1001": ["sales"]}), feed.facts[:before_stop])
    assert await pool.fetchval("SELECT count(*) FROM calls WHERE ended_at IS NULL") == 2
    restarted = CallRecords({"1001": ["sales"]})
    assert await restore_records(pool, restarted) == 2
    assert sorted(restarted.open_calls) == ["talking", "waiting"]
    await write(pool, restarted, feed.facts[before_stop:])

    # The same facts written by one engine that never stopped give the same rows.
    reference = await asyncpg.create_pool(await new_database(), min_size=1, max_size=2)
    try:
        async with reference.acquire() as conn:
            await migrate(conn)
        await write(reference, CallRecords({"1001": ["sales"]}), feed.facts)
        assert await stored_rows(pool) == await stored_rows(reference)
    finally:
        await reference.close()
    calls, segments, lines = await stored_rows(pool)
    assert [(c[0], c[3]) for c in calls] == [("done", "completed"), ("talking", "completed"), ("waiting", "abandoned")]
    assert all(s[6] is not None for s in segments)  # every segment closed
    assert [line[6] for line in lines][-3:] == ["COMPLETEAGENT", "ABANDON", "UNPAUSE"]
    assert [(s[1], s[14]) for s in segments if s[0] == "done" and s[2] == "agent"] == [
        ("agent:done-a1", None), ("agent:done-a2", 45.0)]


def counters_from(records: Iterable[EventRecord], timezone: str, targets: dict[str, float]) -> QueueStats:
    stats = QueueStats(timezone, targets)
    stats.feed(Stamped(r.seq, r.received_at, fact) for r in records if (fact := fact_of(r)) is not None)
    return stats


def assert_same_counters(live: dict[tuple[str, str], Counters], stored: dict[tuple[str, str], Counters]) -> None:
    assert set(live) == set(stored)
    for key, counters in live.items():
        exact = {name: getattr(counters, name) for name in Counters.__dataclass_fields__}
        from_sql = {name: getattr(stored[key], name) for name in Counters.__dataclass_fields__}
        assert from_sql == pytest.approx(exact, abs=1e-6), key
        assert stored[key].as_json() == pytest.approx(counters.as_json()), key


async def test_live_queue_statistics_equal_sql_over_the_segments(pool: Any) -> None:
    paris = ZoneInfo("Europe/Paris")
    feed = Feed()
    base = datetime(2026, 11, 25, 9, 0, tzinfo=paris).timestamp() - T0  # the feed counts from T0
    completed_call(feed, "c1", base + 0)  # answered after exactly 20 s: in target
    started(feed, base + 30, "c2")
    feed(base + 30, "CallerEnqueued", "c2", queue="sales", leg="c2-in", position=1, caller="1")
    feed(base + 33, "CallerAbandoned", "c2", queue="sales", leg="c2-in", wait_s=3.0, position=1)  # short
    started(feed, base + 40, "c3")
    feed(base + 40, "CallerEnqueued", "c3", queue="sales", leg="c3-in", position=1, caller="1")
    feed(base + 100, "CallOverflowed", "c3", queue="sales", leg="c3-in", why="max wait", target="queue",
         destination="backup", wait_s=60.0, position=1)
    feed(base + 100, "CallerEnqueued", "c3", queue="backup", leg="c3-in", position=1, caller="1")
    feed(base + 101, "AgentOffered", "c3", agent="2001", queue="backup", leg="c3-a1", position=1)
    feed(base + 130, "AgentConnected", "c3", agent="2001", queue="backup", leg="c3-a1", wait_s=30.0, ring_s=29.0)
    feed(base + 190, "CallCompleted", "c3", agent="2001", queue="backup", by="agent", talk_s=60.0)
    feed(base + 190, "AgentWrapUpEnded", "c3", agent="2001", queue="backup", wrapup_s=0.0)
    started(feed, base + 200, "c4")
    feed(base + 200, "CallRefused", "c4", queue="sales", why="full", position=9)  # at the door
    started(feed, base + 205, "c5")
    feed(base + 205, "CallOverflowed", "c5", queue="backup", leg="c5-in", why="no agents", target="voicemail",
         destination="9000@callhive", wait_s=0.0, position=1)
    started(feed, base + 890, "c6")  # 09:14:50 entry: its interval is 09:00 though it ends after 09:15
    feed(base + 890, "CallerEnqueued", "c6", queue="sales", leg="c6-in", position=1, caller="1")
    feed(base + 950, "CallerAbandoned", "c6", queue="sales", leg="c6-in", wait_s=60.0, position=1)
    started(feed, base + 1000, "c7")  # 09:16:40, the next interval
    feed(base + 1000, "CallerEnqueued", "c7", queue="sales", leg="c7-in", position=1, caller="1")
    feed(base + 1030, "CallbackRequested", "c7", queue="sales", leg="c7-in", number="1", position=1, wait_s=30.0)
    completed_call(feed, "c8", base + 1100)
    started(feed, base + 1300, "c9")  # still waiting: offered, not yet ended
    feed(base + 1300, "CallerEnqueued", "c9", queue="sales", leg="c9-in", position=1, caller="1")
    await write(pool, CallRecords(), feed.facts)

    targets = {"sales": 20.0, "backup": 30.0}
    live = counters_from(feed.facts, "Europe/Paris", targets)
    async with pool.acquire() as conn:
        stored = await queue_kpis(conn, "Europe/Paris", targets)
    assert_same_counters(live.counters, stored)
    first = live.counters[("sales", "15m:2026-11-25T09:00")]
    assert (first.offered, first.answered, first.answered_in_target, first.abandoned, first.short_abandoned,
            first.overflowed, first.refused) == (5, 1, 1, 2, 1, 1, 1)
    assert first.service_level == 1 / 4  # c1 of c1, c3, c4, c6 (c2 a short abandon)
    assert (first.asa_s, first.aht_s) == (20.0, 70.0)
    second = live.counters[("sales", "15m:2026-11-25T09:15")]
    assert (second.offered, second.answered, second.callbacks) == (3, 1, 1)
    backup = live.counters[("backup", "hour:2026-11-25T09")]
    assert (backup.offered, backup.answered_in_target, backup.overflowed, backup.aht_s) == (2, 1, 1, 60.0)
    day = live.counters[("sales", "day:2026-11-25")]
    assert day.offered == first.offered + second.offered


class AcdRun:
    """The pure ACD driven by hand, its facts published as the runtime publishes them (with the runtime's
    CallStarted first), each at the time the ACD handled it."""

    def __init__(self, acd: Acd, start: float) -> None:
        self.acd = acd
        self.start = start
        self.facts: list[EventRecord] = []

    def at(self, offset: float, event: AcdEvent) -> None:
        now = self.start + offset
        if isinstance(event, CallEnqueued):
            self._publish(now, "CallStarted", event.call_id, None, event.queue, event.caller_leg,
                          {"number": "5000", "caller": event.caller_number, "caller_name": event.caller_name})
        for command in self.acd.handle(event, now):
            if is_fact(command):
                stored = encode(command)
                self._publish(now, name_of(type(command)), stored.call_id, stored.agent_id, stored.queue,
                              stored.leg_id, stored.body)

    def _publish(self, now: float, kind: str, call_id: str | None, agent_id: str | None, queue: str | None,
                 leg_id: str | None, body: dict[str, Any]) -> None:
        self.facts.append(EventRecord(len(self.facts) + 1, now, EventSource.ENGINE, kind, call_id=call_id,
                                      leg_id=leg_id, agent_id=agent_id, queue=queue, body=json.loads(json.dumps(body))))

    def leg(self, call_id: str) -> str:
        """The agent leg last offered for the call."""
        return [f.leg_id for f in self.facts if f.type == "AgentOffered" and f.call_id == call_id][-1] or ""


async def test_records_of_the_acds_own_facts(pool: Any) -> None:
    overflow = OverflowRule(OverflowWhen.MAX_WAIT, OverflowTarget.QUEUE, "backup")
    acd = Acd([QueueConfig("sales", wrapup_s=10, max_wait_s=60, overflow=(overflow,)), QueueConfig("backup"),
               QueueConfig("tiny", max_length=0)],
              [AgentConfig("1001", "A", "PJSIP/1001", {}, ("sales",)),
               AgentConfig("2001", "B", "PJSIP/2001", {}, ("backup",))])
    run = AcdRun(acd, datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp())
    run.at(0, ContactObserved("PJSIP/1001", True))
    run.at(0, ContactObserved("PJSIP/2001", True))
    run.at(0, AgentRequested("1001", StatusTrigger.LOGIN))
    run.at(10, CallEnqueued("c1", "c1-in", "sales", caller_number="5551001", caller_name="Ada"))
    run.at(11, AgentLegRinging(run.leg("c1")))
    run.at(25, AgentLegFailed(run.leg("c1"), LegFailure.NO_ANSWER))  # missed, offered again at once
    run.at(30, AgentLegAnswered(run.leg("c1")))  # waited 20 s: in target
    run.at(40, CallEnqueued("c2", "c2-in", "sales", caller_number="5551002"))
    run.at(42, LegHungUp("c2-in"))  # a short abandon
    run.at(50, CallEnqueued("c3", "c3-in", "sales", caller_number="5551003"))
    run.at(90, LegHungUp("c1-in"))  # c1 talked 60 s
    run.at(100, TimerFired(("wrapup", "1001")))  # 1001 free: c3 is offered
    run.at(104, AgentLegAnswered(run.leg("c3")))  # waited 54 s
    run.at(134, LegHungUp(run.leg("c3")))  # the agent hangs up
    run.at(144, TimerFired(("wrapup", "1001")))
    run.at(150, AgentRequested("1001", StatusTrigger.BREAK, "lunch"))
    run.at(200, CallEnqueued("c4", "c4-in", "sales", caller_number="5551004"))
    run.at(260, TimerFired(("max_wait", "c4")))  # to backup, where nobody is logged in yet
    run.at(270, AgentRequested("2001", StatusTrigger.LOGIN))
    run.at(275, AgentLegAnswered(run.leg("c4")))
    run.at(300, LegHungUp("c4-in"))
    run.at(960, CallEnqueued("c5", "c5-in", "sales", caller_number="5551005"))  # 09:16, nobody free
    run.at(1000, LegHungUp("c5-in"))
    run.at(1010, CallEnqueued("c6", "c6-in", "tiny", caller_number="5551006"))  # full at the door
    await write(pool, CallRecords({"1001": ["sales"], "2001": ["backup"]}), run.facts, batch_size=5)

    calls = await pool.fetch("SELECT id, outcome FROM calls WHERE ended_at IS NOT NULL ORDER BY id")
    assert [(c["id"], c["outcome"]) for c in calls] == [
        ("c1", "completed"), ("c2", "abandoned"), ("c3", "completed"), ("c4", "completed"), ("c5", "abandoned"),
        ("c6", "refused")]
    assert await pool.fetchval("SELECT count(*) FROM call_segments WHERE left_at IS NULL") == 0
    c1 = await pool.fetch("SELECT kind, result FROM call_segments WHERE call_id = 'c1' ORDER BY entered_at, id")
    assert [(s["kind"], s["result"]) for s in c1] == [("queue", "answered"), ("agent", "no_answer"),
                                                      ("agent", "completed")]
    c4 = await pool.fetch("SELECT queue, result FROM call_segments WHERE call_id = 'c4' AND kind = 'queue'"
                          " ORDER BY entered_at, id")
    assert [(s["queue"], s["result"]) for s in c4] == [("sales", "overflowed"), ("backup", "answered")]
    verbs = [r["verb"] for r in await pool.fetch("SELECT verb FROM queue_log WHERE call_id = 'c1' ORDER BY seq, line")]
    assert verbs == ["ENTERQUEUE", "RINGNOANSWER", "CONNECT", "COMPLETECALLER"]

    targets = {"sales": 20.0, "backup": 20.0, "tiny": 20.0}
    live = counters_from(run.facts, "Europe/Paris", targets)
    async with pool.acquire() as conn:
        stored = await queue_kpis(conn, "Europe/Paris", targets)
    assert_same_counters(live.counters, stored)
    sales = live.counters[("sales", "15m:2026-11-25T09:00")]
    assert (sales.offered, sales.answered, sales.answered_in_target, sales.short_abandoned, sales.overflowed) == (
        4, 2, 1, 1, 1)
    assert sales.aht_s == pytest.approx(((60 + 10) + (30 + 10)) / 2)
    assert live.counters[("tiny", "day:2026-11-25")].refused == 1
