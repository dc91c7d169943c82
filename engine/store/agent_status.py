"""What a restarted engine takes back from the events: each agent's status as last recorded, so agents stay
logged in, on break or out as they were (their state, what they were doing, comes back from the PBX:
engine/routing/restore.py). The day's figures go on from the read model, rebuilt at start
(engine/store/read_model.py)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from engine.core import facts
from engine.core.acd import AgentStatusRestored
from engine.core.agent_fsm import AgentStatus
from engine.core.fact_registry import name_of
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


def start_of_day(now: float, timezone: str) -> float:
    local = datetime.fromtimestamp(now, ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
