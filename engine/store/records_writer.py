"""Writes the call records (engine/core/records.py) in PostgreSQL, in the transaction of the events that
produced them, so `calls`, `call_segments` and `queue_log` never disagree with `events`.

Within a batch only the last version of each call and segment row is written (they are the row as it
now stands, so the last one wins), each table in one statement: calls before segments (the foreign key),
then the wrap-ups of legs answered before a restart (they look up a segment the same batch may have
written), then the queue log by COPY.

Restart: a crash loses no records and duplicates none, since a batch's records commit or roll back with
its events, and `events.seq` refuses a batch written twice. What a restart loses is the projection's
memory of calls still open; `restore_records` rebuilds it by replaying, in `seq` order, the stored events
of every call whose `ended_at` is empty, and each agent's last status change. Their rows are already
stored, so the replay's output is dropped. The calls the restarted ACD finds on the PBX (CallRestored)
then end normally when their last facts come; those the PBX no longer holds when the engine first hears
from it are closed as of the previous run's last stored event (engine/core/records/projection.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from engine.core.event_record import EventRecord, EventSource
from engine.core.fact_registry import name_of
from engine.core.facts import AgentStatusChanged
from engine.core.records import CallRecords, CallRow, QueueLogLine, RowOp, SegmentRow, WrapUpRecorded

# One statement per table per batch, the rows passed as arrays: a batch costs a round trip per table, not
# one per row. Each call and segment appears once in a batch (the writer keeps the last version), as an
# upsert must not touch a row twice.
UPSERT_CALLS = """
INSERT INTO calls (id, direction, dialed_number, caller_number, caller_name, started_at, ended_at, outcome)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                     $7::timestamptz[], $8::text[])
ON CONFLICT (id) DO UPDATE SET
    direction = EXCLUDED.direction, dialed_number = EXCLUDED.dialed_number,
    caller_number = EXCLUDED.caller_number, caller_name = EXCLUDED.caller_name,
    started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at, outcome = EXCLUDED.outcome
"""

# A wrap-up may have been written by RECORD_WRAPUPS (after a restart): a row without one keeps it.
UPSERT_SEGMENTS = """
INSERT INTO call_segments (call_id, segment_key, kind, queue, agent_id, leg_id, entered_at, left_at,
                           position_entry, position_exit, result, detail, ring_seconds, talk_seconds, hold_seconds,
                           wrapup_seconds)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                     $8::timestamptz[], $9::int[], $10::int[], $11::text[], $12::text[], $13::float8[],
                     $14::float8[], $15::float8[], $16::float8[])
ON CONFLICT (call_id, segment_key) DO UPDATE SET
    kind = EXCLUDED.kind, queue = EXCLUDED.queue, agent_id = EXCLUDED.agent_id, leg_id = EXCLUDED.leg_id,
    entered_at = EXCLUDED.entered_at, left_at = EXCLUDED.left_at, position_entry = EXCLUDED.position_entry,
    position_exit = EXCLUDED.position_exit, result = EXCLUDED.result, detail = EXCLUDED.detail,
    ring_seconds = EXCLUDED.ring_seconds, talk_seconds = EXCLUDED.talk_seconds, hold_seconds = EXCLUDED.hold_seconds,
    wrapup_seconds = coalesce(EXCLUDED.wrapup_seconds, call_segments.wrapup_seconds)
"""

# The wrap-up of a leg the projection no longer holds (it was answered before a restart): on the agent's
# latest answered leg of the call (completed, or transferred away).
RECORD_WRAPUPS = """
UPDATE call_segments AS s SET wrapup_seconds = w.wrapup_s
FROM unnest($1::text[], $2::text[], $3::float8[]) AS w (call_id, agent_id, wrapup_s)
WHERE s.id = (SELECT x.id FROM call_segments AS x
              WHERE x.call_id = w.call_id AND x.agent_id = w.agent_id AND x.kind = 'agent'
                AND x.result IN ('completed', 'transferred')
              ORDER BY x.entered_at DESC, x.id DESC LIMIT 1)
