"""What the ACD holds about each call (mutable records, owned by `Acd`); agents are the roster's
(engine/core/presence)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from engine.core.ids import AgentId, CallId, LegId, QueueName
from engine.core.skills import SkillRequirement
from engine.core.waiting import WaitingCall


class CallPhase(StrEnum):
    WAITING = "waiting"  # caller on the line, in queue
    OFFERING = "offering"  # agent leg(s) ringing, caller on music
    CONNECTED = "connected"  # caller and agent bridged
    CALLBACK = "callback"  # caller hung up after asking to be called back; the call keeps its place in line
    CALLBACK_RETRY = "callback_retry"  # the caller did not answer a callback: out of line until the retry time
    DIALING_BACK = "dialing_back"  # its turn came: an agent is reserved and the caller's number is being dialled


@dataclass(slots=True)
class CallRecord:
    call_id: CallId
    caller_leg: LegId | None  # None while a callback waits: nobody is on the line
    queue: QueueName
    priority: int
    skills: tuple[SkillRequirement, ...]
    caller_number: str
    caller_name: str
    enqueued_at: float  # place in line
    entered_queue_at: float  # this queue visit
    phase: CallPhase = CallPhase.WAITING
    offers: dict[LegId, AgentId] = field(default_factory=dict)  # agent leg -> agent
    offered_at: dict[LegId, float] = field(default_factory=dict)  # agent leg -> when it was originated
    agent_leg: LegId | None = None
    agent_id: AgentId | None = None
    answered_at: float | None = None
    overflow_due: bool = False
    # Offered a callback outside the queue's announcements (overflow to the callback offer).
    callback_offered: bool = False
    # The caller has heard the callback offer: only then does their 1 mean "call me back".
    callback_announced: bool = False
    held: bool = False  # a connected call on hold
    # Position in line when taken from it (for the records: the position at exit of an answered visit).
    taken_at_position: int = 0
    # Callback: the leg dialling the caller back, the agent kept for them, attempts made.
    callback_leg: LegId | None = None
    reserved_agent: AgentId | None = None
    callback_attempts: int = 0

    def as_waiting(self) -> WaitingCall:
        return WaitingCall(self.call_id, self.queue, self.priority, self.enqueued_at)
