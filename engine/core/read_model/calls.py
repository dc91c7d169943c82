"""The calls a read model shows, followed from the facts alone: each live call's queue, phase, priority, caller,
its agent (connected, or reserved for a callback), the agents being offered it, and its place in line.

How each fact moves a call, as the ACD does (its tables are in engine/core/acd/machine.py):

| fact                       | the call                                                                      |
|----------------------------|-------------------------------------------------------------------------------|
| CallStarted                | not shown yet; its caller's name and its first enqueue time are kept          |
| CallerEnqueued             | shown, WAITING in that queue: a new queue visit (waited_s counts from here)   |
| AgentOffered               | OFFERING, the agent added to `ringing`                                        |
| AgentConnected             | CONNECTED to that agent; its offer over                                       |
| AgentMissed                | that offer over; with no offer left, WAITING again at its place               |
| AgentOfferCancelled        | that offer over (a ring-all answered elsewhere, the caller gone)              |
| CallTransferred            | its agent gone; to an agent: AgentOffered follows; to a queue: moving, a new  |
|                            | place in line there                                                           |
| CallOverflowed             | to a queue: moving, keeping its place in line; to voicemail: gone             |
| CallbackRequested          | CALLBACK (nobody on the line, its place kept)                                 |
| CallbackDialed             | DIALING_BACK, the agent reserved for it                                       |
| CallbackAnswered           | the reservation over: AgentOffered to that agent follows                      |
| CallbackNotReached         | the reservation over; CALLBACK_RETRY until `callback_retry_after_s` later,    |
|                            | then CALLBACK (the ACD's retry timer, which no fact marks: read against now)  |
| CallerAbandoned, CallCompleted, CallRefused, CallbackGivenUp | gone                                      |

A moving call is not shown until its next queue takes it (CallerEnqueued); turned away there, it is gone.

Restarts: a restarted engine holds no call until it restores what the PBX still has. So at EngineStarted
every call leaves the view and is kept aside; CallRestored brings one back, as the ACD takes it back: in the
queue its channel names, WAITING (at its first place in line: its channel's enqueue time, kept to the
millisecond, is both its place and the start of its wait) or CONNECTED to its agent. Calls nothing restores
(callbacks waiting with nobody on the line, callers who hung up in the gap) are dropped at the AcdRestored
that closes the restore, or at the next EngineStarted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import assert_never

from engine.core import facts as f
from engine.core.acd.config import OverflowTarget
from engine.core.acd.state import CallPhase
from engine.core.ids import AgentId, CallId, LegId, QueueName

# Phases in which a call holds a place in its queue's line (what a queue counts as waiting).
IN_LINE = frozenset({CallPhase.WAITING, CallPhase.CALLBACK})


@dataclass(slots=True)
class LiveCall:
    call_id: CallId
    queue: QueueName
    priority: int
    caller: str
    caller_name: str
    enqueued_at: float  # its place in line
    entered_queue_at: float  # this queue visit
    first_enqueued_at: float  # what its caller's channel says (CALLHIVE_ENQUEUED): where a restore puts it
    # The queue the statistics count its visit in: the one it last joined, which a restore may not put it
    # back in (its channel names the first queue it joined).
    counted_in: QueueName
    phase: CallPhase = CallPhase.WAITING
    agent_id: AgentId | None = None
    reserved_agent: AgentId | None = None
    offers: dict[LegId, AgentId] = field(default_factory=dict)  # agent leg -> agent
    back_in_line_at: float | None = None  # CALLBACK_RETRY: when the retry timer puts it back in line

    def phase_at(self, now: float) -> CallPhase:
        if self.phase is CallPhase.CALLBACK_RETRY and self.back_in_line_at is not None \
                and now >= self.back_in_line_at:
            return CallPhase.CALLBACK
        return self.phase


@dataclass(slots=True)
class _Between:
    """A call not shown for now: started and not yet in a queue, or moving between queues."""

    caller: str
    caller_name: str
    priority: int
    enqueued_at: float | None  # the place in line it keeps; None: a new place where it is enqueued
    first_enqueued_at: float | None


def _channel_time(at: float) -> float:
    # The runtime writes the enqueue time on the caller's channel as "%.3f"; a restore reads it back.
    return float(f"{at:.3f}")


class CallBoard:
    def __init__(self, retry_after_s: dict[QueueName, float]) -> None:
        self._retry_after_s = retry_after_s
        self.live: dict[CallId, LiveCall] = {}
        self._between: dict[CallId, _Between] = {}
        self._suspended: dict[CallId, LiveCall] = {}  # live when the engine last started again
        # Calls ended whose answered visit the statistics count in another queue, until the wrap-up ends.
        self._wrapping: dict[CallId, QueueName] = {}

    def queues_of(self, call_id: CallId) -> tuple[QueueName, ...]:
        """The queues whose rows a fact about the call may change: the one it is shown in (or was when the
        engine restarted) and the one the statistics count it in."""
        call = self.live.get(call_id) or self._suspended.get(call_id)
        if call is not None:
            return (call.queue, call.counted_in)
        wrapping = self._wrapping.get(call_id)
        return () if wrapping is None else (wrapping,)

    def apply(self, fact: f.Fact, at: float) -> None:
        # The commonest facts first: a match tries its cases in order.
        match fact:
            case f.AgentStateChanged() | f.AgentRinging():
                pass
            case f.AgentOffered(call_id=call_id):
                if (call := self.live.get(call_id)) is not None:
                    call.offers[fact.leg_id] = fact.agent_id
                    call.phase = CallPhase.OFFERING
            case f.CallerEnqueued():
                self._enqueued(fact, at)
            case f.CallStarted(call_id=call_id):
                self._between[call_id] = _Between(fact.caller, fact.caller_name, 0, None, _channel_time(at))
            case f.AgentConnected(call_id=call_id):
                if (call := self.live.get(call_id)) is not None:
                    call.offers.pop(fact.leg_id, None)
                    call.phase, call.agent_id = CallPhase.CONNECTED, fact.agent_id
            case f.CallCompleted(call_id=call_id):
                if (call := self.live.get(call_id)) is not None and call.counted_in != call.queue:
                    self._wrapping[call_id] = call.counted_in
                self._end(call_id)
            case f.AgentWrapUpEnded(call_id=call_id):
                self._wrapping.pop(call_id, None)
            case f.AgentMissed(call_id=call_id):
                if (call := self.live.get(call_id)) is not None:
                    call.offers.pop(fact.leg_id, None)
                    if not call.offers:
                        call.phase = CallPhase.WAITING
            case f.AgentOfferCancelled(call_id=call_id):
                if (call := self.live.get(call_id)) is not None:
                    call.offers.pop(fact.leg_id, None)
            case f.CallTransferred(call_id=call_id):
                if (call := self.live.get(call_id)) is not None:
                    call.agent_id = None
                    if fact.to_queue is not None:
                        self._move(call_id, at)  # a transfer is a new place in line
            case f.CallOverflowed(call_id=call_id):
                if fact.target == OverflowTarget.QUEUE:
                    self._move(call_id, None)
                else:
                    self._end(call_id)
            case f.CallbackRequested(call_id=call_id):
                if (call := self.live.get(call_id)) is not None:
                    call.phase = CallPhase.CALLBACK
            case f.CallbackDialed(call_id=call_id):
                if (call := self.live.get(call_id)) is not None:
                    call.phase, call.reserved_agent = CallPhase.DIALING_BACK, fact.agent_id
            case f.CallbackAnswered(call_id=call_id):
                if (call := self.live.get(call_id)) is not None:
                    call.reserved_agent = None
            case f.CallbackNotReached(call_id=call_id):
                if (call := self.live.get(call_id)) is not None:
                    call.reserved_agent = None
                    if not fact.given_up:
                        call.phase = CallPhase.CALLBACK_RETRY
                        call.back_in_line_at = at + self._retry_after_s.get(call.queue, 120.0)
            case f.CallRestored():
                self._restored(fact, at)
            case f.CallerAbandoned(call_id=call_id) | f.CallRefused(call_id=call_id) \
                    | f.CallbackGivenUp(call_id=call_id):
                self._end(call_id)
            case f.EngineStarted():
                self._suspended = self.live
                self.live = {}
                self._between.clear()
                self._wrapping.clear()
            case f.AcdRestored():
                self._suspended.clear()
            case (f.CallerAnnounced() | f.CallHeld() | f.CallUnheld() | f.AgentStatusChanged() | f.AgentDeviceBusy()
                  | f.AgentDeviceFree() | f.AgentReachable() | f.AgentUnreachable() | f.EngineStopping()
                  | f.EngineStopped() | f.AgentMadeBusy() | f.AgentBusyEnded()):
                pass
            case _:
                assert_never(fact)

    def _enqueued(self, fact: f.CallerEnqueued, at: float) -> None:
        before = self._between.pop(fact.call_id, None)
        if before is None:  # a call the stream did not start (a test, a stream read from its middle)
            before = _Between(fact.caller, "", fact.priority, None, None)
        first = before.first_enqueued_at if before.first_enqueued_at is not None else _channel_time(at)
        self.live[fact.call_id] = LiveCall(
            fact.call_id, fact.queue, fact.priority, fact.caller, before.caller_name,
            before.enqueued_at if before.enqueued_at is not None else at, at, first, fact.queue)

    def _move(self, call_id: CallId, enqueued_at: float | None) -> None:
        """The call leaves its queue for another; `enqueued_at`: its new place in line (None: the one it has)."""
        call = self.live.pop(call_id, None)
        if call is not None:
            self._between[call_id] = _Between(call.caller, call.caller_name, call.priority,
                                              call.enqueued_at if enqueued_at is None else enqueued_at,
                                              call.first_enqueued_at)
        elif (between := self._between.get(call_id)) is not None and enqueued_at is not None:
            between.enqueued_at = enqueued_at

    def _end(self, call_id: CallId) -> None:
        self.live.pop(call_id, None)
        self._between.pop(call_id, None)

    def _restored(self, fact: f.CallRestored, at: float) -> None:
        known = self._suspended.pop(fact.call_id, None) or self.live.pop(fact.call_id, None)
        if known is not None:
            caller, name, priority, first = known.caller, known.caller_name, known.priority, known.first_enqueued_at
            counted_in = known.counted_in
        else:  # not in the stream read (it began before): what the fact has
            caller, name, priority, first, counted_in = "", "", 0, at, fact.queue
        call = LiveCall(fact.call_id, fact.queue, priority, caller, name, first, first, first, counted_in)
        if fact.phase is f.RestoredPhase.CONNECTED:
            call.phase, call.agent_id = CallPhase.CONNECTED, fact.agent_id
        self.live[fact.call_id] = call

    def suspended(self) -> tuple[CallId, ...]:
        return tuple(self._suspended)
