"""Which waiting call an agent takes, across all the queues they serve.

When an agent becomes free, they take, among the waiting calls of all their queues whose (relaxed)
requirements they meet, the call with the highest priority; between equal priorities the one that has
waited longest (earliest enqueue time); and, for a total order, the lower call id. A caller's place is
defined by this order alone, so a caller who asked for a callback keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WaitingCall:
    call_id: str
    queue: str
    priority: int  # higher first
    enqueued_at: float


def queue_order_key(call: WaitingCall) -> tuple[int, float, str]:
    return (-call.priority, call.enqueued_at, call.call_id)


def next_call_for_agent(
    waiting: Iterable[WaitingCall], agent_queues: frozenset[str], qualifies: Callable[[WaitingCall], bool]
) -> WaitingCall | None:
    eligible = (c for c in waiting if c.queue in agent_queues and qualifies(c))
    return min(eligible, key=queue_order_key, default=None)
