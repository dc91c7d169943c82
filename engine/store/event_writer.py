"""Writes the event stream to PostgreSQL in batches, off the routing path, within a bounded backlog.

The runtime hands each stamped record to `submit()`, which never blocks or awaits; one task drains the
backlog, taking everything that is waiting (up to `batch_size`) into one COPY. Under load batches grow and
the per-event cost falls; when idle each event is written at once. `close()` then `run()` returning means
everything submitted was written, so a clean stop loses nothing.

With a call-record projection (engine/core/records.py), each batch's records (calls, segments, queue log)
are written in the same transaction as its events (records_writer.py): both are stored, or neither.

The bound, and why it never drops an event. A PostgreSQL slower than the engine makes the backlog (waiting
plus the batch being written) grow. Dropping events would break the stream's promise (every event, in `seq`
order), and blocking `submit()` would stall routing, so the writer instead says how full it is, as a
pressure any code reads without awaiting (`pressure`, from `backlog` against `capacity`):
- OK, then DEGRADED past half the capacity: `/api/health` says so, with the backlog (engine/health.py);
- FULL from 90% of the capacity: the engine stops taking new callers, which it sends to the dialplan's
  fallback queue without answering them (engine/routing/fallback_queue.py). The last 10% is the headroom for
  what calls already in progress still produce (their hangups, the diverted callers' own StasisStart/End);
  the writer leaves FULL only below 80%, so the admission of callers does not flap with every batch.
- `capacity` itself is a last guard, not a wall: a record submitted past it is still kept (and written in
  order once PostgreSQL catches up), the first one of each such episode logs an error, and `over_capacity`
  counts them. Reaching it means the headroom was too small for the load: raise `[database] writer_capacity`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from engine.core.event_record import EventRecord
from engine.core.records import CallRecords, RowOp
from engine.store.records_writer import apply_rows

log = logging.getLogger(__name__)

DEFAULT_CAPACITY = 100_000
DEFAULT_BATCH_SIZE = 500

_COLUMNS = (
    "seq", "received_at", "pbx_time", "source", "type", "call_id", "leg_id", "agent_id", "queue", "body", "version",
)


class Pressure(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # past half the capacity
    FULL = "full"  # new callers go to the fallback queue


@dataclass(frozen=True, slots=True)
class Limits:
    """The backlog sizes at which the pressure changes (module docstring)."""

    capacity: int
    degraded_above: int
    full_at: int
    resume_below: int

    @classmethod
    def of(cls, capacity: int) -> Limits:
        if capacity < 10:
            raise ValueError(f"an event writer's capacity must be at least 10 events, got {capacity}")
        return cls(capacity, capacity // 2, capacity * 9 // 10, capacity * 8 // 10)


def next_pressure(current: Pressure, backlog: int, limits: Limits) -> Pressure:
    """The pressure for `backlog`, given the pressure so far (FULL holds down to `resume_below`)."""
    if backlog >= limits.full_at or (current is Pressure.FULL and backlog >= limits.resume_below):
        return Pressure.FULL
    if backlog > limits.degraded_above:
        return Pressure.DEGRADED
    return Pressure.OK


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
    def __init__(self, pool: Any, batch_size: int = DEFAULT_BATCH_SIZE, records: CallRecords | None = None,
                 capacity: int = DEFAULT_CAPACITY) -> None:
        self._pool = pool
        self._batch_size = batch_size
        self._records = records
        self._limits = Limits.of(capacity)
        self._waiting: deque[EventRecord] = deque()
        self._in_flight = 0
        self._wake = asyncio.Event()
        self._closing = False
        self._pressure = Pressure.OK
        # The smallest backlog at which `submit()` must look at the pressure again (all it does otherwise is
        # one comparison): the next threshold up from where the pressure is.
        self._recheck_at = self._limits.degraded_above + 1
        self._over = False
        self.written = 0
        self.stored_seq = 0  # the seq of the last record stored
        self._stored = asyncio.Event()  # set after each batch is stored, for `wait_stored`
        self.batches = 0
        self.record_rows = 0
        self.over_capacity = 0

    # --- what the engine reads, without awaiting -------------------------------------------------------
    @property
    def backlog(self) -> int:
        """Records submitted and not yet stored: waiting, plus the batch being written."""
        return len(self._waiting) + self._in_flight

    @property
    def capacity(self) -> int:
        return self._limits.capacity

    @property
    def pressure(self) -> Pressure:
        return self._pressure

    # --- the routing path --------------------------------------------------------------------------------
    def submit(self, record: EventRecord) -> None:
        self._waiting.append(record)
        self._wake.set()
        backlog = len(self._waiting) + self._in_flight
        if backlog >= self._recheck_at:
            self._update(backlog, submitted=True)

    async def wait_stored(self, seq: int) -> None:
        """Return once the record `seq` (and so every one before it) is stored."""
        while self.stored_seq < seq:
            self._stored.clear()
            await self._stored.wait()

    def close(self) -> None:
        """Ask `run()` to finish once everything submitted until it returns is written."""
        self._closing = True
        self._wake.set()

    # --- the writing task --------------------------------------------------------------------------------
    async def run(self) -> None:
        """Drain until `close()` is called and nothing is left; meant to run as one task of the engine's
        TaskGroup. A failed write ends it with the database's error."""
        waiting = self._waiting
        while True:
            if not waiting:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = [waiting.popleft() for _ in range(min(len(waiting), self._batch_size))]
            self._in_flight = len(batch)
            try:
                await self._write(batch)
            finally:
                self._in_flight = 0
            self._update(len(waiting))

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
        self.stored_seq = batch[-1].seq
        self._stored.set()
        self.batches += 1
        self.record_rows += len(ops)

    # --- pressure ----------------------------------------------------------------------------------------
    def _update(self, backlog: int, submitted: bool = False) -> None:
        limits = self._limits
        before, after = self._pressure, next_pressure(self._pressure, backlog, limits)
        self._pressure = after
        if backlog > limits.capacity and submitted:
            self.over_capacity += 1
            if not self._over:
                self._over = True
                log.error("event writer past its capacity: PostgreSQL is not keeping up; events are kept, none "
                          "is dropped, but memory grows", extra={"fields": self._figures(backlog)})
        elif backlog < limits.full_at:
            self._over = False
        if after is Pressure.FULL:
            self._recheck_at = limits.capacity + 1  # past it, every submit is counted
        elif after is Pressure.DEGRADED:
            self._recheck_at = limits.full_at
        else:
            self._recheck_at = limits.degraded_above + 1
        if after is before:
            return
        figures = self._figures(backlog)
        if after is Pressure.FULL:
            log.warning("event writer full: new callers go to the fallback queue until PostgreSQL catches up",
                        extra={"fields": figures})
        elif after is Pressure.DEGRADED and before is Pressure.OK:
            log.warning("event writer past half its capacity: PostgreSQL is slower than the engine",
                        extra={"fields": figures})
        else:
            log.info("event writer pressure now %s", after.value, extra={"fields": figures})

    def _figures(self, backlog: int) -> dict[str, Any]:
        return {"backlog": backlog, "capacity": self._limits.capacity, "pressure": self._pressure.value}


async def last_seq(pool: Any) -> int:
    value = await pool.fetchval("SELECT coalesce(max(seq), 0) FROM events")
    return int(value)
