"""Callbacks: a caller who pressed 1 hangs up and keeps their place in line; when their turn comes an
agent is reserved and the caller's number is dialled; once they answer, the reserved agent is rung
(the phases are in machine.py's second table). A caller not reached is tried again after the queue's
`retry_after_s`, up to its `attempts`, keeping their place; then the callback is given up (recorded).
"""

from __future__ import annotations

from engine.core import facts
from engine.core.acd.commands import AcdCommand, DialCallback, HangUpLeg, StartMusic, StartTimer
from engine.core.acd.config import QueueConfig
from engine.core.acd.context import AcdContext
from engine.core.acd.events import LegFailure
from engine.core.acd.state import CallPhase, CallRecord
from engine.core.agent_fsm import StateTrigger
from engine.core.calls import LegRole, LegStage
from engine.core.ids import LegId
from engine.core.presence import AgentRecord


def requested(acd: AcdContext, call: CallRecord, now: float, out: list[AcdCommand]) -> None:
    """The caller pressed 1: they hang up, the call keeps its place in line with nobody on it."""
    assert call.caller_leg is not None
    out.append(facts.CallbackRequested(call.call_id, call.queue, call.caller_leg, call.caller_number,
                                       acd.position(call), round(now - call.entered_queue_at, 3)))
    out.append(HangUpLeg(call.caller_leg, "callback requested"))
    call.caller_leg = None
    call.phase = CallPhase.CALLBACK
    acd.cancel_timers(call, out, "max_wait", "announce")


def dial_back(acd: AcdContext, call: CallRecord, agent: AgentRecord, queue: QueueConfig, now: float,
              out: list[AcdCommand]) -> None:
    """The callback's turn: keep the agent for it and dial the caller."""
    acd.roster.reserve(agent, call.call_id, None, now, out)
    call.reserved_agent = agent.config.agent_id
    call.callback_attempts += 1
    leg = acd.book.add_leg(call.call_id, LegRole.CALLBACK, LegStage.DIALING).leg_id
    call.callback_leg = leg
    call.phase = CallPhase.DIALING_BACK
    out.append(DialCallback(call.call_id, leg, call.caller_number, call.caller_name, queue.name,
                            queue.callbacks.ring_timeout_s))
    out.append(facts.CallbackDialed(call.call_id, agent.config.agent_id, queue.name, leg,
                                    call.caller_number, call.callback_attempts))


def answered(acd: AcdContext, leg_id: LegId, now: float, out: list[AcdCommand]) -> None:
    call = acd.call_with_leg(leg_id)
    if call is None or call.callback_leg != leg_id or call.reserved_agent is None:
        out.append(HangUpLeg(leg_id, "callback no longer wanted"))
        return
    agent = acd.agents[call.reserved_agent]
    call.caller_leg, call.callback_leg, call.reserved_agent = leg_id, None, None
    out.append(StartMusic(leg_id, acd.queues[call.queue].moh_class))
    out.append(facts.CallbackAnswered(call.call_id, agent.config.agent_id, call.queue, leg_id))
    acd.offer_reserved(call, agent, now, out)


def not_reached(acd: AcdContext, leg_id: LegId, failure: LegFailure, now: float, out: list[AcdCommand]) -> None:
    call = acd.call_with_leg(leg_id)
    if call is None or call.callback_leg != leg_id:
        return
    call.callback_leg = None
    release_agent(acd, call, now, out)
    settings = acd.queues[call.queue].callbacks
    given_up = call.callback_attempts >= settings.attempts
    out.append(facts.CallbackNotReached(call.call_id, call.queue, leg_id, failure, call.callback_attempts,
                                        given_up))
    if given_up:
        out.append(facts.CallbackGivenUp(call.call_id, call.queue, call.callback_attempts))
        acd.forget(call, now, out)
        return
    call.phase = CallPhase.CALLBACK_RETRY
    out.append(StartTimer(("callback_retry", call.call_id), now + settings.retry_after_s))


def release_agent(acd: AcdContext, call: CallRecord, now: float, out: list[AcdCommand]) -> None:
    if call.reserved_agent is None:
        return
    agent = acd.agents[call.reserved_agent]
    call.reserved_agent = None
    acd.roster.release(agent, StateTrigger.RELEASE, now, out)
