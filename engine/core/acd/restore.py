"""A call a restarted (or reconnected) engine found on the PBX, taken back by the ACD. Pure.

The edge (engine/edge/restore_plan.py) reads what the ARI app still holds and makes a `CallFound` of each
call it can explain; here the ACD takes it back: waiting in line at its old place, or connected to its agent.
"""

from __future__ import annotations

from engine.core import facts
from engine.core.acd.commands import AcdCommand, HangUpLeg, StartMusic, StartTimer
from engine.core.acd.context import AcdContext
from engine.core.acd.events import CallFound
from engine.core.acd.state import CallPhase, CallRecord
from engine.core.calls import LegRole, LegStage
from engine.core.ids import AgentId


def restore_call(acd: AcdContext, event: CallFound, now: float, out: list[AcdCommand]) -> None:
    """A call a restarted engine found on the PBX (no CallerEnqueued again: its queue visit is already
    recorded). Skill requirements are not carried on the channel, so a restored caller is matched on
    the queue alone."""
    queue = acd.queues.get(event.queue)
    if queue is None or event.call_id in acd.calls:
        out.append(HangUpLeg(event.caller_leg, "restored call has no queue"))
        return
    call = CallRecord(event.call_id, event.caller_leg, queue.name, event.priority, (), event.caller_number,
                      event.caller_name, event.enqueued_at, event.enqueued_at)
    acd.calls[call.call_id] = call
    acd.book.add_leg(call.call_id, LegRole.CALLER, LegStage.UP, leg_id=event.caller_leg)
    agent = acd.agents.get(event.agent_id or AgentId(""))
    if event.agent_leg is not None and agent is not None and agent.leg_id is None:
        call.phase, call.agent_leg, call.agent_id, call.answered_at = (
            CallPhase.CONNECTED, event.agent_leg, agent.config.agent_id, now)
        acd.book.add_leg(call.call_id, LegRole.AGENT, LegStage.UP, leg_id=event.agent_leg,
                         agent_id=agent.config.agent_id)
        if event.bridge_id is not None:
            acd.book.found_bridge(call.call_id, event.bridge_id)
        acd.roster.take_back(agent, call.call_id, event.agent_leg, now, out)
        out.append(facts.CallRestored(call.call_id, queue.name, event.caller_leg, facts.RestoredPhase.CONNECTED,
                                      agent.config.agent_id, event.agent_leg))
        return
    if event.agent_leg is not None:
        out.append(HangUpLeg(event.agent_leg, "restored agent leg has no agent"))
    acd.wait_in_line(call)
    out.append(StartMusic(event.caller_leg, queue.moh_class))
    out.append(facts.CallRestored(call.call_id, queue.name, event.caller_leg, facts.RestoredPhase.WAITING,
                                  position=acd.position(call)))
    if queue.max_wait_s is not None:
        out.append(StartTimer(("max_wait", call.call_id), max(now, call.entered_queue_at + queue.max_wait_s)))
    acd.arm_relaxation(call, now, out)
    if queue.announcements is not None:
        out.append(StartTimer(("announce", call.call_id), now + queue.announcements.first_after_s))
