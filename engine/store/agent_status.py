"""What a restarted engine takes back from the events: each agent's status as last recorded, so agents stay
logged in, on break or out as they were (their state, what they were doing, comes back from the PBX:
restore.py), and today's facts, so the day's statistics go on where they were."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from engine.core import facts
from engine.core.acd import AgentStatusRestored
from engine.core.agent_fsm import AgentStatus
from engine.core.event_record import EventRecord, EventSource
from engine.core.fact_registry import FactDecodeError, name_of
from engine.core.ids import AgentId

log = logging.getLogger(__name__)

_LAST_STATUSES = """
SELECT DISTINCT ON (agent_id) agent_id, body, extract(epoch FROM received_at) AS since
FROM events
WHERE type = $1 AND agent_id IS NOT NULL
ORDER BY agent_id, seq DESC
"""


async def last_agent_statuses(pool: asyncpg.Pool) -> list[AgentStatusRestored]:
    rows = await pool.fetch(_LAST_STATUSES, name_of(facts.AgentStatusChanged))
    restored = []
    for row in rows:
        body = json.loads(row["body"]) if isinstance(row["body"], str) else row["body"]
        status = body.get("status")
        if status in tuple(AgentStatus):
            restored.append(AgentStatusRestored(AgentId(row["agent_id"]), AgentStatus(status), body.get("reason"),
                                                float(row["since"])))
    return restored


_FACTS_SINCE = """
SELECT seq, extract(epoch FROM received_at) AS at, type, version, call_id, leg_id, queue, agent_id, body
FROM events
WHERE source = 'engine' AND received_at >= to_timestamp($1)
ORDER BY seq
"""


async def facts_since(pool: asyncpg.Pool, since: float) -> list[facts.Stamped]:
    """The engine's facts recorded since `since` (epoch seconds), in stream order; rows written by an earlier
    schema version are upgraded, and one that cannot be read is left out with a warning."""
    rows = await pool.fetch(_FACTS_SINCE, since)
    found = []
    for row in rows:
        record = EventRecord(row["seq"], float(row["at"]), EventSource.ENGINE, row["type"], None, row["call_id"],
                             row["leg_id"], row["agent_id"], row["queue"],
                             json.loads(row["body"]) if isinstance(row["body"], str) else dict(row["body"]),
                             row["version"])
        try:
            fact = facts.fact_of(record)
        except FactDecodeError as exc:
            log.warning("stored fact left out: %s", exc, extra={"fields": {"seq": record.seq}})
            continue
        if fact is not None:
            found.append(facts.Stamped(record.seq, record.received_at, fact))
    return found


def start_of_day(now: float, timezone: str) -> float:
    local = datetime.fromtimestamp(now, ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
