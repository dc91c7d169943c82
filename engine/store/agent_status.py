"""What a restarted engine takes back from the events: each agent's status as last recorded, so agents stay
logged in, on break or out as they were (their state, what they were doing, comes back from the PBX:
restore.py), and today's facts, so the day's statistics go on where they were."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from engine.core.acd import AgentStatusRestored
from engine.core.stats import FactRecord

_LAST_STATUSES = """
SELECT DISTINCT ON (agent_id) agent_id, body, extract(epoch FROM received_at) AS since
FROM events
WHERE type = 'AgentStatusChanged' AND agent_id IS NOT NULL
ORDER BY agent_id, seq DESC
"""


async def last_agent_statuses(pool: asyncpg.Pool) -> list[AgentStatusRestored]:
    rows = await pool.fetch(_LAST_STATUSES)
    restored = []
    for row in rows:
        body = json.loads(row["body"]) if isinstance(row["body"], str) else row["body"]
        status = body.get("status")
        if status in ("available", "on_break", "logged_out"):
            restored.append(AgentStatusRestored(row["agent_id"], status, body.get("reason"), float(row["since"])))
    return restored


_FACTS_SINCE = """
SELECT seq, extract(epoch FROM received_at) AS at, type, call_id, queue, agent_id, body
FROM events
WHERE source = 'engine' AND received_at >= to_timestamp($1)
ORDER BY seq
"""


async def facts_since(pool: asyncpg.Pool, since: float) -> list[FactRecord]:
    """The engine's facts recorded since `since` (epoch seconds), in stream order."""
    rows = await pool.fetch(_FACTS_SINCE, since)
    return [FactRecord(row["seq"], float(row["at"]), row["type"], row["call_id"], row["queue"], row["agent_id"],
                       json.loads(row["body"]) if isinstance(row["body"], str) else dict(row["body"]))
            for row in rows]


def start_of_day(now: float, timezone: str) -> float:
    local = datetime.fromtimestamp(now, ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
