"""Writes the event stream to PostgreSQL in batches, off the routing path.

The runtime hands each stamped record to `submit()`, which never blocks or awaits; one task drains the
queue, taking everything that is waiting (up to `batch_size`) into one COPY. Under load batches grow and
the per-event cost falls; when idle each event is written at once. `aclose()` drains what is left, so a
clean stop loses nothing.

With a call-record projection (engine/core/records.py), each batch's records (calls, segments, queue log)
are written in the same transaction as its events (records_writer.py): both are stored, or neither.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

from engine.core.event_record import EventRecord
from engine.core.records import CallRecords, RowOp
from engine.store.records_writer import apply_rows

log = logging.getLogger(__name__)

_COLUMNS = (
    "seq", "received_at", "pbx_time", "source", "type", "call_id", "leg_id", "agent_id", "queue", "body", "version",
)


def _row(record: EventRecord) -> tuple[Any, ...]:
    pbx_time = None if record.pbx_time is None else datetime.fromtimestamp(record.pbx_time, UTC)
    return (
        record.seq,
        datetime.fromtimestamp(record.received_at, UTC),
        pbx_time,
        record.source.value,
        record.type,
        record.call_id,
        record.leg_id,
        record.agent_id,
        record.queue,
        json.dumps(record.body, default=str),
        record.version,
    )


class EventWriter:
    def __init__(self, pool: Any, batch_size: int = 500, records: CallRecords | None = None) -> None:
        self._pool = pool
        self._batch_size = batch_size
        self._records = records
        self._queue: asyncio.Queue[EventRecord | None] = asyncio.Queue()
        self.written = 0
        self.batches = 0
        self.record_rows = 0

    def submit(self, record: EventRecord) -> None:
        self._queue.put_nowait(record)

    async def run(self) -> None:
        """Drain until `aclose()` is called; meant to run as one task of the engine's TaskGroup."""
        closing = False
        while not closing:
            first = await self._queue.get()
            batch: list[EventRecord] = []
            if first is None:
                closing = True
            else:
                batch.append(first)
            while not self._queue.empty() and len(batch) < self._batch_size:
                item = self._queue.get_nowait()
                if item is None:
                    closing = True
                else:
                    batch.append(item)
            if batch:
                await self._write(batch)
            # Whatever arrived after the close marker is still written before returning.
            if closing:
                await self._write_rest()

    async def _write_rest(self) -> None:
        rest: list[EventRecord] = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None:
                rest.append(item)
        for start in range(0, len(rest), self._batch_size):
            await self._write(rest[start : start + self._batch_size])

    async def _write(self, batch: list[EventRecord]) -> None:
        ops: list[RowOp] = []
        if self._records is not None:
            for record in batch:
                ops.extend(self._records.apply(record))
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.copy_records_to_table("events", records=[_row(r) for r in batch], columns=_COLUMNS)
            if ops:
                await apply_rows(conn, ops)
        self.written += len(batch)
        self.batches += 1
        self.record_rows += len(ops)

    def close(self) -> None:
        """Ask `run()` to finish once everything submitted so far is written."""
        self._queue.put_nowait(None)


async def last_seq(pool: Any) -> int:
    value = await pool.fetchval("SELECT coalesce(max(seq), 0) FROM events")
    return int(value)
