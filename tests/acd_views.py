"""The ACD's own view of agents, queues and calls, from its state and statistics: the oracle the read model is held
equal to (tests/read_model_mirror.py). The engine itself shows the read model (engine/core/read_model/views.py)."""

from __future__ import annotations

from engine.core.acd import Acd, UnknownAgent
from engine.core.agent_fsm import AgentStatus
from engine.core.agent_stats import AgentStats
from engine.core.ids import AgentId
from engine.core.stats import QueueStats


def agent_view(acd: Acd, stats: AgentStats, agent_id: str, now: float) -> dict[str, object]:
    agent = acd.agents.get(AgentId(agent_id))
    if agent is None:
        raise UnknownAgent(f"no agent {agent_id!r}")
    presence = agent.presence
    return {
        "id": agent_id, "name": agent.config.name, "endpoint": agent.config.endpoint,
        "queues": list(agent.config.queues), "status": presence.status.value,
        "break_reason": presence.break_reason, "status_since": presence.status_since,
        "state": presence.state.value, "state_since": presence.state_since,
        "reachable": agent.reachable, "device_busy": agent.device_busy, "calls_today": acd.calls_today(agent, now),
        "call_id": agent.call_id, **stats.current(agent_id, now),
    }


def queues_view(acd: Acd, stats: QueueStats, now: float) -> list[dict[str, object]]:
    waiting = stats.waiting(now)
    rows: list[dict[str, object]] = []
    for name, queue in acd.queues.items():
        states: dict[str, int] = {}
        for agent in (acd.agents[a] for a in acd.members(name)):
            # An available agent is counted by what they are doing; the others by their status.
            presence = agent.presence
            key = presence.state.value if presence.status is AgentStatus.AVAILABLE else presence.status.value
            states[key] = states.get(key, 0) + 1
        _count, longest = waiting.get(name, (0, 0.0))
        rows.append({"queue": name, "strategy": queue.strategy.value, "waiting": len(acd.waiting_calls(name)),
                     "longest_wait_s": round(longest, 1), "agents": states, **stats.current(name, now)})
    return rows


def calls_view(acd: Acd, now: float) -> list[dict[str, object]]:
    """Calls the ACD holds, in line order per queue first, then the others."""
    rows: list[dict[str, object]] = []
    for call in sorted(acd.calls.values(), key=lambda c: (c.queue, -c.priority, c.enqueued_at, c.call_id)):
        rows.append({
            "id": call.call_id, "queue": call.queue, "phase": call.phase.value, "priority": call.priority,
            "caller": call.caller_number, "caller_name": call.caller_name,
            "waited_s": round(now - call.entered_queue_at, 1), "agent_id": call.agent_id or call.reserved_agent,
            "ringing": sorted(call.offers.values()),
        })
    return rows
