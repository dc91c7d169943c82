"""What the HTTP API, the CLI and the live feed show of a read model: agents, queues and calls as JSON-ready
dicts, key for key and in the order the ACD's own state gives them (tests/acd_views.py, the tests' oracle).
One row at a time too (`agent_view`, `queue_view`, `call_view`), for a live feed's deltas."""

from __future__ import annotations

from collections import Counter

from engine.core.agent_fsm import AgentStatus
from engine.core.ids import AgentId, CallId, QueueName
from engine.core.presence import UnknownAgent
from engine.core.read_model.calls import IN_LINE, LiveCall
from engine.core.read_model.model import ReadModel


def agent_view(model: ReadModel, agent_id: str, now: float) -> dict[str, object]:
    setup = model.agent_setups.get(AgentId(agent_id))
    agent = model.agents.agents.get(AgentId(agent_id))
    if setup is None or agent is None:
        raise UnknownAgent(f"no agent {agent_id!r}")
    return {
        "id": agent_id, "name": setup.name, "endpoint": setup.endpoint, "queues": list(setup.queues),
        "status": agent.status.value, "break_reason": agent.break_reason, "status_since": agent.status_since,
        "state": agent.state.value, "state_since": agent.state_since, "reachable": agent.reachable,
        "device_busy": agent.device_busy, "calls_today": model.agent_stats.today(agent_id, now).handled,
        "call_id": agent.call_id, **model.agent_stats.current(agent_id, now),
    }


def agents_view(model: ReadModel, now: float) -> list[dict[str, object]]:
    return [agent_view(model, agent.agent_id, now) for agent in model.setup.agents]


def queues_view(model: ReadModel, now: float) -> list[dict[str, object]]:
    waiting = model.queue_stats.waiting(now)
    in_line = Counter(call.queue for call in model.calls.live.values() if call.phase_at(now) in IN_LINE)
    return [_queue_row(model, queue.name, queue.strategy.value, in_line[queue.name], waiting, now)
            for queue in model.setup.queues]


def queue_view(model: ReadModel, queue: str, now: float) -> dict[str, object] | None:
    found = model.queue_setups.get(QueueName(queue))
    if found is None:
        return None
    in_line = sum(1 for call in model.calls.live.values() if call.queue == queue and call.phase_at(now) in IN_LINE)
    return _queue_row(model, found.name, found.strategy.value, in_line, model.queue_stats.waiting(now), now)


def _queue_row(model: ReadModel, queue: QueueName, strategy: str, in_line: int,
               waiting: dict[str, tuple[int, float]], now: float) -> dict[str, object]:
    states: dict[str, int] = {}
    for agent_id in model.members[queue]:
        # An available agent is counted by what they are doing; the others by their status.
        agent = model.agents.agents[agent_id]
        key = agent.state.value if agent.status is AgentStatus.AVAILABLE else agent.status.value
        states[key] = states.get(key, 0) + 1
    _count, longest = waiting.get(queue, (0, 0.0))
    return {"queue": queue, "strategy": strategy, "waiting": in_line, "longest_wait_s": round(longest, 1),
            "agents": states, **model.queue_stats.current(queue, now)}


def calls_view(model: ReadModel, now: float) -> list[dict[str, object]]:
    """Calls in line order per queue: priority, then place in line (kept on overflow, new on transfer)."""
    ordered = sorted(model.calls.live.values(), key=lambda c: (c.queue, -c.priority, c.enqueued_at, c.call_id))
    return [_call_row(call, now) for call in ordered]


def call_view(model: ReadModel, call_id: str, now: float) -> dict[str, object] | None:
    """One call's row; None for a call not shown (ended, moving between queues, not restored)."""
    call = model.calls.live.get(CallId(call_id))
    return None if call is None else _call_row(call, now)


def _call_row(call: LiveCall, now: float) -> dict[str, object]:
    return {
        "id": call.call_id, "queue": call.queue, "phase": call.phase_at(now).value, "priority": call.priority,
        "caller": call.caller, "caller_name": call.caller_name, "waited_s": round(now - call.entered_queue_at, 1),
        "agent_id": call.agent_id or call.reserved_agent, "ringing": sorted(call.offers.values()),
    }
