"""What a waiting caller is told: position and estimated wait (estimate.py), first after the queue's
`first_after_s` then every `every_s`, never while an agent's phone rings for them; and the callback offer
("press 1"), from the queue's announcements or at once when an estimated-wait overflow rule says so.
An announcement suspends the music on hold without resuming it (Asterisk's `/play`), so its end starts
the music again.
"""

from __future__ import annotations

from engine.core import facts
from engine.core.acd import callbacks
from engine.core.acd.commands import AcdCommand, Announce, StartMusic, StartTimer
from engine.core.acd.config import QueueConfig
from engine.core.acd.context import AcdContext
from engine.core.acd.events import AnnouncementEnded, CallerPressed
from engine.core.acd.state import CallPhase, CallRecord

CALLBACK_DIGIT = "1"
_ON_HOLD = {CallPhase.WAITING, CallPhase.OFFERING}


def callback_offered(acd: AcdContext, call: CallRecord) -> bool:
    settings = acd.queues[call.queue].announcements
    return call.callback_offered or (settings is not None and settings.offer_callback)


def announce(acd: AcdContext, call: CallRecord, queue: QueueConfig, now: float, out: list[AcdCommand]) -> None:
    assert call.caller_leg is not None
    settings = queue.announcements
    position = acd.position(call)
    estimate = acd.estimate(queue, position)
    offer = callback_offered(acd, call)
    call.callback_announced = call.callback_announced or offer
    out.append(Announce(call.call_id, call.caller_leg,
                        position if settings is None or settings.position else None,
                        estimate if settings is None or settings.estimated_wait else None, offer,
                        acd.book.start_playback(call.caller_leg)))
    out.append(facts.CallerAnnounced(call.call_id, call.queue, call.caller_leg, position,
                                     None if estimate is None else round(estimate, 1), offer))
    if settings is not None:
        out.append(StartTimer(("announce", call.call_id), now + settings.every_s))


def announcement_due(acd: AcdContext, call: CallRecord, now: float, out: list[AcdCommand]) -> None:
    queue = acd.queues[call.queue]
    if call.phase is CallPhase.WAITING:
        announce(acd, call, queue, now, out)
    elif call.phase is CallPhase.OFFERING and queue.announcements is not None:
        # An agent's phone is ringing: do not talk over the connection; try again later.
        out.append(StartTimer(("announce", call.call_id), now + queue.announcements.every_s))


def ended(acd: AcdContext, event: AnnouncementEnded, out: list[AcdCommand]) -> None:
    call = acd.call_with_leg(event.leg_id)
    if call is not None and call.phase in _ON_HOLD and call.caller_leg == event.leg_id:
        out.append(StartMusic(event.leg_id, acd.queues[call.queue].moh_class))


def pressed(acd: AcdContext, event: CallerPressed, now: float, out: list[AcdCommand]) -> None:
    call = acd.call_with_leg(event.leg_id)
    if call is None or call.caller_leg != event.leg_id or event.digit != CALLBACK_DIGIT:
        return
    if call.callback_announced and call.phase is CallPhase.WAITING and call.caller_number:
        callbacks.requested(acd, call, now, out)
