"""The read model rebuilt from a real PostgreSQL: a day's stream written by the engine's EventWriter (facts,
wire events between them, one row this version cannot read), rebuilt at its last seq and at earlier ones, shows
what a live model fed the same facts up to that seq shows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from engine.core.acd import Announcements, CallerPressed, LegFailure, QueueConfig, TransferRequested
from engine.core.agent_fsm import StatusTrigger
from engine.core.event_record import EventRecord, EventSource
from engine.core.facts import Stamped, to_record
from engine.core.ids import CallId, LegId, QueueName
from engine.core.read_model import ReadModel, ReadModelSetup, agents_view, calls_view, queues_view
from engine.store.event_writer import EventWriter
from engine.store.migrate import migrate
from engine.store.read_model import rebuild_read_model
from tests.read_model_mirror import Mirror
from tests.test_read_model import agents, request


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Any]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
    async with pool.acquire() as conn:
        await migrate(conn)
    try:
        yield pool
    finally:
        await pool.close()


def a_morning() -> Mirror:
    """Calls answered, missed, transferred, a callback asked for, a restart with calls restored."""
    m = Mirror([QueueConfig(QueueName("support"), wrapup_s=10,
                            announcements=Announcements(first_after_s=15, offer_callback=True)),
                QueueConfig(QueueName("sales"))],
               agents("1001", "1002") + agents("2001", queues=("sales",)))
    m.login("1001", "1002", "2001")
    m.call_in("c1", "support", priority=1, caller_name="Ann")
    m.advance(2.5)
    m.fail(m.ringing("1001"))  # offered to 1002 instead
    m.answer(m.ringing("1002"))
    m.call_in("c2", "support")
    m.answer(m.ringing("1001"))
    m.advance(30)
    m.handle(TransferRequested(CallId("c2"), to_queue=QueueName("sales")))
    m.answer(m.ringing("2001"))
    request(m, "1001", StatusTrigger.BREAK, "lunch")
    m.call_in("c3", "support", caller="5553")
    m.advance(15)
    m.handle(CallerPressed(LegId("c3-in"), "1"))
    m.hang_up("c3-in")
    m.advance(20.25)
    m.restart()  # c1 and c2 restored connected; the callback is gone
    m.advance(4)
    m.hang_up("c2-in")
    m.call_in("c4", "support")
    m.advance(61)
    m.hang_up("c1-in")
    m.advance(10)  # 1002's wrap-up ends: c4 rings there
    m.fail(m.ringing("1002"), LegFailure.BUSY)
    m.advance(3)
    return m


def stored_stream(m: Mirror) -> tuple[list[EventRecord], list[Stamped]]:
    """The mirror's facts as the engine stores them, with a wire event after each and, once, a row of a known
    fact this version cannot read; and the facts at the seqs they were stored under."""
    records: list[EventRecord] = []
    kept: list[Stamped] = []
    for n, stamped in enumerate(m.stamped):
        seq = len(records) + 1
        records.append(to_record(stamped.fact, seq, stamped.at))
        kept.append(Stamped(seq, stamped.at, stamped.fact))
        records.append(EventRecord(seq + 1, stamped.at, EventSource.ARI, "ChannelVarset", call_id="c1",
                                   body={"variable": "CALLHIVE_QUEUE"}))
        if n == 10:
            records.append(EventRecord(seq + 2, stamped.at, EventSource.ENGINE, "AgentStateChanged",
                                       agent_id="1001", body={"call_id": None, "state": "dancing"}))
    return records, kept


def views_of(model: ReadModel, now: float) -> str:
    return json.dumps({"agents": agents_view(model, now), "queues": queues_view(model, now),
                       "calls": calls_view(model, now)})


def live(setup: ReadModelSetup, kept: list[Stamped], up_to: int) -> ReadModel:
    model = ReadModel(setup)
    model.feed(s for s in kept if s.seq <= up_to)
    return model


async def test_rebuilt_at_the_last_seq_and_at_earlier_ones_shows_what_the_live_model_shows(pool: Any) -> None:
    m = a_morning()
    records, kept = stored_stream(m)
    writer = EventWriter(pool, batch_size=50)
    for record in records:
        writer.submit(record)
    writer.close()
    await writer.run()
    setup = m.model.setup

    rebuilt = await rebuild_read_model(pool, setup, page_size=7)
    assert (rebuilt.seq, rebuilt.facts, rebuilt.skipped) == (len(records), len(kept), 1)
    assert rebuilt.model.last_seq == kept[-1].seq
    assert views_of(rebuilt.model, m.now) == views_of(m.model, m.now)  # and so the ACD's own views
    assert views_of(rebuilt.model, m.now) == json.dumps(m.acd_views())

    restart_seq = next(s.seq for s in kept[1:] if type(s.fact).__name__ == "EngineStarted")
    for up_to in (5, 23, restart_seq - 1, restart_seq, restart_seq + 6, len(records) - 3):
        at = max(s.at for s in kept if s.seq <= up_to) + 1.5
        past = await rebuild_read_model(pool, setup, up_to=up_to, page_size=10)
        assert past.seq == up_to
        assert views_of(past.model, at) == views_of(live(setup, kept, up_to), at), up_to
    before = await rebuild_read_model(pool, setup, up_to=restart_seq - 1)
    assert {row["id"] for row in calls_view(before.model, m.now)} == {"c1", "c2", "c3"}


async def test_an_empty_table_rebuilds_an_empty_model(pool: Any) -> None:
    m = Mirror([QueueConfig(QueueName("support"))], agents("1001"))
    rebuilt = await rebuild_read_model(pool, m.model.setup)
    assert (rebuilt.seq, rebuilt.facts, rebuilt.skipped, rebuilt.model.last_seq) == (0, 0, 0, 0)
    assert calls_view(rebuilt.model, m.now) == []
    with pytest.raises(ValueError, match="page_size must be at least 1"):
        await rebuild_read_model(pool, m.model.setup, page_size=0)
