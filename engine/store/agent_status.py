"""Each agent's status as last recorded, so a restarted engine keeps agents logged in, on break or out
as they were (their state, what they were doing, comes back from the PBX: restore.py)."""

from __future__ import annotations

import json

import asyncpg

from engine.core.acd import AgentStatusRestored

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
