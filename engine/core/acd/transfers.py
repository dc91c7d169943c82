"""Transfers: an agent hands their connected call to a queue (a new queue visit, the caller on music) or
to a free agent (rung at once; if they do not answer, the call waits in its queue as any other). The
transferring agent's leg is hung up and they go to wrap-up; the call keeps its id, so the records stay whole.
"""

from __future__ import annotations

from engine.core import facts
from engine.core.acd.commands import AcdCommand, HangUpLeg, StartMusic, TearDownBridge
from engine.core.acd.context import AcdContext
from engine.core.acd.events import CallEnqueued, TransferRequested
from engine.core.acd.state import CallPhase


class TransferRefused(ValueError):
    """A transfer that cannot be carried out (the call is not connected, the target agent is busy...)."""


def transfer(acd: AcdContext, event: TransferRequested, now: float, out: list[AcdCommand]) -> None:
    call = acd.calls.get(event.call_id)
    if call is None or call.phase is not CallPhase.CONNECTED or call.caller_leg is None or call.agent_leg is None:
        raise TransferRefused(f"call {event.call_id} is not connected to an agent")
    if (event.to_queue is None) == (event.to_agent is None):
        raise TransferRefused("a transfer names a queue or an agent")
    if event.to_queue is not None and event.to_queue not in acd.queues:
        raise TransferRefused(f"no queue {event.to_queue!r}")
    target = acd.roster.agent(event.to_agent) if event.to_agent is not None else None
    if target is not None and target.config.agent_id not in acd.roster.free:
        raise TransferRefused(f"agent {target.config.agent_id} is not available")
    talk = now - call.answered_at if call.answered_at is not None else 0.0
    out.append(facts.CallTransferred(call.call_id, call.agent_id, call.queue, call.agent_leg, event.to_queue,
                                     event.to_agent, round(talk, 3)))
    out.append(HangUpLeg(call.agent_leg, "transferred"))
    out.append(TearDownBridge(call.call_id, acd.book.bridge(call.call_id)))
    acd.agent_done(call, talk, now, out)
    call.agent_leg = call.agent_id = call.answered_at = None
    if target is None:
        assert event.to_queue is not None
        acd.calls.pop(call.call_id)
        follow = CallEnqueued(call.call_id, call.caller_leg, event.to_queue, call.priority, call.skills,
                              call.caller_number, call.caller_name, None)
        acd.enqueue(follow, now, out)
        return
    queue = acd.queues[call.queue]
    out.append(StartMusic(call.caller_leg, queue.moh_class))
    call.taken_at_position = 0
    acd.offer(call, target, queue, now, out)
