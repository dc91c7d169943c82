"""Callbacks: a caller who pressed 1 hangs up and keeps their place in line; when their turn comes an
agent is reserved and the caller's number is dialled; once they answer, the reserved agent is rung
(the phases are in machine.py's second table). A caller not reached is tried again after the queue's
`retry_after_s`, up to its `attempts`, keeping their place; then the callback is given up (recorded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.acd.commands import AcdCommand, DialCallback, Fact, HangUpLeg, StartMusic, StartTimer
from engine.core.acd.config import QueueConfig
from engine.core.acd.events import LegFailure
from engine.core.acd.state import AgentRecord, CallPhase, CallRecord
from engine.core.agent_fsm import StateTrigger

if TYPE_CHECKING:
    from engine.core.acd.machine import Acd


def requested(acd: Acd, call: CallRecord, now: float, out: list[AcdCommand]) -> None:
    """The caller pressed 1: they hang up, the call keeps its place in line with nobody on it."""
    assert call.caller_leg is not None
    out.append(Fact("CallbackRequested", call.call_id, queue=call.queue, leg_id=call.caller_leg, data={
        "number": call.caller_number, "position": acd.position(call),
        "wait_s": round(now - call.entered_queue_at, 3)}))
    out.append(HangUpLeg(call.caller_leg, "callback requested"))
    acd.legs.pop(call.caller_leg, None)
    call.caller_leg = None
    call.phase = CallPhase.CALLBACK
    acd.cancel_timers(call, out, "max_wait", "announce")


def dial_back(acd: Acd, call: CallRecord, agent: AgentRecord, queue: QueueConfig, now: float,
              out: list[AcdCommand]) -> None:
    """The callback's turn: keep the agent for it and dial the caller."""
    acd.roster.set_state(agent, StateTrigger.RESERVE, now, out)
    agent.call_id = call.call_id
    call.reserved_agent = agent.config.agent_id
    call.callback_attempts += 1
    call.legs_made += 1
    call.callback_leg = f"{call.call_id}-b{call.legs_made}"
    call.phase = CallPhase.DIALING_BACK
    acd.legs[call.callback_leg] = call.call_id
    out.append(DialCallback(call.call_id, call.callback_leg, call.caller_number, call.caller_name, queue.name,
                            queue.callbacks.ring_timeout_s))
    out.append(Fact("CallbackDialed", call.call_id, agent.config.agent_id, queue.name, call.callback_leg, {
        "number": call.caller_number, "attempt": call.callback_attempts}))


def answered(acd: Acd, leg_id: str, now: float, out: list[AcdCommand]) -> None:
    call = acd.calls.get(acd.legs.get(leg_id, ""))
    if call is None or call.callback_leg != leg_id or call.reserved_agent is None:
        out.append(HangUpLeg(leg_id, "callback no longer wanted"))
        return
    agent = acd.agents[call.reserved_agent]
    call.caller_leg, call.callback_leg, call.reserved_agent = leg_id, None, None
    out.append(StartMusic(leg_id, acd.queues[call.queue].moh_class))
    out.append(Fact("CallbackAnswered", call.call_id, agent.config.agent_id, call.queue, leg_id))
    acd.offer_reserved(call, agent, now, out)


def not_reached(acd: Acd, leg_id: str, failure: LegFailure, now: float, out: list[AcdCommand]) -> None:
    call = acd.calls.get(acd.legs.get(leg_id, ""))
    acd.legs.pop(leg_id, None)
    if call is None or call.callback_leg != leg_id:
        return
    call.callback_leg = None
    release_agent(acd, call, now, out)
    settings = acd.queues[call.queue].callbacks
    given_up = call.callback_attempts >= settings.attempts
    out.append(Fact("CallbackNotReached", call.call_id, queue=call.queue, leg_id=leg_id, data={
        "failure": failure.value, "attempt": call.callback_attempts, "given_up": given_up}))
    if given_up:
        out.append(Fact("CallbackGivenUp", call.call_id, queue=call.queue, data={
            "attempts": call.callback_attempts}))
        acd.forget(call, now, out)
        return
    call.phase = CallPhase.CALLBACK_RETRY
    out.append(StartTimer(("callback_retry", call.call_id), now + settings.retry_after_s))


def release_agent(acd: Acd, call: CallRecord, now: float, out: list[AcdCommand]) -> None:
    if call.reserved_agent is None:
        return
    agent = acd.agents[call.reserved_agent]
    call.reserved_agent = None
    acd.roster.set_state(agent, StateTrigger.RELEASE, now, out)
    agent.call_id = None