"""

QUEUE_LOG_COLUMNS = ("seq", "line", "logged_at", "call_id", "queue", "agent_id", "verb", "data")

# The stored events the projection needs after a restart: those of the calls still open, and each agent's
# last status change. Both kinds of rows are `engine` facts; a status change carries no call id.
OPEN_CALL_EVENTS = """
SELECT seq, received_at, type, version, call_id, leg_id, agent_id, queue, body FROM events
WHERE source = 'engine' AND call_id IN (SELECT id FROM calls WHERE ended_at IS NULL)
UNION ALL
SELECT * FROM (
    SELECT DISTINCT ON (agent_id) seq, received_at, type, version, call_id, leg_id, agent_id, queue, body FROM events
    WHERE type = $1 AND source = 'engine'
    ORDER BY agent_id, seq DESC
) AS last_status
ORDER BY seq
"""


def _time(at: float | None) -> datetime | None:
    return None if at is None else datetime.fromtimestamp(at, UTC)


def _columns(rows: Iterable[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows to one list per column (the arrays `unnest` takes)."""
    columns: list[list[Any]] = [[] for _ in range(width)]
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    return columns


def _call_args(row: CallRow) -> tuple[Any, ...]:
    return (row.call_id, row.direction, row.dialed_number, row.caller_number, row.caller_name,
            _time(row.started_at), _time(row.ended_at), row.outcome)


def _segment_args(row: SegmentRow) -> tuple[Any, ...]:
    return (row.call_id, row.key, row.kind.value, row.queue, row.agent_id, row.leg_id, _time(row.entered_at),
            _time(row.left_at), row.position_entry, row.position_exit, row.result, row.detail, row.ring_s,
            row.talk_s, row.hold_s, row.wrapup_s)


def _line_args(line: QueueLogLine) -> tuple[Any, ...]:
    return (line.seq, line.line, _time(line.at), line.call_id, line.queue, line.agent_id, line.verb, list(line.data))


async def apply_rows(conn: Any, ops: Iterable[RowOp]) -> None:
    """Write a batch's row operations on `conn` (inside the caller's transaction)."""
    calls: dict[str, CallRow] = {}
    segments: dict[tuple[str, str], SegmentRow] = {}
    wrapups: list[WrapUpRecorded] = []
    lines: list[QueueLogLine] = []
    for op in ops:
        if isinstance(op, CallRow):
            calls[op.call_id] = op
        elif isinstance(op, SegmentRow):
            segments[(op.call_id, op.key)] = op
        elif isinstance(op, WrapUpRecorded):
            wrapups.append(op)
        else:
            lines.append(op)
    if calls:
        await conn.execute(UPSERT_CALLS, *_columns(map(_call_args, calls.values()), 8))
    if segments:
        await conn.execute(UPSERT_SEGMENTS, *_columns(map(_segment_args, segments.values()), 16))
    if wrapups:
        await conn.execute(RECORD_WRAPUPS, *_columns(((w.call_id, w.agent_id, w.wrapup_s) for w in wrapups), 3))
    if lines:
        await conn.copy_records_to_table("queue_log", records=[_line_args(line) for line in lines],
                                         columns=QUEUE_LOG_COLUMNS)


def _as_record(row: Any) -> EventRecord:
    body = row["body"]
    return EventRecord(
        seq=row["seq"], received_at=row["received_at"].timestamp(), source=EventSource.ENGINE, type=row["type"],
        call_id=row["call_id"], leg_id=row["leg_id"], agent_id=row["agent_id"], queue=row["queue"],
        body=json.loads(body) if isinstance(body, str) else dict(body), version=row["version"],
    )


async def restore_records(pool: Any, records: CallRecords) -> int:
    """Rebuild the projection's memory of open calls and agents' statuses; returns the open calls found."""
    rows: Sequence[Any] = await pool.fetch(OPEN_CALL_EVENTS, name_of(AgentStatusChanged))
    for row in rows:
        records.apply(_as_record(row))  # already stored: only the projection's state is wanted
    last_seen = await pool.fetchval("SELECT max(received_at) FROM events")
    if last_seen is not None:
        records.resumed(last_seen.timestamp())
    return len(records.open_calls)
