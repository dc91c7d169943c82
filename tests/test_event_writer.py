"""The bounded event writer: its pressure (ok, degraded past half, full from 90% until back under 80%), the last
guard at capacity, and that a PostgreSQL held up by a lock loses nothing and gets every event in order.

The real database is slowed by a SHARE lock on `events` held in another connection (the writer's COPY waits on
it). Where the test must decide when each batch completes, a gated pool stands in for asyncpg: the queue logic
is the same, only the batch's end is the test's to choose.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest

from engine.core.event_record import EventRecord, EventSource
from engine.store.event_writer import EventWriter, Limits, Pressure, next_pressure
from engine.store.migrate import migrate

GUARD_SECONDS = 10.0  # a hung writer fails the test instead of hanging it; never asserted on


def record(seq: int) -> EventRecord:
    return EventRecord(seq=seq, received_at=1_700_000_000.0 + seq, source=EventSource.ENGINE, type="Filler",
                       body={"n": seq})


def test_pressure_thresholds_and_the_way_back_from_full() -> None:
    limits = Limits.of(100)
    assert (limits.degraded_above, limits.full_at, limits.resume_below) == (50, 90, 80)
    ok, degraded, full = Pressure.OK, Pressure.DEGRADED, Pressure.FULL
    assert [next_pressure(ok, n, limits) for n in (0, 50, 51, 89, 90, 250)] == [ok, ok, degraded, degraded, full, full]
    # Full holds down to 80%, so the admission of new callers does not flap with every batch written.
    assert [next_pressure(full, n, limits) for n in (89, 80, 79, 51, 50)] == [full, full, degraded, degraded, ok]
    assert next_pressure(degraded, 85, limits) is degraded


def test_a_capacity_too_small_to_mean_anything_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 10 events, got 3"):
        Limits.of(3)


class GatedPool:
    """asyncpg's pool as the writer uses it (acquire, transaction, COPY), where each COPY waits for `release()`."""

    def __init__(self) -> None:
        self.copies: list[list[tuple[Any, ...]]] = []
        self._gate = asyncio.Semaphore(0)
        self.writing = asyncio.Event()  # set when a batch has reached the database and waits there

    def release(self) -> None:
        self.writing.clear()
        self._gate.release()

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[GatedPool]:
        yield self

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    async def copy_records_to_table(self, table: str, *, records: list[tuple[Any, ...]], columns: Any) -> None:
        self.writing.set()
        await self._gate.acquire()
        self.copies.append(records)


async def test_pressure_follows_the_backlog_as_batches_are_written() -> None:
    pool = GatedPool()
    writer = EventWriter(pool, batch_size=5, capacity=100)
    for seq in range(1, 93):
        writer.submit(record(seq))
    assert (writer.backlog, writer.pressure) == (92, Pressure.FULL)
    running = asyncio.create_task(writer.run())
    seen = []
    async with asyncio.timeout(GUARD_SECONDS):
        await pool.writing.wait()
        assert writer.backlog == 92  # the batch being written still counts: its memory is still held
        while writer.backlog > 47:
            pool.release()
            await pool.writing.wait()  # the next batch is at the database: the previous one is done
            seen.append((writer.backlog, writer.pressure))
        assert seen == [
            (87, Pressure.FULL), (82, Pressure.FULL), (77, Pressure.DEGRADED), (72, Pressure.DEGRADED),
            (67, Pressure.DEGRADED), (62, Pressure.DEGRADED), (57, Pressure.DEGRADED), (52, Pressure.DEGRADED),
            (47, Pressure.OK),
        ]  # fmt: skip
        writer.close()
        while True:
            await pool.writing.wait()
            last = writer.backlog <= 5  # nothing waits behind the batch at the database
            pool.release()
            if last:
                break
        await running
    assert [row[0] for batch in pool.copies for row in batch] == list(range(1, 93))
    assert (writer.backlog, writer.pressure, writer.written) == (0, Pressure.OK, 92)


async def test_past_capacity_every_event_is_kept_and_the_overflow_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = GatedPool()
    writer = EventWriter(pool, batch_size=50, capacity=20)
    with caplog.at_level(logging.WARNING, logger="engine.store.event_writer"):
        for seq in range(1, 26):
            writer.submit(record(seq))
    assert (writer.backlog, writer.pressure, writer.over_capacity) == (25, Pressure.FULL, 5)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        "event writer past its capacity: PostgreSQL is not keeping up; events are kept, none is dropped, "
        "but memory grows"
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "event writer past half its capacity: PostgreSQL is slower than the engine",
        "event writer full: new callers go to the fallback queue until PostgreSQL catches up",
    ]
    writer.close()
    running = asyncio.create_task(writer.run())
    async with asyncio.timeout(GUARD_SECONDS):
        await pool.writing.wait()
        pool.release()
        await running
    assert [row[0] for row in pool.copies[0]] == list(range(1, 26))


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        async with created.acquire() as conn:
            await migrate(conn)
        yield created
    finally:
        await created.close()


class CountingPool:
    """The real pool, telling the test when the writer has started a write (and so is waiting on the lock)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.writing = asyncio.Event()

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        async with self._pool.acquire() as conn:
            self.writing.set()
            yield conn


async def test_a_locked_events_table_fills_the_writer_and_nothing_is_lost(database_url: str,
                                                                           pool: asyncpg.Pool) -> None:
    blocker = await asyncpg.connect(database_url)
    counting = CountingPool(pool)
    writer = EventWriter(counting, batch_size=10, capacity=40)
    try:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE events IN SHARE MODE")  # reads go on; the writer's COPY waits
        writer.submit(record(1))
        running = asyncio.create_task(writer.run())
        async with asyncio.timeout(GUARD_SECONDS):
            await counting.writing.wait()
            for seq in range(2, 37):  # the database holds the first batch; the rest waits in memory
                writer.submit(record(seq))
            assert (writer.backlog, writer.pressure) == (36, Pressure.FULL)
            assert writer.written == 0
            await transaction.rollback()  # PostgreSQL is fast again
            writer.close()
            await running
        assert (writer.backlog, writer.pressure, writer.written, writer.over_capacity) == (0, Pressure.OK, 36, 0)
        rows = await pool.fetch("SELECT seq, body FROM events ORDER BY seq")
        assert [row["seq"] for row in rows] == list(range(1, 37))
        assert [json.loads(row["body"])["n"] for row in rows] == list(range(1, 37))
    finally:
        await blocker.close()
