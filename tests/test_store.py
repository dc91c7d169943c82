from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from engine.core.event_record import EventSource
from engine.runtime import EventStream
from engine.store.applock import AppLockHeld, hold_app_lock
from engine.store.event_writer import EventWriter, last_seq
from engine.store.migrate import migrate
from pbxsim.clock import ManualClock


async def test_second_engine_on_same_app_is_refused_with_holder_named(database_url: str) -> None:
    async with hold_app_lock(database_url, "callhive"):
        with pytest.raises(AppLockHeld) as caught:
            async with hold_app_lock(database_url, "callhive"):
                pytest.fail("two engines held the same ARI app")
        message = str(caught.value)
        assert "another engine is already driving ARI app 'callhive'" in message
        assert "callhive serve app=callhive pid=" in message
        # Another app is independent.
        async with hold_app_lock(database_url, "other-app"):
            pass
    # Released with the first holder: a new engine may take it.
    async with hold_app_lock(database_url, "callhive"):
        pass


async def test_writer_keeps_stream_order_and_loses_nothing_on_close(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
        writer = EventWriter(pool, batch_size=7)
        clock = ManualClock(start=1_700_000_000.0)
        stream = EventStream(clock, writer, last_seq=41)
        for n in range(50):
            clock.advance(0.25)
            stream.publish(EventSource.AMI, "Newchannel", call_id=f"c{n % 5}", body={"n": n}, pbx_time=1.5)
        writer.close()
        await writer.run()
        assert writer.written == 50
        assert writer.batches >= 50 // 7  # batched, not one insert per event
        rows = await pool.fetch("SELECT seq, body, received_at, pbx_time, call_id FROM events ORDER BY seq")
        assert [r["seq"] for r in rows] == list(range(42, 92))
        assert [json.loads(r["body"])["n"] for r in rows] == list(range(50))
        received = [r["received_at"] for r in rows]
        assert received == sorted(received)
        assert len(set(received)) == 50
        assert rows[0]["pbx_time"].timestamp() == 1.5
        assert await last_seq(pool) == 91
    finally:
        await pool.close()


class ListSink:
    def __init__(self) -> None:
        self.records: list[Any] = []

    def submit(self, record: Any) -> None:
        self.records.append(record)


async def test_live_subscriber_sees_events_in_seq_order() -> None:
    sink = ListSink()
    stream = EventStream(ManualClock(), sink)
    subscription = stream.subscribe(limit=10)
    for n in range(3):
        stream.publish(EventSource.ENGINE, f"E{n}")
    subscription.close()
    seen = [record.seq async for record in subscription]
    assert seen == [1, 2, 3]
    assert [r.type for r in sink.records] == ["E0", "E1", "E2"]


async def test_lagging_subscriber_is_cut_off_not_blocking() -> None:
    stream = EventStream(ManualClock(), ListSink())
    slow = stream.subscribe(limit=3)
    for n in range(10):
        stream.publish(EventSource.ENGINE, f"E{n}")
    assert slow.lagged
    seen = [record.seq async for record in slow]
    assert len(seen) < 10  # it ended instead of growing without bound
    assert stream.publish(EventSource.ENGINE, "after").seq == 11
