"""Overflow: a call that cannot stay in its queue (max wait reached, queue full, nobody logged in, the
estimated wait too long) goes where the queue's first matching rule says: another queue (keeping its
place in line: the enqueue time travels with it), voicemail, or, for the estimated wait, the callback
offer. With no rule it is refused and hung up. Max wait reached while an agent's phone rings waits for
that offer's outcome: the agent may still answer.
"""

from __future__ import annotations

from engine.core import facts
from engine.core.acd.commands import AcdCommand, HangUpLeg, SendToVoicemail
from engine.core.acd.config import OverflowRule, OverflowTarget, OverflowWhen, QueueConfig
from engine.core.acd.context import AcdContext
from engine.core.acd.events import CallEnqueued
from engine.core.acd.state import CallPhase, CallRecord
from engine.core.ids import QueueName


def rule(queue: QueueConfig, when: OverflowWhen) -> OverflowRule | None:
    return next((r for r in queue.overflow if r.when is when), None)


def max_wait(acd: AcdContext, call: CallRecord, now: float, out: list[AcdCommand]) -> None:
    if call.phase is CallPhase.OFFERING:
        call.overflow_due = True  # let the ringing agent answer; decide when the offer fails
        return
    position = acd.position(call)
    acd.leave_line(call)
    acd.calls.pop(call.call_id, None)
    acd.cancel_timers(call, out, "relax", "announce")
    overflow_or_end(acd, call, now, OverflowWhen.MAX_WAIT, out, "max wait", position)


def overflow_or_end(acd: AcdContext, call: CallRecord, now: float, when: OverflowWhen, out: list[AcdCommand],
                    why: str, position: int) -> None:
    found = rule(acd.queues[call.queue], when)
    if found is None or found.target is OverflowTarget.CALLBACK:
        out.append(facts.CallRefused(call.call_id, call.queue, why, position))
        if call.caller_leg is not None:
            out.append(HangUpLeg(call.caller_leg, why))
        return
    overflow(acd, call, found, now, out, why, position)


def overflow(acd: AcdContext, call: CallRecord, target: OverflowRule, now: float, out: list[AcdCommand], why: str,
             position: int) -> None:
    assert call.caller_leg is not None
    out.append(facts.CallOverflowed(call.call_id, call.queue, call.caller_leg, why, target.target.value,
                                    target.destination, round(now - call.entered_queue_at, 3), position))
    if target.target is OverflowTarget.VOICEMAIL:
        out.append(SendToVoicemail(call.call_id, call.caller_leg, target.destination))
        acd.book.drop_leg(call.caller_leg)  # the dialplan has it now: its StasisEnd is not a hang-up
        return
    follow = CallEnqueued(call.call_id, call.caller_leg, QueueName(target.destination), call.priority, call.skills,
                          call.caller_number, call.caller_name, call.enqueued_at)
    acd.enqueue(follow, now, out)
